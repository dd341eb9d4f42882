// The packaged extension in a real VS Code workbench (code-server 4.100.3 = VS Code 1.100.3), driven through
// chromium: activation, the task and terminal trackers, privacy of command arguments, the status bar, the
// Recommendations view and the dashboard. One workbench for the whole file; the tests run in order and
// build on each other's recorded runs (the planted truth: the runs this file starts itself).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { cliRun, EXTENSION_ID, findBytesBesideDatabase, findTextInDatabase, startWorkbench, waitFor } from './harness.mjs';

const SECRET = 'ZQXSECRET42';
const SECRET_COMMAND = `npm test -- --grep ${SECRET}`;
const TEST_TIMEOUT = 120_000;

let wb;
let initialStatus;
/** skill name → the outcome this file caused, as { completed, errorType }. */
const planted = new Map();

before(async () => {
  wb = await startWorkbench({ suite: 'extension', settings: { 'workbench.colorTheme': 'Default Dark Modern' } });
}, { timeout: 240_000 });

after(async () => {
  await wb?.close();
});

const invocationsOf = (skill) => wb.sql(`SELECT id, skill_name, completed, error_type FROM skill_invocation WHERE skill_name = '${skill}' ORDER BY id`);

/** Records through the CLI, into the window's store, `next` after `first` six times and then `first` once more: what comes next is known. */
async function plantLoop(first, next) {
  for (let i = 0; i < 6; i++) {
    for (const skill of [first, next]) await cliRun(wb.dbPath, ['track', '--skill', skill]);
  }
  await cliRun(wb.dbPath, ['track', '--skill', first]);
}

/** The invocations of `skill` once there are more than `before` of them (a screenshot named `shot` if none comes). */
function newRunOf(skill, before, shot) {
  return waitFor(async () => {
    const all = await invocationsOf(skill);
    return all.length > before ? all : undefined;
  }, { timeout: 45_000, interval: 500, what: `a new run of ${skill} after clicking Run` }).catch(async (err) => {
    await wb.screenshot(shot);
    throw err;
  });
}

async function waitForInvocation(skill, timeout = 30_000) {
  return waitFor(async () => (await invocationsOf(skill))[0], { timeout, interval: 500, what: `an invocation of ${skill} in ${wb.dbPath}` });
}

test('the extension activates and logs no error in the extension host', { timeout: TEST_TIMEOUT }, async () => {
  await wb.statusItem.waitFor({ state: 'visible', timeout: 90_000 });
  wb.fact('statusItemShownMs', Date.now() - wb.startedAt);
  await waitFor(() => wb.extensionHostRecords().some((r) => r.text.includes(`_doActivateExtension ${EXTENSION_ID}`)),
    { timeout: 15_000, what: `the extension host to log the activation of ${EXTENSION_ID}` });
  const activated = await waitFor(() => /Activated in (\d+(?:\.\d+)?) ?ms/.exec(wb.outputChannelText()),
    { timeout: 20_000, what: '"Activated in <ms> ms" in the Session Buddy output channel' });
  wb.fact('activationMs', Number(activated[1]));
  console.log(`# activation: ${activated[1]} ms (Session Buddy log)`);
  assert.deepEqual(wb.extensionErrors().map((r) => r.text), [], 'no error records naming the extension');
  // VS Code 1.100 has no MCP server list for extensions: the log says so in a user's words.
  const mcpLine = await waitFor(() => wb.outputChannelText().split('\n').find((l) => l.includes('MCP')),
    { timeout: 10_000, what: 'the log line about the MCP server' });
  assert.match(mcpLine, /cannot list Session Buddy among its MCP servers \(that needs VS Code 1\.101 or later\)\. An MCP client can still start it with the command "session-buddy mcp"/);
  assert.doesNotMatch(mcpLine, /proposal|definition|contributes|package\.json/i, 'no editor internals in the log');

  // The item may show a placeholder while the store opens; it must settle on "no runs today".
  // Words a newcomer reads without hovering (it read "0 · –").
  initialStatus = await wb.waitForStatusText((t) => t === 'No runs today', { timeout: 15_000, what: 'the status bar to read "No runs today" (fresh database)' })
    .catch(async (err) => assert.fail(`${err.message}; it reads "${await wb.statusText()}"`));
  wb.fact('initialStatusText', initialStatus);
  await wb.screenshot('01-activated');
});

