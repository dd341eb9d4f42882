// Agents' own runs in a real workbench: with sessionBuddy.agents.enabled the window hosts the OTLP
// receiver, and an agent started in its integrated terminal (test/e2e/fixtures/agent-telemetry.mjs,
// the OpenTelemetry SDK's own exporter configured by the terminal's environment alone) is recorded as
// the agent's runs of pytest-run, next to the developer's runs of the same skill on the dashboard.
// The planted truth: the agent ran `pytest -q` three times (1 passed, 2 failed); the developer ran
// pytest-run three times through the CLI, all passed. The window is served by the store host (the
// default): the receiver records into the window's own log and the store is never opened in it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, findBytesBesideDatabase, freePort, startWorkbench, waitFor } from './harness.mjs';

const TEST_TIMEOUT = 120_000;
const AGENT = path.join(ROOT, 'test', 'e2e', 'fixtures', 'agent-telemetry.mjs');
const MARKER = 'zq7agentmarker';

let wb;
let port;

before(async () => {
  port = await freePort();
  wb = await startWorkbench({
    suite: 'agents',
    settings: { 'workbench.colorTheme': 'Default Dark Modern', 'sessionBuddy.agents.enabled': true, 'sessionBuddy.agents.port': port },
  });
}, { timeout: 240_000 });

after(async () => {
  await wb?.close();
});

test('the window hosts the OTLP receiver, and an agent started in its terminal is recorded with no set-up', { timeout: TEST_TIMEOUT }, async () => {
  await waitFor(() => wb.outputChannelText().includes(`Agent telemetry (OTLP/HTTP): http://127.0.0.1:${port}`), { timeout: 30_000, what: 'the window to host the OTLP receiver' });
  await wb.newTerminal();
  await wb.typeInTerminal(`"${process.execPath}" "${AGENT}" ${MARKER}`);
  await waitFor(async () => /exported|export failed/.test(await wb.terminalText()), { timeout: 30_000, what: 'the agent to export its telemetry' });
  assert.match(await wb.terminalText(), /exported/, 'the receiver accepted the batch the terminal\'s environment pointed at');
  const rows = await wb.waitForRows("SELECT completed, duration_seconds FROM skill_invocation WHERE skill_name = 'pytest-run' AND source = 'agent' ORDER BY duration_seconds", (r) => r.length >= 3, { timeout: 10_000, what: "the agent's three pytest-run runs" });
  assert.deepEqual(rows.map((r) => [r.completed, r.duration_seconds]), [[1, 1.2], [0, 1.3], [0, 1.4]]);
  const bytes = findBytesBesideDatabase(wb.dbPath, MARKER);
  assert.deepEqual(bytes.hits, [], 'no parameter, path, session id or error text of the agent reaches any file of the store');
});

test("the dashboard shows the agent's and the developer's completion of the same skill side by side", { timeout: TEST_TIMEOUT }, async () => {
  for (let i = 0; i < 3; i++) execFileSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), '--db', wb.dbPath, 'track', '--skill', 'pytest-run', '--duration', '2']);
  await wb.waitForStatusText((t) => t.startsWith('6 runs today'), { timeout: 10_000, what: 'the window to read the developer\'s runs' });
  await wb.runCommand('Session Buddy: Show Dashboard');
  const dashboard = await wb.webviewFrame('[data-testid="dashboard"]');
  const row = dashboard.locator('[data-testid="agent-vs-human-row"]', { hasText: 'pytest-run' });
  await row.waitFor({ state: 'visible', timeout: 20_000 });
  const cells = (await row.locator('th, td').allInnerTexts()).map((t) => t.trim());
  assert.deepEqual(cells, ['pytest-run', '3', '33%', '3', '100%']);
  await row.scrollIntoViewIfNeeded();
  await wb.screenshot('agents-dashboard');
});

test('the window logged no error, and never opened the store', () => {
  assert.deepEqual(wb.extensionErrors().map((r) => r.text), []);
  assert.match(wb.outputChannelText(), /served by the store host/);
  assert.doesNotMatch(wb.outputChannelText(), /Store .* opened in \d+ ms/);
});
