// The first run a newcomer sees (`npm start`): the packaged extension on a store seeded by
// `session-buddy seed-demo`, in the dark and the light theme at 1280 × 800. Checks that every view is
// populated with the planted history (the regressions, the anomaly, the A/B test, the demo banner),
// measures the dashboard's contrast and its text (every label 11–16 px, no two text boxes overlapping,
// every axis with its unit and dates) in both themes, that a chart is reached from the palette and from
// the table, the workspace filter and the CSV export, and publishes the README's screenshots.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, startWorkbench, waitFor } from './harness.mjs';

const TEST_TIMEOUT = 120_000;
/** The demo's planted regressions (src/core/demo/demoHistory.ts, DEMO_PLANTED). */
const DEMO = { slowdown: 'tsc-check', flaky: 'pytest-run' };
/** WCAG 2.1: 4.5:1 for normal text (the ticks are 10 px), 3:1 for the parts of a chart (1.4.11). */
const TEXT_CONTRAST = 4.5;
const GRAPHIC_CONTRAST = 3;

let wb;
let seeded;

before(async () => {
  wb = await startWorkbench({
    suite: 'demo',
    settings: { 'workbench.colorTheme': 'Default Dark Modern' },
    prepareStore: ({ dbPath, env }) => {
      const result = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), '--db', dbPath, 'seed-demo', '--json'], { env, encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`seed-demo failed (${result.status}): ${result.stderr}`);
      seeded = JSON.parse(result.stdout);
    },
  });
}, { timeout: 240_000 });

after(async () => {
  await wb?.close();
});

test('the demo store holds 60 days of history, teammates and a running A/B test', async () => {
  const [days] = await wb.sql("SELECT COUNT(DISTINCT substr(invoked_at, 1, 10)) AS n, COUNT(DISTINCT skill_name) AS skills FROM skill_invocation");
  assert.ok(days.n >= 40, `runs on many days (${days.n})`);
  assert.ok(days.skills >= 25, `a few dozen skills (${days.skills})`);
  const [tests] = await wb.sql("SELECT test_name, status FROM ab_test_configs");
  assert.deepEqual(tests, { test_name: 'ranking-v2', status: 'running' });
  assert.equal(seeded.teammates, 6);
  wb.fact('seeded', seeded);
});

test("the open anomaly is said in a notification with Show and Don't Show Again, which turns it off for good", { timeout: TEST_TIMEOUT }, async () => {
  const toast = wb.page.locator('.notification-toast', { hasText: 'ruff-check completes less often than usual' });
  await toast.waitFor({ state: 'visible', timeout: 30_000 });
  const buttons = await toast.locator('.notification-list-item-buttons-container .monaco-button').allInnerTexts();
  assert.deepEqual(buttons.map((b) => b.trim()), ['Show', "Don't Show Again"]);
  await wb.screenshot('anomaly-notification');
  await toast.getByRole('button', { name: "Don't Show Again" }).click();
  const settingsFile = path.join(wb.dirs.userData, 'User', 'settings.json');
  await waitFor(() => JSON.parse(fs.readFileSync(settingsFile, 'utf8'))['sessionBuddy.alerts.notify'] === false,
    { timeout: 10_000, what: 'sessionBuddy.alerts.notify to be turned off in the user settings' });
  await wb.page.reload();
  await wb.statusItem.waitFor({ state: 'visible', timeout: 60_000 });
  await wb.waitForStatusText((t) => /runs? today/.test(t), { what: 'the window to be back' });
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  assert.equal(await toast.count(), 0, 'not shown again after a reload');
});

test('the status bar shows today\'s demo runs and warns of the open anomaly', { timeout: TEST_TIMEOUT }, async () => {
  await wb.waitForTodayInStatusBar();
  const [lastDay] = await wb.sql("SELECT COUNT(*) AS n FROM skill_invocation WHERE invoked_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 day')");
  assert.ok(lastDay.n > 0, 'the demo has runs in the last 24 hours');
  const label = await wb.statusItem.evaluate((n) => n.getAttribute('aria-label') ?? n.querySelector('[aria-label]')?.getAttribute('aria-label'));
  assert.match(label ?? '', /1 open anomaly/, 'the anomaly is announced (and the item takes the warning colour)');
  await wb.screenshot('status-bar', { publish: true, hover: wb.statusItem });
});