test("an empty store's dashboard says what will appear and how to get a first run recorded", { timeout: TEST_TIMEOUT }, async () => {
  await wb.runCommand('Session Buddy: Show Dashboard');
  const dashboard = await wb.webviewFrame('[data-testid="dashboard-empty"]');
  const text = await dashboard.locator('[data-testid="dashboard-empty"]').innerText();
  assert.match(text, /Nothing recorded yet/);
  assert.match(text, /busiest skills, runs and completion per day/, 'what will appear');
  assert.match(text, /Run Task…|integrated terminal/, 'how to get a run recorded');
  assert.equal(await dashboard.locator('svg.chart-svg').count(), 0, 'no blank charts');
  await wb.screenshot('dashboard-empty');
  await dashboard.getByRole('button', { name: 'Track a Skill by Hand…' }).click();
  await wb.quickInput.waitFor({ state: 'visible', timeout: 10_000 });
  await wb.closeQuickInput();
  await wb.runCommand('View: Close All Editors');
});

test('a task that exits 0 is recorded as completed and one that exits 1 as failed', { timeout: TEST_TIMEOUT }, async () => {
  await wb.runTask('e2e-pass');
  const pass = await waitForInvocation('task-e2e-pass');
  planted.set('task-e2e-pass', { completed: 1, errorType: null });
  await wb.runTask('e2e-fail');
  const fail = await waitForInvocation('task-e2e-fail');
  planted.set('task-e2e-fail', { completed: 0, errorType: 'exit 1' });

  assert.equal(pass.completed, 1, 'e2e-pass (exit 0) is completed');
  assert.equal(pass.error_type, null);
  assert.equal(fail.completed, 0, 'e2e-fail (exit 1) is failed');
  assert.equal(fail.error_type, 'exit 1');
  assert.equal((await invocationsOf('task-e2e-pass')).length, 1, 'one run, one row');
  assert.equal((await invocationsOf('task-e2e-fail')).length, 1, 'one run, one row');
  await wb.screenshot('02-tasks');
});

test('a terminal command is recorded under its skill name and none of its arguments reach the database', { timeout: TEST_TIMEOUT }, async () => {
  // The truth about this command line's exit status, measured outside the editor (npm appends the
  // arguments to the script, and node refuses --grep, so it fails).
  const outside = spawnSync('bash', ['-c', SECRET_COMMAND], { cwd: wb.dirs.workspace, env: wb.env, stdio: 'ignore' });
  const exitCode = outside.status;
  assert.equal(typeof exitCode, 'number', 'the command line ran outside the editor');

  await wb.newTerminal();
  await wb.typeInTerminal(SECRET_COMMAND);
  await waitFor(async () => (await wb.terminalText()).includes(`--grep ${SECRET}`), { timeout: 10_000, what: 'the command line in the terminal' });
  const row = await waitForInvocation('npm-test');
  planted.set('npm-test', { completed: exitCode === 0 ? 1 : 0, errorType: exitCode === 0 ? null : `exit ${exitCode}` });

  // Every column of every table, read as text. The search must be able to find things: npm-test is there.
  const control = await findTextInDatabase(wb.dbPath, 'npm-test');
  assert.ok(control.hits.some((h) => h.tbl === 'skill_invocation'), 'the search finds the skill name it should find');
  for (const needle of [SECRET, '--grep', wb.dirs.workspace]) {
    const { hits, columnsSearched } = await findTextInDatabase(wb.dbPath, needle);
    assert.deepEqual(hits, [], `"${needle}" appears in no column (${columnsSearched} columns searched)`);
  }

  // The raw bytes of the snapshot and of the event log segments under <db>.events/, which hold every event
  // as JSON lines before any snapshot is written.
  const eventsDir = `${wb.dbPath}.events${path.sep}`;
  const controlBytes = findBytesBesideDatabase(wb.dbPath, 'npm-test');
  assert.ok(controlBytes.hits.some((f) => f.startsWith(eventsDir)), `the byte search finds npm-test in an event segment (searched ${controlBytes.files.length} files)`);
  for (const needle of [SECRET, '--grep', wb.dirs.workspace]) {
    const { hits, files } = findBytesBesideDatabase(wb.dbPath, needle);
    assert.deepEqual(hits, [], `"${needle}" is in none of ${files.length} store files`);
  }
  assert.ok(!wb.outputChannelText().includes(SECRET), 'the Session Buddy log does not echo the arguments either');

  assert.equal(row.completed, planted.get('npm-test').completed, `completed matches the exit status ${exitCode}`);
  assert.equal(row.error_type, planted.get('npm-test').errorType);
  await wb.screenshot('03-terminal');
});

