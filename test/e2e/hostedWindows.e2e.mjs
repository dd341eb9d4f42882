// Two workbench windows with sessionBuddy.storeHost.enabled: one store host serves both (neither
// window loads the store, not for its dashboard or the palette's commands either), each window's runs reach the
// other's status bar through the host, a host killed mid-session is replaced by the next refresh with no run
// lost, Delete All Data asked in one window empties both, and the real-time server started from the palette runs
// in the host. The planted truth: the task runs this file starts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { firstMetrics, freePort, startWorkbench, waitFor } from './harness.mjs';

const TEST_TIMEOUT = 120_000;

let wb;
let other;
const ports = {};

before(async () => {
  ports.ws = await freePort();
  do ports.metrics = await freePort(); while (ports.metrics === ports.ws);
  wb = await startWorkbench({
    suite: 'hosted-windows',
    settings: { 'sessionBuddy.storeHost.enabled': true, 'sessionBuddy.realtime.port': ports.ws, 'sessionBuddy.prometheus.port': ports.metrics },
  });
  other = await wb.openAnotherWindow();
}, { timeout: 240_000 });

after(async () => {
  await wb?.close();
});

/** The store host processes of the workbench's store, from their command lines (Linux /proc). */
function hostPids() {
  const pids = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv;
    let stat;
    try {
      argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const zombie = / Z /.test(stat.replace(/^.*\)/, ''));
    if (!zombie && argv.some((a) => a.endsWith('store-host.js')) && argv[argv.indexOf('--db') + 1] === wb.dbPath) pids.push(Number(entry));
  }
  return pids;
}

async function runAndWaitForRecord(window, task, count) {
  await window.runTask(task);
  await wb.waitForRows(`SELECT id FROM skill_invocation WHERE skill_name = 'task-${task}'`, (rows) => rows.length >= count, { timeout: 30_000, what: `run ${count} of ${task} in the store` });
}

