// `npm start` as a newcomer meets it (issue 21): the real script, started again and again on one state
// folder (SESSION_BUDDY_START_HOME, a throwaway here), and its workbench in chromium at 1280 × 800. The
// first start opens Session Buddy (its walkthrough, the status bar in one line); the demo workspace lives
// outside the clone, is its terminal's own git repository, and keeps what a user adds there across
// starts; --reset-demo says what it removes; an --empty start is welcomed alike.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { attachWorkbench, freePort, RESULTS_DIR, ROOT, waitFor } from './harness.mjs';

const SUITE = 'start';
const START_TIMEOUT = 300_000;
const TEST_TIMEOUT = 420_000;

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-e2e-start-'));
/** Every start of `npm start -- --server`: a test that fails before stopping its own leaves it to after(). */
const starts = [];
let wb;
/** What the first start printed: its workspace, state folder and store. */
let first;

before(() => fs.rmSync(path.join(RESULTS_DIR, SUITE), { recursive: true, force: true }));

after(async () => {
  for (const browser of browsers) await browser.close().catch(() => {});
  for (const start of starts) await start.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

/**
 * Runs scripts/start.mjs (what `npm start` runs) with its state in `home`, waits for the address it
 * prints, and parses what it says about the workspace and the store.
 */
async function npmStart(home, args = []) {
  const port = await freePort();
  const env = { ...process.env, SESSION_BUDDY_START_HOME: home, HOST: '127.0.0.1', PORT: String(port) };
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.mjs'), '--server', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
  };
  starts.push({ stop });
  // The whole banner: its lines arrive in more than one chunk, and the store's line comes after the address.
  const printed = await waitFor(() => (child.exitCode !== null ? { exited: child.exitCode } : /open:\s+(http:\/\/\S+)[\s\S]*Press Ctrl\+C to stop\./.exec(output)?.[1]),
    { timeout: START_TIMEOUT, interval: 500, what: 'npm start to print its address and the rest of its banner' }).catch((err) => {
    throw new Error(`${err.message}\n${output}`);
  });
  if (typeof printed !== 'string') throw new Error(`npm start exited (${printed.exited}):\n${output}`);
  const url = printed;
  fs.writeFileSync(path.join(RESULTS_DIR, SUITE, `npm-start-${args.join('') || 'demo'}-${Date.now()}.txt`), output);
  const workspace = decodeURIComponent(new URL(url).searchParams.get('folder'));
  const store = /Store: (\S+) — (.*)/.exec(output);
  return { url, base: new URL(url).origin, workspace, dbPath: store?.[1], storeNote: store?.[2], output: () => output, stop };
}

/** Every browser attached: a test that fails before closing its own leaves it to after(). */
const browsers = [];

async function attach(start, home) {
  const attached = await attachWorkbench({ suite: SUITE, base: start.base, workspace: start.workspace, userData: path.join(home, 'user-data'), dbPath: start.dbPath, chrome: path.join(home, 'browser') });
  browsers.push(attached);
  return attached;
}

const walkthrough = () => wb.page.locator('.gettingStartedContainer', { hasText: 'Get started with Session Buddy' });
const statusBarLine = () => wb.page.locator('.notification-toast', { hasText: "its status bar item (bottom left) counts today's runs" });

test('the first npm start opens Session Buddy: its walkthrough and the status bar in one line', { timeout: TEST_TIMEOUT }, async () => {
  fs.mkdirSync(path.join(RESULTS_DIR, SUITE), { recursive: true });
  const home = path.join(scratch, 'state');
  first = { ...(await npmStart(home)), home };
  assert.ok(path.relative(ROOT, first.workspace).startsWith('..'), `the demo workspace ${first.workspace} is outside the clone ${ROOT}`);
  assert.ok(first.workspace.startsWith(home), 'under the start script\'s own state folder');
  assert.match(first.output(), /Demo workspace created: .*, a git repository of its own/);
  assert.match(first.storeNote ?? '', /^generated demo data/);
  wb = await attach(first, home);
  await walkthrough().waitFor({ state: 'visible', timeout: 60_000 });
  await statusBarLine().waitFor({ state: 'visible', timeout: 30_000 });
  await wb.waitForTodayInStatusBar({ timeout: 30_000 });
  await wb.page.locator('.notification-toast .notification-list-item').first().waitFor({ state: 'visible' });
  await wb.screenshot('first-start');
});

test("the demo's open anomaly is said once; Show opens the dashboard at its anomalies", { timeout: TEST_TIMEOUT }, async () => {
  const toast = wb.page.locator('.notification-toast', { hasText: 'ruff-check completes less often than usual' });
  await toast.waitFor({ state: 'visible', timeout: 30_000 });
  await toast.getByRole('button', { name: 'Show', exact: true }).click();
  const dashboard = await wb.webviewFrame('[data-testid="anomalies"]');
  await waitFor(() => dashboard.locator('[data-testid="anomalies"]').evaluate((el) => {
    const box = el.getBoundingClientRect();
    // At the top, or as far as the page scrolls when little follows it.
    return box.top >= -1 && (box.top < window.innerHeight / 2 || Math.ceil(window.scrollY + window.innerHeight) >= document.documentElement.scrollHeight);
  }), { timeout: 10_000, what: 'the dashboard to be scrolled to its anomalies' }).catch(async (err) => {
    await wb.screenshot('first-start-anomaly-not-shown');
    throw err;
  });
  await wb.screenshot('first-start-anomaly-shown');
});

test("the terminal's git is the demo workspace's own repository", { timeout: TEST_TIMEOUT }, async () => {
  // npm start's terminal draws with the GPU renderer (the tests' quiet settings are not a newcomer's), so
  // git's answer is read from a file it writes rather than from the terminal's rows.
  const answer = path.join(scratch, 'git-answer.txt');
  await wb.runCommand('Terminal: Create New Terminal');
  await wb.page.locator('.terminal-wrapper.active .xterm').waitFor({ state: 'visible', timeout: 30_000 });
  const real = fs.realpathSync(first.workspace);
  const said = await waitFor(async () => {
    if (fs.existsSync(answer)) return fs.readFileSync(answer, 'utf8');
    await wb.typeInTerminal(`(git rev-parse --show-toplevel; git log --format=%s) > '${answer}' 2>&1`);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    return fs.existsSync(answer) ? fs.readFileSync(answer, 'utf8') : undefined;
  }, { timeout: 30_000, interval: 500, what: 'git to answer in the new terminal' });
  assert.equal(said.trim().split('\n')[0], real, "git's repository is the demo workspace");
  assert.match(said, /The Session Buddy demo workspace/, 'with its own first commit');
  assert.ok(!said.includes(ROOT), "not Session Buddy's own repository");
  await wb.screenshot('first-start-terminal-git');
});

test('what a user made in the demo workspace survives the next start, which welcomes no one twice', { timeout: TEST_TIMEOUT }, async () => {
  const proj = path.join(first.workspace, 'proj');
  fs.mkdirSync(proj);
  fs.writeFileSync(path.join(proj, 'main.py'), 'print("mine")\n');
  fs.mkdirSync(path.join(proj, '.git'));
  fs.appendFileSync(path.join(first.workspace, 'README.md'), 'my notes\n');
  // The workbench restores the editors left open; with none open, a walkthrough on the next start is the extension's.
  await wb.runCommand('View: Close All Editors');
  await wb.page.locator('.editor-group-container .tab').first().waitFor({ state: 'detached', timeout: 10_000 });
  await wb.close();
  wb = undefined;
  await first.stop();

  const second = await npmStart(first.home);
  assert.equal(second.workspace, first.workspace);
  assert.doesNotMatch(second.output(), /Demo workspace created/);
  assert.equal(fs.readFileSync(path.join(proj, 'main.py'), 'utf8'), 'print("mine")\n');
  assert.ok(fs.existsSync(path.join(proj, '.git')), "the user's own repository is kept");
  assert.match(fs.readFileSync(path.join(first.workspace, 'README.md'), 'utf8'), /my notes\n$/);
  wb = await attach(second, first.home);
  await wb.waitForStatusText((t) => /runs? today/.test(t), { timeout: 60_000, what: 'the status bar item' });
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  assert.equal(await walkthrough().count(), 0, 'the walkthrough opens on the first start only');
  assert.equal(await statusBarLine().count(), 0);
  await wb.close();
  wb = undefined;
  await second.stop();
});

test('--reset-demo recreates the workspace and says what it removes', { timeout: TEST_TIMEOUT }, async () => {
  const reset = await npmStart(first.home, ['--reset-demo']);
  assert.match(reset.output(), new RegExp(`--reset-demo: removing the demo workspace ${first.workspace.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, with what you added proj/ and changed README\\.md`));
  assert.match(reset.output(), /--reset-demo: removing the demo store /);
  assert.ok(!fs.existsSync(path.join(first.workspace, 'proj')));
  assert.match(reset.output(), /Demo workspace created/);
  await reset.stop();
});

test('an --empty start is welcomed alike, and its dashboard says how to record a first run', { timeout: TEST_TIMEOUT }, async () => {
  const home = path.join(scratch, 'empty-state');
  const empty = await npmStart(home, ['--empty']);
  assert.match(empty.dbPath ?? '', /store\/empty\/skills\.db$/);
  assert.match(empty.storeNote ?? '', /^empty, kept across starts/);
  wb = await attach(empty, home);
  await walkthrough().waitFor({ state: 'visible', timeout: 60_000 });
  await statusBarLine().waitFor({ state: 'visible', timeout: 30_000 });
  await wb.waitForStatusText((t) => t === 'No runs today', { timeout: 30_000, what: 'the status bar item' });
  await wb.statusItem.click();
  await wb.webviewFrame('[data-testid="dashboard-empty"]');
  await wb.screenshot('empty-start-dashboard');
  await wb.close();
  wb = undefined;
  await empty.stop();
});
