// Two workbench windows on one store (two extension hosts writing the same log), and the real-time
// server started from the palette, read by real clients: a WebSocket client in both dialects and an
// HTTP scrape of the Prometheus endpoint. The planted truth: the two task runs this file starts.
// Without the store host (sessionBuddy.storeHost.enabled off, as when the host cannot start): each
// window holds the store, one of them runs the background jobs under the lease and one hosts each
// port. The other suites run with the host, the default.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import path from 'node:path';
import { ROOT, firstMetrics, freePort, startWorkbench, waitFor } from './harness.mjs';

const TEST_TIMEOUT = 120_000;
/** The bound: a run recorded in one window shows in the other's status bar within 2 s. */
const OTHER_WINDOW_MS = 2_000;

let wb;
let other;
const ports = {};

before(async () => {
  ports.ws = await freePort();
  do ports.metrics = await freePort(); while (ports.metrics === ports.ws);
  do ports.otlp = await freePort(); while (ports.otlp === ports.ws || ports.otlp === ports.metrics);
  wb = await startWorkbench({
    suite: 'windows',
    settings: {
      'workbench.colorTheme': 'Default Dark Modern',
      'sessionBuddy.realtime.port': ports.ws,
      'sessionBuddy.prometheus.port': ports.metrics,
      'sessionBuddy.agents.enabled': true,
      'sessionBuddy.agents.port': ports.otlp,
      'sessionBuddy.storeHost.enabled': false,
    },
  });
  other = await wb.openAnotherWindow();
}, { timeout: 240_000 });

after(async () => {
  await wb?.close();
});

async function runAndWaitForRecord(window, task) {
  await window.runTask(task);
  await wb.waitForRows(`SELECT id FROM skill_invocation WHERE skill_name = 'task-${task}'`, undefined, { timeout: 30_000, what: `the run of ${task} in the store` });
  return Date.now();
}

test('two windows on one store see each other\'s runs in the status bar within 2 s', { timeout: TEST_TIMEOUT }, async () => {
  await other.waitForStatusText((t) => t === 'No runs today', { what: 'the second window to start with no runs today' });
  const recorded = await runAndWaitForRecord(wb, 'e2e-pass');
  await other.waitForStatusText((t) => t.startsWith('1 run today'), { timeout: OTHER_WINDOW_MS, what: 'the second window to show the first window\'s run' });
  const firstToSecond = Date.now() - recorded;

  const back = await runAndWaitForRecord(other, 'e2e-fail');
  await wb.waitForStatusText((t) => t === '2 runs today, 50% completed', { timeout: OTHER_WINDOW_MS, what: 'the first window to show the second window\'s run' });
  wb.fact('otherWindowMs', { firstToSecond, secondToFirst: Date.now() - back });
  await other.screenshot('second-window', { hover: other.statusItem });
});