test('the status bar shows the runs of today and their completion rate', { timeout: TEST_TIMEOUT }, async () => {
  assert.equal(planted.size, 3, 'the three runs of the previous tests were recorded');
  const outcomes = [...planted.values()];
  const completed = outcomes.filter((o) => o.completed === 1).length;
  const expected = `${outcomes.length} runs today, ${Math.round((100 * completed) / outcomes.length)}% completed`;
  const text = await wb.waitForStatusText((t) => t === expected, { timeout: 10_000, what: `the status bar to read "${expected}"` }).catch(async (err) => {
    assert.fail(`${err.message}; it reads "${await wb.statusText()}"`);
  });
  assert.notEqual(text, initialStatus);
  wb.fact('statusTextAfterRuns', text);
  await wb.screenshot('status-bar', { hover: wb.statusItem });
});

test('the Recommendations view says what it lists; Run executes an item and records the place chosen and the list shown', { timeout: TEST_TIMEOUT }, async () => {
  await wb.closeQuickInput();
  await wb.openViewContainer('Session Buddy');
  const view = await wb.webviewFrame('[data-testid="recommendations"]');
  const items = view.locator('[data-testid="recommendation"]');
  await items.first().waitFor({ state: 'visible', timeout: 30_000 });
  assert.equal(await view.locator('[data-testid="rec-title"]').innerText(), 'What to run next');
  await view.locator('[data-testid="rec-section-up-next"] h2', { hasText: 'Up next' }).waitFor({ state: 'visible', timeout: 10_000 });
  const shown = await items.evaluateAll((nodes) => nodes.map((n) => ({
    skill: n.querySelector('[data-testid="rec-skill"]')?.textContent?.trim() ?? null,
    section: n.getAttribute('data-section'),
    probability: n.querySelector('[data-testid="rec-probability"]')?.textContent?.trim() ?? null,
    reason: n.querySelector('[data-testid="rec-reason"]')?.textContent?.trim() ?? null,
    run: Boolean(n.querySelector('[data-testid="rec-run"]')),
    how: n.querySelector('[data-testid="rec-how"]')?.textContent?.trim() ?? null,
  })));
  wb.fact('recommendations', shown);
  for (const item of shown) {
    assert.ok(item.skill && item.reason, `every recommendation shows its skill and one reason (${JSON.stringify(item)})`);
    if (item.section !== 'more') assert.match(item.probability ?? '', /^\d{1,3}%$/, `Up next and Discover show one probability (${JSON.stringify(item)})`);
    assert.ok(item.run || item.how, `an item either runs or says how (${JSON.stringify(item)})`);
  }
  assert.equal(shown[0].section, 'up-next');
  await wb.screenshot('recommendations');

  const first = shown.findIndex((item) => item.run);
  const skill = shown[first].skill;
  const [{ last }] = await wb.sql('SELECT coalesce(max(id), 0) AS last FROM skill_invocation');
  await items.nth(first).locator('[data-testid="rec-run"]').click();
  const added = await wb.waitForRows(`SELECT id, skill_name, completed, selection_rank, alternatives_considered FROM skill_invocation WHERE id > ${Number(last)} ORDER BY id`,
    (rows) => rows.some((r) => r.skill_name === skill), { timeout: 45_000, what: `a new invocation of ${skill} after clicking Run` });
  const run = added.find((r) => r.skill_name === skill);
  assert.equal(run.selection_rank, first + 1, 'the place clicked is recorded');
  assert.deepEqual(JSON.parse(run.alternatives_considered), shown.map((item) => item.skill), 'with the list as shown');
  wb.fact('recommendationRun', { skill, added });
});

test('Up next puts a planted loop\'s next step first with its probability and counts; the keyboard dismisses an item', { timeout: TEST_TIMEOUT }, async () => {
  // Recorded by the CLI in its session of the day.
  await plantLoop('e2e-plant-build', 'e2e-plant-deploy');
  await wb.openViewContainer('Session Buddy');
  const view = await wb.webviewFrame('[data-testid="recommendations"]');
  const upNext = view.locator('[data-testid="rec-section-up-next"] [data-testid="recommendation"]');
  await waitFor(async () => (await upNext.first().getAttribute('data-skill')) === 'e2e-plant-deploy',
    { timeout: 30_000, what: 'e2e-plant-deploy first in Up next' }).catch(async (err) => {
    await wb.screenshot('planted-up-next');
    throw new Error(`${err.message}: ${JSON.stringify(await upNext.allInnerTexts())}`);
  });
  const top = upNext.first();
  const probability = Number((await top.locator('[data-testid="rec-probability"]').innerText()).replace('%', ''));
  assert.ok(probability > 50 && probability <= 100, `every time so far: ${probability}%`);
  assert.match(await top.locator('[data-testid="rec-reason"]').innerText(), /e2e-plant-build completed, you ran e2e-plant-deploy next (\d) of \1 times\./, 'every time, as planted (the count is of the context the reason names)');
  assert.match(await top.locator('[data-testid="rec-how"]').innerText(), /knows no command for e2e-plant-deploy/, 'no Run for a skill without a command: the item says how');
  await wb.screenshot('recommendations-planted');

  await top.focus();
  await wb.page.keyboard.press('Delete');
  await waitFor(async () => (await upNext.first().getAttribute('data-skill')) !== 'e2e-plant-deploy', { timeout: 10_000, what: 'the dismissed item to leave the list' });
  assert.equal(await view.locator('[data-skill="e2e-plant-deploy"]').count(), 0);
});

