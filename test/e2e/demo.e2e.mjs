// The first run a newcomer sees (`npm start`): the packaged extension on a store seeded by
// `session-buddy seed-demo`, in the dark and the light theme. Checks that every view is populated
// with the planted history (the regression, the anomaly, the A/B test, the demo banner), measures the
// dashboard's contrast in both themes, and publishes the README's screenshots.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, startWorkbench, waitFor } from './harness.mjs';

const TEST_TIMEOUT = 120_000;
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

test('the status bar shows today\'s demo runs and warns of the open anomaly', { timeout: TEST_TIMEOUT }, async () => {
  const text = await wb.waitForStatusText((t) => /^\d+ · \d+%/.test(t), { what: 'the status bar to show runs of today' });
  const [today] = await wb.sql("SELECT COUNT(*) AS n FROM skill_invocation WHERE invoked_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 day')");
  assert.ok(Number(text.split(' ')[0]) > 0 && today.n > 0, `runs today: the bar says "${text}"`);
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
  assert.ok(anomalies.some((a) => a.includes('ruff-check')), `the last hour's failing ruff-check is an open anomaly: ${anomalies.join(' | ')}`);
  await dashboard.locator('[data-testid="trend-skill"]').selectOption('pytest-run');
  await waitFor(async () => /^pytest-run: ↘ declining/.test(await dashboard.locator('[data-testid="trend-words"]').innerText()),
    { timeout: 15_000, what: 'the trend chart to show pytest-run declining' });
  wb.fact('dashboardTrends', await dashboard.locator('[data-testid="trend"]').allInnerTexts());
  await wb.screenshot('dashboard', { publish: true });
  await assertContrast(dashboard, 'dark');
});

test('the dashboard is readable in the light theme too', { timeout: TEST_TIMEOUT }, async () => {
  await wb.runCommand('Preferences: Color Theme');
  await wb.pick('Light Modern');
  await wb.quickInput.waitFor({ state: 'hidden', timeout: 10_000 });
  const dashboard = await wb.webviewFrame('[data-testid="demo-banner"]');
  await waitFor(() => dashboard.evaluate(() => document.body.classList.contains('vscode-light')), { timeout: 15_000, what: 'the webview to switch to the light theme' });
  await wb.screenshot('dashboard-light', { publish: true });
  await assertContrast(dashboard, 'light');
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
    ['text', 'tbody td'], ['text', '.chart-svg .tick'], ['text', '.chart-svg .rate-tick'], ['text', '.legend'],
    ['text', '.trend strong'], ['text', '[data-testid="anomaly"]'],
    ['graphic', '.chart-svg .bar'], ['graphic', '.chart-svg .rate-dot'], ['graphic', '.chart-svg .fit'],
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