test('the dashboard shows the demo banner, the planted regression and the anomaly', { timeout: TEST_TIMEOUT }, async () => {
  await wb.statusItem.click();
  const dashboard = await wb.webviewFrame('[data-testid="demo-banner"]');
  const rows = dashboard.locator('[data-testid="top-skill-row"]');
  await rows.nth(9).waitFor({ state: 'attached', timeout: 20_000 });
  // The planted truth (src/core/demo/demoHistory.ts, DEMO_PLANTED): ruff-check fails throughout the last hour,
  // pytest-run's completion falls over the last days.
  const anomalies = await dashboard.locator('[data-testid="anomaly"]').allInnerTexts();
  const ruff = anomalies.find((a) => a.startsWith('ruff-check'));
  assert.ok(ruff, `the last hour's failing ruff-check is an open anomaly: ${anomalies.join(' | ')}`);
  // The time it was noticed is not the time the skill ran: both are said, each for what it is.
  assert.match(ruff, /^ruff-check completes less often than usual: \d+% against a usual \d+% of its recent runs\. · last run .+, noticed .+$/);
  await dashboard.locator('[data-testid="trend-skill"]').selectOption('pytest-run');
  await waitFor(async () => /^pytest-run: ↘ declining/.test(await dashboard.locator('[data-testid="trend-words"]').innerText()),
    { timeout: 15_000, what: 'the trend chart to show pytest-run declining' });
  wb.fact('dashboardTrends', await dashboard.locator('[data-testid="trend"]').allInnerTexts());
  await dashboard.evaluate(() => window.scrollTo(0, 0));
  await wb.screenshot('dashboard', { publish: true });
  await assertContrast(dashboard, 'dark');
});

test('the planted slowdown and the flakier tests are open regressions: listed newest first, marked on the charts, named by the status bar', { timeout: TEST_TIMEOUT }, async () => {
  const dashboard = await wb.webviewFrame('[data-testid="demo-banner"]');
  // The history is fitted by the window's background job (within 15 s of its start), then the page follows the store.
  const rows = dashboard.locator('[data-testid="regression-row"]');
  const texts = await waitFor(async () => {
    const all = await rows.allInnerTexts();
    return all.some((r) => r.startsWith(DEMO.slowdown)) && all.some((r) => r.startsWith(DEMO.flaky)) ? all : undefined;
  }, { timeout: 60_000, what: `the Regressions list to name ${DEMO.slowdown} and ${DEMO.flaky}` });
  // src/core/demo/demoHistory.ts, DEMO_PLANTED: tsc-check 2.2× slower for 10 days; pytest-run failing more over 6.
  const slow = texts.find((r) => r.startsWith(DEMO.slowdown));
  assert.match(slow, /duration\s+2\.\d× slower \([\d.]+ s → \d+ s\)\s+.+\s+\d+$/, `its size, start and first run: ${slow}`);
  assert.match(texts.find((r) => r.startsWith(DEMO.flaky)), /failure rate\s+failure rate \d+% → \d+%/);
  assert.ok(texts.indexOf(slow) > texts.findIndex((r) => r.startsWith(DEMO.flaky)), 'newest first: the slowdown began before the tests got flaky');

  const chart = dashboard.locator('[data-testid="chart"]', { has: dashboard.locator('figcaption', { hasText: DEMO.flaky }) });
  const marker = chart.locator('[data-testid="change-marker"]').first();
  // Focused again if a store change redraws the page in between (the readout starts over then).
  const readout = await waitFor(async () => {
    await marker.focus({ timeout: 15_000 });
    const text = await chart.locator('[data-testid="chart-readout"]').innerText();
    return text.startsWith('Hover') ? undefined : text;
  }, { timeout: 20_000, what: "the readout to say the focused change marker's words" });
  assert.match(readout, /^failure rate \d+% → \d+% from .+ \(run \d+\), still so$/, `the marker's before and after levels: ${readout}`);
  assert.match(await chart.locator('[data-testid="change-note"]').first().innerText(), /^failure rate \d+% → \d+% from /);

  const label = await wb.statusItem.evaluate((n) => n.getAttribute('aria-label') ?? n.querySelector('[aria-label]')?.getAttribute('aria-label'));
  assert.match(label ?? '', /\d+ open regressions?/, 'the status bar warns of them too');
  await dashboard.locator('[data-testid="regressions"]').scrollIntoViewIfNeeded();
  await wb.screenshot('dashboard-regressions', { publish: true });
  await dashboard.evaluate(() => window.scrollTo(0, 0));
});