test('Run on a recommended task that failed before runs it again, the task ends, and the run is recorded', { timeout: TEST_TIMEOUT }, async () => {
  await wb.closeQuickInput();
  await wb.openViewContainer('Session Buddy');
  const view = await wb.webviewFrame('[data-testid="recommendations"]');
  const item = view.locator('[data-testid="recommendation"]', { has: view.locator('[data-testid="rec-skill"]', { hasText: /^task-e2e-fail$/ }) });
  await item.waitFor({ state: 'visible', timeout: 30_000 });
  const before = (await invocationsOf('task-e2e-fail')).length;
  await item.locator('[data-testid="rec-run"]').click();
  const rows = await newRunOf('task-e2e-fail', before, 'failed-task-rerun');
  assert.equal(rows.at(-1).completed, 0, 'it failed again (exit 1)');
  assert.equal(rows.at(-1).error_type, 'exit 1');
  wb.fact('failedTaskRerun', rows.at(-1));
  await waitFor(() => /Ran task e2e-fail|Running task-e2e-fail/.test(wb.outputChannelText()), { timeout: 5000, what: 'the log to say the task ran' });
});

test('Run on make starts it in the folder of the only Makefile (the root has none), where it completes', { timeout: TEST_TIMEOUT }, async () => {
  // make follows e2e-plant-tools every time, so make is first in Up next.
  await plantLoop('e2e-plant-tools', 'make');
  await wb.openViewContainer('Session Buddy');
  const view = await wb.webviewFrame('[data-testid="recommendations"]');
  const top = view.locator('[data-testid="rec-section-up-next"] [data-testid="recommendation"]').first();
  await waitFor(async () => (await top.getAttribute('data-skill')) === 'make', { timeout: 30_000, what: 'make first in Up next' });
  const before = (await invocationsOf('make')).length;
  await top.locator('[data-testid="rec-run"]').click();
  const rows = await newRunOf('make', before, 'make-in-subfolder');
  assert.equal(rows.at(-1).completed, 1, `make found tools/Makefile (at the root it exits 2: no makefile): ${JSON.stringify(rows.at(-1))}`);
});

test('Run waits for a shell that is slow to start, then runs the command once, and the run is recorded', { timeout: TEST_TIMEOUT }, async () => {
  // A new terminal's bash now takes 6 s before its first prompt (and its shell integration): longer
  // than the 3 s after which Run used to type the command in blind, before the prompt.
  const bashrc = path.join(wb.dirs.home, '.bashrc');
  const original = fs.readFileSync(bashrc, 'utf8');
  await wb.runCommand('Terminal: Kill All Terminals');
  fs.writeFileSync(bashrc, `sleep 6\n${original}`);
  try {
    await plantLoop('e2e-plant-slow-shell', 'git-status');
    await wb.openViewContainer('Session Buddy');
    const view = await wb.webviewFrame('[data-testid="recommendations"]');
    const top = view.locator('[data-testid="rec-section-up-next"] [data-testid="recommendation"]').first();
    await waitFor(async () => (await top.getAttribute('data-skill')) === 'git-status', { timeout: 30_000, what: 'git-status first in Up next' });
    const before = (await invocationsOf('git-status')).length;
    const clicked = Date.now();
    await top.locator('[data-testid="rec-run"]').click();
    await newRunOf('git-status', before, 'slow-shell-run');
    assert.ok(Date.now() - clicked >= 6000, 'the run came after the shell was up');
    // A command typed before the prompt is run again by the shell once it is up: wait long enough to see a second.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.equal((await invocationsOf('git-status')).length, before + 1, 'recorded once');
    assert.doesNotMatch(wb.outputChannelText(), /has no shell integration/, 'Run waited for the integration instead of typing blind');
  } finally {
    fs.writeFileSync(bashrc, original);
  }
});