test('Start Real-Time Server from the palette serves WebSocket clients in both dialects and Prometheus', { timeout: TEST_TIMEOUT }, async () => {
  await wb.runCommand('Session Buddy: Start Real-Time Server');
  const toast = wb.page.locator('.notifications-toasts .notification-toast', { hasText: `ws://127.0.0.1:${ports.ws}` });
  await toast.waitFor({ state: 'visible', timeout: 20_000 });
  assert.match(await toast.innerText(), new RegExp(`Prometheus: http://127\\.0\\.0\\.1:${ports.metrics}/metrics`));
  const token = fs.readFileSync(`${wb.dbPath}.token`, 'utf8').trim();
  const url = `ws://127.0.0.1:${ports.ws}/`;

  const refused = await firstClose(new WebSocket(`${url}?token=wrong-token-0000000000`));
  assert.equal(refused.code, 4001, 'a wrong token is refused');

  // The Python anchor's dialect (no subprotocol): lifetime counts, completion in percent.
  const anchor = await firstMetrics(new WebSocket(`${url}?token=${token}`));
  assert.equal(anchor.protocol, '');
  const pass = anchor.message.data.top_skills.find((s) => s.skill_name === 'task-e2e-pass');
  const fail = anchor.message.data.top_skills.find((s) => s.skill_name === 'task-e2e-fail');
  assert.deepEqual([pass?.total_invocations, pass?.completion_rate, fail?.total_invocations, fail?.completion_rate], [1, 100, 1, 0]);

  // This project's dialect: the server confirms the subprotocol; rates are 0..1.
  const v1 = await firstMetrics(new WebSocket(url, 'session-buddy.v1', { headers: { Authorization: `Bearer ${token}` } }));
  assert.equal(v1.protocol, 'session-buddy.v1');
  const v1Pass = v1.message.data.top_skills.find((s) => s.skill_name === 'task-e2e-pass');
  assert.deepEqual([v1Pass?.invocation_count, v1Pass?.completion_rate], [1, 1]);

  const scrape = await fetch(`http://127.0.0.1:${ports.metrics}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(scrape.status, 200);
  assert.match(await scrape.text(), /^skill_invocations_total\{skill_name="task-e2e-pass",workflow_phase="unknown",completed="true"\} 1$/m);
  assert.equal((await fetch(`http://127.0.0.1:${ports.metrics}/metrics`)).status, 401, 'the endpoint needs the token too');
  wb.fact('realtime', { ports, anchorTopSkills: anchor.message.data.top_skills.length });
});

test('the other window, asked to serve too, stands by instead of fighting for the port', { timeout: TEST_TIMEOUT }, async () => {
  await other.runCommand('Session Buddy: Start Real-Time Server');
  await other.page.locator('.notifications-toasts', { hasText: `port ${ports.ws} (hosted by another window)` }).waitFor({ state: 'visible', timeout: 20_000 });
});

test('the background analytics run in one window only; the other reads its results', { timeout: TEST_TIMEOUT }, async () => {
  const count = (text, phrase) => text.split(phrase).length - 1;
  await waitFor(() => {
    const text = wb.outputChannelText();
    return count(text, 'This window runs the background analytics') >= 1 && count(text, 'Another window runs the background analytics') >= 1;
  }, { timeout: 60_000, what: 'both windows to settle who runs the background jobs' });
  const text = wb.outputChannelText();
  assert.equal(count(text, 'This window runs the background analytics'), 1, 'exactly one window holds the job lease');
});

test("one window hosts the agents' receiver, and an agent in the other window's terminal reports to it", { timeout: TEST_TIMEOUT }, async () => {
  const count = (phrase) => wb.outputChannelText().split(phrase).length - 1;
  await waitFor(() => count(`Agent telemetry (OTLP/HTTP): http://127.0.0.1:${ports.otlp} (hosted by this window)`) === 1 && count(`Agent telemetry: port ${ports.otlp} is in use by another process`) === 1,
    { timeout: 30_000, what: 'one window to host the OTLP receiver and the other to stand by' });
  // Both windows' terminals: the one that stands by sets them up only once the holder has proved it has the token.
  for (const [window, marker] of [[wb, 'windowonemarker'], [other, 'windowtwomarker']]) {
    await window.newTerminal();
    await window.typeInTerminal(`"${process.execPath}" "${path.join(ROOT, 'test', 'e2e', 'fixtures', 'agent-telemetry.mjs')}" ${marker}`);
    await waitFor(async () => /exported|export failed/.test(await window.terminalText()), { timeout: 30_000, what: `the agent in the terminal of the window of ${marker} to export` });
    assert.match(await window.terminalText(), /exported/);
  }
  await wb.waitForRows("SELECT id FROM skill_invocation WHERE source = 'agent' AND skill_name = 'pytest-run'", (r) => r.length === 6, { timeout: 10_000, what: "both agents' three runs" });
});

test('neither window logged an error', () => {
  assert.deepEqual(wb.extensionErrors().map((r) => r.text), []);
});

function firstClose(socket) {
  return new Promise((resolve, reject) => {
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    socket.once('error', () => undefined);
    setTimeout(() => reject(new Error('the server did not close the connection')), 10_000).unref();
  });
}