test('the dashboard reads at a glance in the dark theme: text 11–16 px, no overlap, axes with units and dates', { timeout: TEST_TIMEOUT }, async () => {
  const dashboard = await wb.webviewFrame('[data-testid="demo-banner"]');
  await assertReadable(dashboard, 'dark');
});

test('the busiest skills are charted busiest first, days without runs say nothing, and no count reads "12.5"', { timeout: TEST_TIMEOUT }, async () => {
  const dashboard = await wb.webviewFrame('[data-testid="demo-banner"]');
  const top = await dashboard.locator('[data-testid="top-skill-row"] th').allInnerTexts();
  const charted = await dashboard.locator('[data-testid="chart"] figcaption').allInnerTexts();
  assert.deepEqual(charted, top.slice(0, charted.length), 'the charts follow the table (most runs first), not the alphabet');
  const text = await dashboard.locator('main').evaluate((main) => main.textContent);
  assert.doesNotMatch(text, /0\.0 s|\(s\)|\(ies\)/, 'no "0.0 s" on days without runs, no "run(s)"');
  const ticks = await dashboard.locator('.chart-svg text.tick[data-axis="y"]').allTextContents();
  const counts = ticks.filter((t) => /^\d+(\.\d+)?$/.test(t));
  assert.ok(counts.length > 10 && counts.every((t) => Number.isInteger(Number(t))), `whole runs on every count axis: ${[...new Set(counts)].join(', ')}`);
  const durations = await dashboard.locator('[data-testid="time-chart"] text.tick[data-axis="y"]').allTextContents();
  assert.ok(durations.every((t) => /^\d+ (s|min|h)$/.test(t)), `the time axis steps in one unit: ${durations.join(', ')}`);
});

test('the dashboard is readable in the light theme too', { timeout: TEST_TIMEOUT }, async () => {
  await wb.runCommand('Preferences: Color Theme');
  await wb.pick('Light Modern');
  await wb.quickInput.waitFor({ state: 'hidden', timeout: 10_000 });
  const dashboard = await wb.webviewFrame('[data-testid="demo-banner"]');
  await waitFor(() => dashboard.evaluate(() => document.body.classList.contains('vscode-light')), { timeout: 15_000, what: 'the webview to switch to the light theme' });
  await dashboard.evaluate(() => window.scrollTo(0, 0));
  await wb.screenshot('dashboard-light', { publish: true });
  await assertContrast(dashboard, 'light');
  await assertReadable(dashboard, 'light');
});

test('Show Skill Trend… scrolls the dashboard to the chart of the chosen skill', { timeout: TEST_TIMEOUT }, async () => {
  const dashboard = await wb.webviewFrame('[data-testid="demo-banner"]');
  await dashboard.evaluate(() => window.scrollTo(0, 0));
  await wb.runCommand('Session Buddy: Show Skill Trend');
  await wb.pick('tsc-check');
  await waitFor(async () => (await dashboard.locator('[data-testid="trend-skill"]').inputValue()) === 'tsc-check', { timeout: 15_000, what: 'the trend chart to show tsc-check' });
  await waitFor(() => inView(dashboard, '[data-testid="trend-chart"]'), { timeout: 5_000, what: 'the trend chart to be scrolled into view' });
  await wb.screenshot('dashboard-trend-from-palette');
});

test('a skill in the top-skills table opens its trend chart', { timeout: TEST_TIMEOUT }, async () => {
  const dashboard = await wb.webviewFrame('[data-testid="demo-banner"]');
  await dashboard.evaluate(() => window.scrollTo(0, 0));
  const link = dashboard.locator('[data-testid="top-skill-row"] [data-testid="skill-link"]').nth(1);
  const skill = (await link.innerText()).trim();
  await link.click();
  await waitFor(async () => (await dashboard.locator('[data-testid="trend-skill"]').inputValue()) === skill, { timeout: 15_000, what: `the trend chart to show ${skill}` });
  await waitFor(() => inView(dashboard, '[data-testid="trend-chart"]'), { timeout: 5_000, what: 'the trend chart to be scrolled into view' });
  assert.match(await dashboard.locator('[data-testid="trend-words"]').innerText(), new RegExp(`^${skill}: `));
});