test('clicking the status bar item opens the dashboard', { timeout: TEST_TIMEOUT }, async () => {
  await wb.closeQuickInput();
  await wb.statusItem.click();
  await wb.page.locator('.tabs-container .tab', { hasText: 'Session Buddy Dashboard' }).waitFor({ state: 'visible', timeout: 20_000 });
  const dashboard = await wb.webviewFrame('[data-testid="dashboard"]');
  for (const part of ['top-skills', 'chart', 'regressions', 'anomalies', 'trends']) {
    await dashboard.locator(`[data-testid="${part}"]`).first().waitFor({ state: 'attached', timeout: 15_000 });
  }
  // A few runs have no change point (a segment needs 5): the list says so instead of showing an empty table.
  assert.match(await dashboard.locator('[data-testid="regressions"]').innerText(), /None: no skill is slower or failing more often/);
  assert.equal(await dashboard.locator('[data-testid="regression-row"]').count(), 0);
  const rows = dashboard.locator('[data-testid="top-skill-row"]');
  await waitFor(async () => {
    const text = (await rows.allInnerTexts()).join('\n');
    return [...planted.keys()].every((skill) => text.includes(skill));
  }, { timeout: 15_000, what: `top skills to list ${[...planted.keys()].join(', ')}` });
  assert.ok(await dashboard.locator('[data-testid="chart"] svg, [data-testid="chart"] canvas, svg[data-testid="chart"], canvas[data-testid="chart"]').count(),
    'a chart is drawn (SVG or canvas)');
  await wb.screenshot('dashboard');
});

test('a debug session (the demo launch configuration) is recorded with its outcome', { timeout: TEST_TIMEOUT }, async () => {
  await wb.runCommand('Debug: Select and Start Debugging');
  await wb.pick('e2e-exit-3').catch(async (err) => {
    await wb.screenshot('debug-configurations');
    throw err;
  });
  const row = await waitForInvocation('debug-node', 60_000);
  assert.equal(row.completed, 0, 'the program exited with code 3');
  assert.equal(row.error_type, 'exit 3');
  wb.fact('debugRun', row);
});

test('Delete All Data offers one way to keep the data, which Enter takes, and once confirmed no deleted run is shown any more', { timeout: TEST_TIMEOUT }, async () => {
  await wb.closeQuickInput();
  await wb.openViewContainer('Session Buddy');
  const view = await wb.webviewFrame('[data-testid="recommendations"]');
  const items = view.locator('[data-testid="recommendation"]');
  await items.first().waitFor({ state: 'visible', timeout: 30_000 });
  const choices = wb.quickInput.locator('.monaco-list-row');

  await wb.runCommand('Session Buddy: Delete All Data');
  await wb.quickInput.getByText('Delete all Session Buddy data?').waitFor({ state: 'visible', timeout: 10_000 });
  await choices.nth(1).waitFor({ state: 'visible', timeout: 10_000 });
  const labels = await choices.evaluateAll((rows) => rows.map((r) => r.querySelector('.label-name')?.textContent?.trim()));
  assert.deepEqual(labels, ['Keep My Data', 'Delete All Data'], 'one way to keep the data (no Cancel beside Keep My Data), one to delete');
  assert.match(await choices.nth(1).innerText(), /cannot be undone[\s\S]*Every recorded run/, 'the delete choice says that it is final and what it deletes');
  await wb.screenshot('delete-all-data-confirmation');
  await wb.page.keyboard.press('Enter');
  await wb.quickInput.waitFor({ state: 'hidden', timeout: 10_000 });
  const [kept] = await wb.sql('SELECT COUNT(*) AS n FROM skill_invocation');
  assert.ok(kept.n > 0, 'Enter (the first, active choice) keeps the data');

  await wb.runCommand('Session Buddy: Delete All Data');
  await choices.nth(1).waitFor({ state: 'visible', timeout: 10_000 });
  await choices.nth(1).click();
  await wb.page.locator('.notifications-toasts', { hasText: 'all data was deleted' }).waitFor({ state: 'visible', timeout: 30_000 });
  // The view is refreshed before the command reports success: no deleted run is listed after the message.
  assert.equal(await items.count(), 0, `the Recommendations view still lists ${await items.allInnerTexts()}`);
  await view.locator('[data-testid="empty-state"]').waitFor({ state: 'visible', timeout: 5_000 });
  await wb.waitForStatusText((t) => t === 'No runs today', { timeout: 5_000, what: 'the status bar to show no runs' });
  await wb.screenshot('after-delete-all-data');
});

test('the extension logged no error during the whole suite', { timeout: TEST_TIMEOUT }, async () => {
  assert.deepEqual(wb.extensionErrors().map((r) => r.text), []);
});