test('two windows served by one store host: neither loads the store, and each sees the other\'s runs', { timeout: TEST_TIMEOUT }, async () => {
  // Each window says this once when it opens (its other lines may say "served by the store host" too).
  await waitFor(() => (wb.outputChannelText().match(/This window's data is served by the store host/g) ?? []).length >= 2 || undefined, { what: 'both windows to be served by the store host' });
  assert.doesNotMatch(wb.outputChannelText(), /Store .* opened in \d+ ms/, 'no window opened the store itself');
  assert.equal(hostPids().length, 1, 'one host for both windows');
  await other.waitForStatusText((t) => t === 'No runs today', { what: 'the second window to start with no runs today' });
  await runAndWaitForRecord(wb, 'e2e-pass', 1);
  await other.waitForStatusText((t) => t.startsWith('1 run today'), { what: 'the second window to show the first window\'s run' });
  await runAndWaitForRecord(other, 'e2e-fail', 1);
  await wb.waitForStatusText((t) => t === '2 runs today, 50% completed', { what: 'the first window to show the second window\'s run' });
  const sessions = await wb.sql("SELECT DISTINCT s.session_id, s.source FROM skill_invocation i JOIN skill_sessions s USING (session_id) WHERE i.skill_name LIKE 'task-e2e-%'");
  assert.equal(sessions.length, 2, 'each window records in its own session');
  assert.ok(sessions.every((s) => s.source === 'vscode'));
  await wb.runCommand('Session Buddy: Show Dashboard');
  const dashboard = await wb.webviewFrame('[data-testid="dashboard"]');
  const text = await waitFor(async () => {
    const shown = await dashboard.locator('[data-testid="dashboard"]').innerText();
    return shown.includes('task-e2e-pass') && shown.includes('task-e2e-fail') ? shown : undefined;
  }, { what: 'the dashboard to list both windows\' runs' });
  assert.match(text, /task-e2e-pass/);
  await wb.runCommand('View: Close All Editors');
  assert.doesNotMatch(wb.outputChannelText(), /Store .* opened in \d+ ms/, 'still no window opened the store, not even for the dashboard');
  assert.deepEqual(wb.extensionErrors(), []);
});

test('a host killed mid-session is started again by the next refresh, and no run is lost', { timeout: TEST_TIMEOUT }, async () => {
  const [killed] = hostPids();
  assert.ok(killed, 'a host runs');
  process.kill(killed, 'SIGKILL');
  await waitFor(() => !hostPids().includes(killed) || undefined, { what: 'the killed host to be gone' });
  await runAndWaitForRecord(wb, 'e2e-pass', 2);
  await wb.waitForStatusText((t) => t === '3 runs today, 67% completed', { timeout: 30_000, what: 'the first window to count the run recorded while its host was down' });
  await other.waitForStatusText((t) => t === '3 runs today, 67% completed', { timeout: 30_000, what: 'the second window to hear of it from the new host' });
  const now = hostPids();
  assert.equal(now.length, 1, 'one new host');
  assert.notEqual(now[0], killed);
  assert.doesNotMatch(wb.outputChannelText(), /Store .* opened in \d+ ms/, 'the windows did not fall back to opening the store');
});

test("the palette's commands are run by the host: status, training on too little data, Delete All Data for both windows", { timeout: TEST_TIMEOUT }, async () => {
  await wb.runCommand('Session Buddy: Show Status');
  await waitFor(() => /Status: database .*; 3 invocations in \d+ sessions; .*served by the store host/.test(wb.outputChannelText()) || undefined, { what: 'the status, counted by the host' });
  await wb.runCommand('Session Buddy: Train Success Predictor');
  await wb.page.locator('.notifications-toasts', { hasText: 'not enough data to train the predictor' }).waitFor({ state: 'visible', timeout: 30_000 });

  await wb.runCommand('Session Buddy: Delete All Data');
  const choices = wb.quickInput.locator('.monaco-list-row');
  await choices.nth(1).waitFor({ state: 'visible', timeout: 10_000 });
  await choices.nth(1).click();
  await wb.page.locator('.notifications-toasts', { hasText: 'all data was deleted' }).waitFor({ state: 'visible', timeout: 30_000 });
  const [left] = await wb.sql('SELECT COUNT(*) AS n FROM skill_invocation');
  assert.equal(left.n, 0, 'no run is left');
  await other.waitForStatusText((t) => t === 'No runs today', { timeout: 30_000, what: 'the other window to show no runs' });
  await runAndWaitForRecord(other, 'e2e-pass', 1);
  await wb.waitForStatusText((t) => t === '1 run today, 100% completed', { timeout: 30_000, what: 'a run recorded after the deletion to be counted' });
  assert.doesNotMatch(wb.outputChannelText(), /Store .* opened in \d+ ms/, 'no window opened the store for the commands');
  assert.deepEqual(wb.extensionErrors(), []);
});

test('Start Real-Time Server in a hosted window runs the servers in the store host, which read its store', { timeout: TEST_TIMEOUT }, async () => {
  await wb.runCommand('Session Buddy: Start Real-Time Server');
  await wb.page.locator('.notifications-toasts .notification-toast', { hasText: `ws://127.0.0.1:${ports.ws}` }).waitFor({ state: 'visible', timeout: 20_000 });
  await waitFor(() => wb.outputChannelText().includes(`Real-time server: ws://127.0.0.1:${ports.ws} (hosted by the store host)`) || undefined, { what: 'the log to say the host serves' });
  const token = fs.readFileSync(`${wb.dbPath}.token`, 'utf8').trim();
  const { message: update } = await firstMetrics(new WebSocket(`ws://127.0.0.1:${ports.ws}/?token=${token}`));
  assert.equal(update.data.top_skills.find((s) => s.skill_name === 'task-e2e-pass')?.total_invocations, 1);
  const scrape = await fetch(`http://127.0.0.1:${ports.metrics}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(scrape.status, 200);
  assert.doesNotMatch(wb.outputChannelText(), /Store .* opened in \d+ ms/, 'the window did not open the store for the server');
  assert.deepEqual(wb.extensionErrors(), []);
});