test('Export CSV… saves the table shown, with unrounded figures', { timeout: TEST_TIMEOUT }, async () => {
  const dashboard = await wb.webviewFrame('[data-testid="demo-banner"]');
  const shown = await dashboard.locator('[data-testid="top-skill-row"] th').allInnerTexts();
  await dashboard.locator('[data-testid="export-csv"]').click();
  // code-server's save dialog is a quick input holding the proposed path: Enter accepts it.
  await wb.quickInput.waitFor({ state: 'visible', timeout: 10_000 });
  const proposed = await waitFor(async () => {
    const value = await wb.quickInput.locator('input').inputValue();
    return value.endsWith('.csv') ? value : undefined;
  }, { timeout: 10_000, what: 'the save dialog to propose a file name' });
  assert.match(proposed, /session-buddy-top-skills-\d{4}-\d\d-\d\d-to-\d{4}-\d\d-\d\d\.csv$/);
  await wb.page.keyboard.press('Enter');
  await wb.page.locator('.notifications-toasts', { hasText: 'exported 10 skills to' }).waitFor({ state: 'visible', timeout: 15_000 });
  const file = path.join(wb.dirs.workspace, path.basename(proposed));
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\r\n');
  assert.equal(lines[0], 'skill,runs,completion_rate,avg_duration_seconds,time_spent_seconds,last_run');
  assert.deepEqual(lines.slice(1).map((l) => l.split(',')[0]), shown, 'the rows of the table, in its order');
  const table = await dashboard.locator('[data-testid="top-skill-row"]').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
  for (const [i, line] of lines.slice(1).entries()) {
    const [, runs, rate] = line.split(',');
    assert.equal(runs, table[i][1], `${shown[i]}: the runs shown`);
    assert.equal(`${Math.round(Number(rate) * 100)}%`, table[i][2], `${shown[i]}: the completion shown, unrounded in the file (${rate})`);
  }
  fs.copyFileSync(file, path.join(wb.resultsDir, 'top-skills.csv'));
  await wb.clearNotifications();
});

test('the workspace filter shows the runs of this workspace only', { timeout: TEST_TIMEOUT }, async () => {
  await wb.runTask('e2e-pass');
  await wb.waitForRows("SELECT id FROM skill_invocation WHERE skill_name = 'task-e2e-pass'");
  const dashboard = await wb.webviewFrame('[data-testid="demo-banner"]');
  await dashboard.locator('[data-testid="workspace"]').selectOption('workspace');
  const rows = dashboard.locator('[data-testid="top-skill-row"] th');
  await waitFor(async () => (await rows.allInnerTexts()).join() === 'task-e2e-pass', { timeout: 15_000, what: 'the top skills of this workspace only (the demo history belongs to none)' });
  assert.match(await dashboard.locator('[data-testid="summary"]').innerText(), /^1 run of 1 skill, 100% completed/);
  await dashboard.evaluate(() => window.scrollTo(0, 0));
  await wb.screenshot('dashboard-this-workspace');
  await dashboard.locator('[data-testid="workspace"]').selectOption('all');
  await waitFor(async () => (await rows.count()) === 10, { timeout: 15_000, what: 'every workspace again' });
});

test('Recommendations are populated from the demo history', { timeout: TEST_TIMEOUT }, async () => {
  await wb.openViewContainer('Session Buddy');
  const view = await wb.webviewFrame('[data-testid="recommendations"]');
  const items = view.locator('[data-testid="recommendation"]');
  await items.nth(2).waitFor({ state: 'visible', timeout: 30_000 });
  wb.fact('demoRecommendations', await items.locator('[data-testid="rec-skill"]').allInnerTexts());
  await wb.screenshot('recommendations-light');
  await wb.runCommand('Preferences: Color Theme');
  await wb.pick('Dark Modern');
  await waitFor(() => view.evaluate(() => document.body.classList.contains('vscode-dark')), { timeout: 15_000, what: 'the view to switch back to the dark theme' });
  await wb.screenshot('recommendations', { publish: true });
});

test('the extension logged no error on the demo store', () => {
  assert.deepEqual(wb.extensionErrors().map((r) => r.text), []);
});

/**
 * Measures the contrast of the dashboard's text and chart marks against the page background, as
 * rendered (computed colours, with the bars' opacity composited), and fails on any below WCAG.
 */
async function assertContrast(frame, theme) {
  const measured = await frame.evaluate(measureContrast);
  wb.fact(`contrast-${theme}`, measured);
  const low = measured.filter((m) => m.ratio < (m.kind === 'text' ? TEXT_CONTRAST : GRAPHIC_CONTRAST));
  assert.deepEqual(low, [], `${theme} theme: parts below the WCAG contrast (text ${TEXT_CONTRAST}:1, chart marks ${GRAPHIC_CONTRAST}:1)`);
  assert.ok(measured.length >= 8, `measured the parts (${measured.length})`);
}

/** Runs in the webview: one entry per kind of part, the worst of its first 50 elements. */
function measureContrast() {
  const parts = [
    ['text', 'h1'], ['text', 'h2'], ['text', '[data-testid="summary"]'], ['text', '.demo'], ['text', 'thead th'],
    ['text', 'tbody td'], ['text', '.chart-svg .tick'], ['text', '.chart-svg .unit'], ['text', 'button.link'], ['text', '.legend'],
    ['text', '.trend strong'], ['text', '[data-testid="anomaly"]'],
    ['text', '.change-note'],
    ['graphic', '.chart-svg .bar'], ['graphic', '.chart-svg .rate-dot'], ['graphic', '.chart-svg .fit'], ['graphic', '.chart-svg .change-flag'],
  ];
  const rgba = (text) => {
    const m = /rgba?\(([^)]+)\)/.exec(text);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return { r, g, b, a };
  };
  const over = (top, bottom) => ({ r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a), b: top.b * top.a + bottom.b * (1 - top.a), a: 1 });
  const luminance = ({ r, g, b }) => {
    const c = [r, g, b].map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const background = (el) => {
    const layers = [];
    for (let n = el; n; n = n.parentElement) {
      const c = rgba(getComputedStyle(n).backgroundColor);
      if (c && c.a > 0) layers.push(c);
      if (c && c.a === 1) break;
    }
    return layers.reverse().reduce((acc, layer) => over(layer, acc), { r: 255, g: 255, b: 255, a: 1 });
  };
  const measure = (kind, selector, el) => {
    const style = getComputedStyle(el);
    const svgPart = el instanceof SVGElement;
    const paint = svgPart ? (style.fill !== 'none' ? style.fill : style.stroke) : style.color;
    const colour = rgba(paint);
    if (!colour) return undefined;
    const bg = background(svgPart ? el.closest('svg') : el);
    const opacity = Number(style.opacity) * (svgPart && style.fill !== 'none' ? Number(style.fillOpacity) : 1);
    const fg = over({ ...colour, a: colour.a * opacity }, bg);
    const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
    return { kind, selector, ratio: Math.round(((l1 + 0.05) / (l2 + 0.05)) * 100) / 100, paint, background: `rgb(${bg.r}, ${bg.g}, ${bg.b})` };
  };
  const out = [];
  for (const [kind, selector] of parts) {
    const all = [...document.querySelectorAll(selector)].slice(0, 50).map((el) => measure(kind, selector, el)).filter(Boolean);
    if (all.length) out.push(all.reduce((worst, m) => (m.ratio < worst.ratio ? m : worst)));
  }
  return out;
}

/** Whether the element's top is inside the webview's viewport (it was scrolled to). */
function inView(frame, selector) {
  return frame.locator(selector).evaluate((el) => {
    const box = el.getBoundingClientRect();
    return box.top >= -1 && box.top < window.innerHeight / 2;
  });
}

/** Smallest and largest text on the dashboard, in screen pixels (WCAG has no minimum; 11 px is ours). */
const MIN_TEXT_PX = 11;
const MAX_TEXT_PX = 16;

/**
 * Measures every piece of text the dashboard shows, as rendered: its size in screen pixels (an SVG's
 * scale included), its box, and every chart's axes. Saves the figures and a screenshot per part, and
 * fails on text below 11 or above 16 px, on two text boxes that overlap, and on an axis without its
 * unit or a time axis without dates.
 */
async function assertReadable(frame, theme) {
  const parts = ['timeline', 'top-skills', 'charts', 'trend-chart', 'anomalies'];
  for (const [i, part] of parts.entries()) {
    await frame.locator(`[data-testid="${part}"]`).evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await wb.screenshot(`dashboard-${theme}-${i + 1}-${part}`);
  }
  await frame.evaluate(() => window.scrollTo(0, 0));
  const measured = await frame.evaluate(measureText);
  wb.fact(`text-${theme}`, { pieces: measured.pieces, smallestPx: measured.smallest, largestPx: measured.largest, charts: measured.charts.length });
  assert.ok(measured.pieces > 100 && measured.charts.length >= 8, `measured the text (${measured.pieces} pieces, ${measured.charts.length} charts)`);
  assert.deepEqual(measured.tooSmall, [], `${theme}: text under ${MIN_TEXT_PX} px`);
  assert.deepEqual(measured.tooLarge, [], `${theme}: text over ${MAX_TEXT_PX} px`);
  assert.deepEqual(measured.overlaps, [], `${theme}: text boxes that overlap`);
  for (const chart of measured.charts) {
    assert.ok(chart.dates.length >= 2 && chart.dates.every((d) => /^[A-Z][a-z]{2} \d{1,2}$/.test(d)), `${chart.name}: dates under the days (${chart.dates.join(', ')})`);
    assert.deepEqual(chart.axesWithoutUnit, [], `${chart.name}: every value axis names its unit`);
  }
}

/** Runs in the webview. */
function measureText() {
  const main = document.querySelector('main');
  const pieces = [];
  const shown = (el) => !el.closest('.sr-only, title, select, option') && getComputedStyle(el).visibility !== 'hidden';
  const walker = document.createTreeWalker(main, window.NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (!node.textContent.trim() || !parent || !shown(parent) || parent.closest('svg')) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (r.width > 0 && r.height > 0) pieces.push({ text: node.textContent.trim().slice(0, 40), px: parseFloat(getComputedStyle(parent).fontSize), box: [r.left, r.top, r.right, r.bottom], owner: parent });
    }
  }
  for (const t of main.querySelectorAll('svg text')) {
    const r = t.getBoundingClientRect();
    const scale = t.getScreenCTM()?.a ?? 1;
    pieces.push({ text: t.textContent.trim(), px: parseFloat(getComputedStyle(t).fontSize) * scale, box: [r.left, r.top, r.right, r.bottom], owner: t });
  }
  const round = (n) => Math.round(n * 10) / 10;
  const overlaps = [];
  for (let i = 0; i < pieces.length; i++) {
    for (let j = i + 1; j < pieces.length; j++) {
      const [a, b] = [pieces[i], pieces[j]];
      if (a.owner === b.owner) continue; // the lines of one wrapped text
      const w = Math.min(a.box[2], b.box[2]) - Math.max(a.box[0], b.box[0]);
      const h = Math.min(a.box[3], b.box[3]) - Math.max(a.box[1], b.box[1]);
      if (w > 1 && h > 1) overlaps.push(`"${a.text}" and "${b.text}" (${round(w)} × ${round(h)} px)`);
    }
  }
  const charts = [...main.querySelectorAll('svg.chart-svg')].map((chart) => {
    const axes = new Set([...chart.querySelectorAll('text.tick[data-axis]')].map((t) => t.dataset.axis).filter((a) => a !== 'x'));
    const units = new Set([...chart.querySelectorAll('text.unit')].filter((u) => u.textContent.trim()).map((u) => u.dataset.axis));
    return {
      name: chart.closest('figure')?.querySelector('figcaption')?.textContent ?? '?',
      dates: [...chart.querySelectorAll('text[data-axis="x"]')].map((t) => t.textContent),
      axesWithoutUnit: [...axes].filter((a) => !units.has(a)),
    };
  });
  const sizes = pieces.map((p) => p.px);
  return {
    pieces: pieces.length,
    smallest: Math.min(...sizes),
    largest: Math.max(...sizes),
    tooSmall: pieces.filter((p) => p.px < 11).map((p) => `${p.text} (${round(p.px)} px)`),
    tooLarge: pieces.filter((p) => p.px > 16).map((p) => `${p.text} (${round(p.px)} px)`),
    overlaps,
    charts,
  };
}
