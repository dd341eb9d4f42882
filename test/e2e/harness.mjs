// One real VS Code workbench per suite: code-server (installed by test/e2e/setup.sh) with the packaged
// extension, driven through Debian's chromium by playwright-core. Every suite gets its own throwaway
// user-data, extensions, workspace, HOME and XDG folders and its own database (SESSION_BUDDY_DB in the
// server's environment, inherited by the extension host), so runs never see each other or the user's data.
//
// The selectors below target VS Code 1.100's internal DOM; code-server is pinned (versions.json) for that.
import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const VERSIONS = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'e2e', 'versions.json'), 'utf8'));
export const EXTENSION_ID = 'session-buddy.session-buddy';
export const STATUS_ITEM_ID = `${EXTENSION_ID}.sessionBuddy.status`;
export const RESULTS_DIR = path.join(ROOT, 'test-results', 'e2e');
export const PUBLISHED_SCREENSHOTS = path.join(ROOT, 'media', 'screenshots');
export const DEMO_WORKSPACE = path.join(ROOT, 'test', 'e2e', 'fixtures', 'workspace');
/** The package under test; E2E_VSIX points at another build (e.g. a CI artifact). */
export const VSIX = process.env.E2E_VSIX ? path.resolve(process.env.E2E_VSIX) : path.join(ROOT, 'dist', 'session-buddy.vsix');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/** Where setup.sh put code-server for this Node major (the cache key). */
export function installDir() {
  const major = process.versions.node.split('.')[0];
  return path.join(ROOT, '.e2e', `node${major}-code-server-${VERSIONS.codeServer}`);
}

export function codeServerEntry() {
  const entry = path.join(installDir(), 'cs', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (!fs.existsSync(entry)) throw new Error(`code-server is not installed (${entry}); run: bash test/e2e/setup.sh`);
  return entry;
}

function loadPlaywright() {
  const tools = path.join(installDir(), 'tools', 'package.json');
  if (!fs.existsSync(tools)) throw new Error('playwright-core is not installed; run: bash test/e2e/setup.sh');
  return createRequire(tools)('playwright-core');
}

/** A workbench that asks nothing and shows nothing but what the test opens. For the tests only: `npm start` has its own. */
export const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'chat.commandCenter.enabled': false,
  'git.enabled': false,
  'npm.autoDetect': 'off',
  'task.allowAutomaticTasks': 'off',
  'terminal.integrated.defaultProfile.linux': 'bash',
  'terminal.integrated.shellIntegration.enabled': true,
  'terminal.integrated.shellIntegration.showWelcome': false,
  'terminal.integrated.enablePersistentSessions': false,
  // The DOM renderer keeps the terminal's text readable from the page.
  'terminal.integrated.gpuAcceleration': 'off',
  'terminal.integrated.confirmOnExit': 'never',
  'terminal.integrated.confirmOnKill': 'never',
};

export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    }).on('error', reject);
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a truthy value; the error names what was awaited and the last failure. */
/** The first metrics_update a real-time client receives, with the subprotocol the server confirmed; the socket is then closed. */
export function firstMetrics(socket) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no metrics_update within 10 s')), 10_000);
    socket.once('error', reject);
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw));
      if (message.type !== 'metrics_update') return;
      clearTimeout(timer);
      resolve({ protocol: socket.protocol, message });
      socket.close();
    });
  });
}

export async function waitFor(probe, { timeout = 30_000, interval = 250, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let lastError;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= end) break;
    await sleep(interval);
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`);
}

function listFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true }).map((f) => path.join(dir, String(f))).filter((f) => fs.statSync(f, { throwIfNoEntry: false })?.isFile());
}

/** Log files are "<date> <time> [level] message" records whose continuation lines (stacks) follow them. */
export function parseLogRecords(text) {
  const records = [];
  for (const line of text.split('\n')) {
    const head = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \[(\w+)\]/.exec(line);
    if (head) records.push({ level: head[1], text: line });
    else if (records.length && line) records[records.length - 1].text += `\n${line}`;
  }
  return records;
}

/** Runs `node dist/cli.js --db <db> sql <query>` and returns the rows (the CLI replays the event log). */
export async function sqlRows(db, query) {
  const { stdout } = await execFileAsync(process.execPath, [CLI, '--db', db, 'sql', query], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout);
}

/** Runs `node dist/cli.js --db <db> <args…>` and returns what it printed. */
export async function cliRun(db, args) {
  const { stdout } = await execFileAsync(process.execPath, [CLI, '--db', db, ...args], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

const quoteIdent = (name) => `"${String(name).replaceAll('"', '""')}"`;
const quoteText = (text) => `'${String(text).replaceAll("'", "''")}'`;

/** Every (table, column, row count) where any row's value, read as text, contains `needle` (case-insensitive). */
export async function findTextInDatabase(db, needle) {
  const columns = await sqlRows(db, "SELECT m.name AS tbl, p.name AS col FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY 1, 2");
  if (!columns.length) throw new Error(`the database ${db} has no tables`);
  // One query over the whole schema; identifiers come from sqlite_master and the needle is the test's own constant.
  const probes = columns.map(({ tbl, col }) => `SELECT ${quoteText(tbl)} AS tbl, ${quoteText(col)} AS col, count(*) AS n FROM ${quoteIdent(tbl)} WHERE instr(lower(CAST(${quoteIdent(col)} AS TEXT)), lower(${quoteText(needle)})) > 0`);
  const hits = await sqlRows(db, probes.join(' UNION ALL '));
  return { columnsSearched: columns.length, hits: hits.filter((h) => h.n > 0) };
}

/** Files (database, previous snapshot, event segments, anything else beside it) whose bytes contain `needle`. */
export function findBytesBesideDatabase(db, needle) {
  const dir = path.dirname(db);
  const base = path.basename(db);
  const files = listFiles(dir).filter((f) => path.relative(dir, f).startsWith(base));
  const lower = Buffer.from(needle.toLowerCase());
  const upper = Buffer.from(needle.toUpperCase());
  const exact = Buffer.from(needle);
  const hits = files.filter((f) => {
    let bytes;
    try {
      bytes = fs.readFileSync(f);
    } catch (err) {
      if (err.code === 'ENOENT') return false; // a lock or temporary snapshot that went away meanwhile
      throw err;
    }
    return bytes.includes(exact) || bytes.includes(lower) || bytes.includes(upper);
  });
  return { files, hits };
}

function publishScreenshotsByDefault() {
  if (process.env.E2E_PUBLISH_SCREENSHOTS) return process.env.E2E_PUBLISH_SCREENSHOTS === '1';
  return process.env.CI !== 'true';
}

/**
 * The prefix that chooses a quick access picker ("Select and Start Debugging" opens with "debug "):
 * kept when the filter is set, or the text would search files instead.
 */
const QUICK_ACCESS_PREFIX = /^(>|debug |task |view |term |ext |@:?|#|:|%|\?)/;

class Workbench {
  constructor(fields) {
    Object.assign(this, fields);
    this.consoleErrors = [];
    this.facts = {};
  }

  // ---------------------------------------------------------------- workbench parts
  get statusBar() {
    return this.page.locator('#workbench\\.parts\\.statusbar');
  }

  /** The extension's status bar item (the DOM id is "<extension id>.<item id>"). */
  get statusItem() {
    return this.statusBar.locator(`[id="${STATUS_ITEM_ID}"]`);
  }

  /** The item's visible text: codicons render as icons, so `$(pulse) 3 · 67%` reads `3 · 67%`. */
  async statusText() {
    return (await this.statusItem.innerText({ timeout: 5_000 })).replace(/\s+/g, ' ').trim();
  }

  async waitForStatusText(predicate, { timeout = 15_000, what = 'the status bar text' } = {}) {
    return waitFor(async () => {
      const text = await this.statusText();
      return predicate(text) ? text : undefined;
    }, { timeout, what });
  }

  /**
   * Waits for the item to count the store's runs of the local day (the workbench runs in this
   * process's time zone), with their completion when there are any. Near midnight that count may
   * be 0, so a test that plants runs against the real clock asks the store, not a constant.
   */
  async waitForTodayInStatusBar({ timeout = 15_000 } = {}) {
    let expected = '';
    const text = await waitFor(async () => {
      const midnight = new Date();
      midnight.setHours(0, 0, 0, 0);
      const [{ n }] = await this.sql(`SELECT COUNT(*) AS n FROM skill_invocation WHERE invoked_at >= '${midnight.toISOString()}'`);
      expected = Number(n) === 0 ? 'No runs today' : `${n} run${Number(n) === 1 ? '' : 's'} today, `;
      const shown = await this.statusText();
      return shown.startsWith(expected) && (Number(n) === 0 || /, \d+% completed$/.test(shown)) ? shown : undefined;
    }, { timeout, what: 'the status bar to count the runs of today' }).catch(async (err) => {
      throw new Error(`${err.message}: the store has "${expected}…", the bar reads "${await this.statusText()}"`);
    });
    return text;
  }

  get quickInput() {
    return this.page.locator('.quick-input-widget');
  }

  /**
   * Picks `label` in the open quick pick: puts it in the filter, then clicks the matching row. A quick pick
   * that opens while the previous one closes can miss typed keys, so the filter is set until it holds; one
   * that closes between finding the row and clicking it (focus taken by a view or a terminal) is opened
   * again, instead of waiting on a row that is gone.
   */
  async pick(label, { timeout = 15_000, reopen } = {}) {
    const input = this.quickInput.locator('input');
    const row = this.quickInput.locator('.monaco-list-row', { hasText: label }).first();
    await waitFor(async () => {
      if (!(await input.isVisible())) {
        // A palette that closed as it opened (focus moving to a terminal or a webview) is opened again.
        await reopen?.();
        return false;
      }
      const value = await input.inputValue({ timeout: 1_000 }).catch(() => undefined);
      if (value === undefined) return false;
      if (!value.endsWith(label)) await input.fill(`${QUICK_ACCESS_PREFIX.exec(value)?.[0] ?? ''}${label}`, { timeout: 1_000 }).catch(() => undefined);
      if (!(await row.isVisible())) return false;
      return row.click({ timeout: 2_000 }).then(() => true, (err) => this.#clickLanded(err, label));
    }, { timeout, what: `"${label}" in the quick pick` });
  }

  /**
   * A click can time out after Playwright delivered it (its call log says "performing click action"), on a
   * loaded machine the picked row's work then closes the pick: that pick went through and must not be
   * retried. A click that never got that far delivered nothing.
   */
  async #clickLanded(err, label) {
    if (!/performing click action/.test(String(err?.message))) return false;
    const input = this.quickInput.locator('input');
    if (!(await input.isVisible())) return true;
    const value = await input.inputValue({ timeout: 1_000 }).catch(() => undefined);
    return value !== undefined && !value.endsWith(label);
  }

  /** Runs a command from the palette by its title, e.g. "Tasks: Run Task". */
  async runCommand(title, { timeout = 15_000 } = {}) {
    await this.closeQuickInput();
    await this.page.keyboard.press('F1');
    await this.quickInput.waitFor({ state: 'visible', timeout });
    await this.pick(title, { timeout, reopen: () => this.page.keyboard.press('F1') });
  }

  async closeQuickInput() {
    if (await this.quickInput.isVisible()) {
      await this.page.keyboard.press('Escape');
      await this.quickInput.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => {});
    }
  }

  /** "Tasks: Run Task" → the task's label. */
  async runTask(label) {
    await this.runCommand('Tasks: Run Task');
    await this.pick(label);
    await this.quickInput.waitFor({ state: 'hidden', timeout: 10_000 });
  }

  /** A new integrated terminal (bash with shell integration), ready at its prompt. */
  async newTerminal({ timeout = 30_000 } = {}) {
    await this.runCommand('Terminal: Create New Terminal');
    const terminal = this.page.locator('.terminal-wrapper.active .xterm');
    await terminal.waitFor({ state: 'visible', timeout });
    await waitFor(async () => /[$#] ?$/m.test((await this.terminalText()).trimEnd()), { timeout, what: 'the shell prompt in the new terminal' });
    return terminal;
  }

  async terminalText() {
    return this.page.locator('.terminal-wrapper.active .xterm-rows').innerText({ timeout: 5_000 });
  }

  /** Types one command line into the focused terminal and presses Enter. */
  async typeInTerminal(commandLine) {
    await this.page.locator('.terminal-wrapper.active .xterm').click();
    await this.page.keyboard.type(commandLine, { delay: 10 });
    await this.page.keyboard.press('Enter');
  }

  /** Opens a view container from the activity bar (without toggling it closed when it is already open). */
  async openViewContainer(title, { timeout = 15_000 } = {}) {
    const tab = this.page.locator('.activitybar').getByRole('tab', { name: new RegExp(title) });
    await tab.waitFor({ state: 'visible', timeout });
    if ((await tab.getAttribute('aria-selected')) !== 'true') await tab.click();
  }

  /**
   * The webview frame whose document contains `selector`. Webviews are two nested iframes (VS Code's host
   * frame, then #active-frame with the extension's HTML); several may be open at once, so look for content.
   */
  async webviewFrame(selector, { timeout = 30_000 } = {}) {
    return waitFor(async () => {
      for (const frame of this.page.frames()) {
        if (frame === this.page.mainFrame() || frame.isDetached()) continue;
        if (await frame.locator(selector).count().catch(() => 0)) return frame;
      }
      return undefined;
    }, { timeout, what: `a webview containing ${selector}` });
  }

  // ---------------------------------------------------------------- evidence
  /**
   * Saves a screenshot as a test artifact; with `publish`, also to media/screenshots/ for the README
   * (local runs only, unless E2E_PUBLISH_SCREENSHOTS says otherwise).
   */
  async screenshot(name, { publish = false, hover } = {}) {
    const file = path.join(this.resultsDir, `${name}.png`);
    if (publish) await this.clearNotifications();
    if (hover) {
      await hover.hover();
      await this.page.locator('.workbench-hover, .monaco-hover:not(.hidden)').first().waitFor({ state: 'visible', timeout: 5_000 }).catch(() => {});
    } else {
      // Park the pointer where it shows no tooltip.
      await this.page.mouse.move(800, 300);
    }
    await this.page.screenshot({ path: file });
    if (publish && publishScreenshotsByDefault()) {
      fs.mkdirSync(PUBLISHED_SCREENSHOTS, { recursive: true });
      fs.copyFileSync(file, path.join(PUBLISHED_SCREENSHOTS, `${name}.png`));
    }
    return file;
  }

  /** Dismisses every notification (e.g. a failed task's), so published screenshots show the product. */
  async clearNotifications() {
    await this.runCommand('Notifications: Clear All Notifications').catch(() => {});
    await this.closeQuickInput();
  }

  /** Records a figure for test-results/e2e/summary.json. */
  fact(key, value) {
    this.facts[key] = value;
    fs.writeFileSync(path.join(this.resultsDir, 'facts.json'), JSON.stringify(this.facts, null, 2));
  }

  // ---------------------------------------------------------------- database
  sql(query) {
    return sqlRows(this.dbPath, query);
  }

  async waitForRows(query, predicate = (rows) => rows.length > 0, { timeout = 30_000, what = query } = {}) {
    return waitFor(async () => {
      const rows = await this.sql(query);
      return predicate(rows) ? rows : undefined;
    }, { timeout, interval: 500, what });
  }

  // ---------------------------------------------------------------- logs
  logFiles() {
    return listFiles(path.join(this.dirs.userData, 'logs'));
  }

  /** The extension host's log records (code-server's remote extension host writes remoteexthost.log). */
  extensionHostRecords() {
    return this.logFiles()
      .filter((f) => /^(remote)?exthost\d*\.log$/.test(path.basename(f)))
      .flatMap((f) => parseLogRecords(fs.readFileSync(f, 'utf8')).map((r) => ({ ...r, file: f })));
  }

  /** Error records that name the extension (activation failures, uncaught errors from its code). */
  extensionErrors() {
    return this.extensionHostRecords().filter((r) => r.level === 'error' && r.text.includes(EXTENSION_ID));
  }

  /** The "Session Buddy" output channel as written to disk by the log service. */
  outputChannelText() {
    return this.logFiles()
      .filter((f) => path.basename(f) === 'Session Buddy.log' || f.includes(`${path.sep}${EXTENSION_ID}${path.sep}`))
      .map((f) => fs.readFileSync(f, 'utf8'))
      .join('\n');
  }

  // ---------------------------------------------------------------- windows
  /** Loads the workbench on the test folder in this object's page and waits for the status bar. */
  async showWorkbench() {
    await this.page.goto(`${this.base}/?folder=${encodeURIComponent(this.dirs.workspace)}`);
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await this.statusBar.waitFor({ state: 'visible', timeout: 60_000 });
  }

  /**
   * A second workbench window on the same server and folder: its own extension host, the same store
   * (SESSION_BUDDY_DB is the server's). It shares this window's server: close() of the first ends both.
   */
  async openAnotherWindow() {
    const page = await this.context.newPage();
    const other = Object.assign(Object.create(Workbench.prototype), this, { page, consoleErrors: [] });
    page.on('console', (m) => {
      if (m.type() === 'error') this.consoleErrors.push(`[window 2] ${m.text()} @ ${m.location()?.url ?? ''}`);
    });
    await other.showWorkbench();
    return other;
  }

  // ---------------------------------------------------------------- teardown
  async close({ keep = false } = {}) {
    await this.context?.close().catch(() => {});
    await stopProcessGroup(this.server);
    const logsTarget = path.join(this.resultsDir, 'logs');
    fs.rmSync(logsTarget, { recursive: true, force: true });
    const logsSource = path.join(this.dirs.userData, 'logs');
    if (fs.existsSync(logsSource)) fs.cpSync(logsSource, logsTarget, { recursive: true });
    if (fs.existsSync(this.serverLogFile)) fs.copyFileSync(this.serverLogFile, path.join(this.resultsDir, 'code-server.log'));
    fs.writeFileSync(path.join(this.resultsDir, 'browser-console-errors.txt'), this.consoleErrors.join('\n'));
    this.fact('browserConsoleErrors', this.consoleErrors.length);
    if (keep || process.env.E2E_KEEP === '1') console.log(`# e2e: kept ${this.runDir}`);
    else fs.rmSync(this.runDir, { recursive: true, force: true });
  }
}

/** SIGTERM to the whole process group (server, extension host, pty host, watcher), SIGKILL if it lingers. */
export async function stopProcessGroup(child, { graceMs = 5_000 } = {}) {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = sleep(graceMs).then(() => 'timeout');
  if ((await Promise.race([exited, timer])) === 'timeout') {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * The server runs in its own process group, so an interrupted or crashed test process would leave it behind:
 * kill the group when this process exits or is interrupted, whatever the tests were doing.
 */
function killOnExit(child, runDir) {
  const kill = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already stopped
    }
  };
  process.once('exit', kill);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      kill();
      fs.rmSync(runDir, { recursive: true, force: true });
      process.exit(128 + os.constants.signals[signal]);
    });
  }
  child.once('exit', () => process.removeListener('exit', kill));
}

/** The code-server command line shared by the tests and `npm start`. */
export function codeServerArgs({ host, port, userData, extensions, workspace, auth = 'none' }) {
  return [
    codeServerEntry(),
    '--bind-addr', `${host}:${port}`,
    '--auth', auth,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', '--ignore-last-opened',
    '--user-data-dir', userData, '--extensions-dir', extensions,
    workspace,
  ];
}

/** Chromium at 1280 × 800 on the workbench's page (not yet loaded), with its console errors collected. */
async function openBrowser(workbench) {
  const { chromium } = loadPlaywright();
  workbench.context = await chromium.launchPersistentContext(workbench.dirs.chrome, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const page = workbench.context.pages()[0] ?? await workbench.context.newPage();
  workbench.page = page;
  page.on('console', (m) => {
    if (m.type() === 'error') workbench.consoleErrors.push(`${m.text()} @ ${m.location()?.url ?? ''}`);
  });
}

/**
 * A browser on a workbench something else serves (`npm start`), with the same helpers as startWorkbench's;
 * close() closes the browser and keeps the evidence, the server keeps running. `userData` is the
 * server's, for its logs; `chrome`, the browser's profile folder, is given to attach the same browser
 * again (the workbench keeps its global state, what an extension remembers, in the browser).
 */
export async function attachWorkbench({ suite, base, workspace, userData, dbPath, chrome }) {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), `sb-e2e-${suite}-`));
  const resultsDir = path.join(RESULTS_DIR, suite);
  fs.mkdirSync(resultsDir, { recursive: true });
  const dirs = { userData, workspace, chrome: chrome ?? path.join(runDir, 'chrome') };
  fs.mkdirSync(dirs.chrome, { recursive: true });
  const workbench = new Workbench({ suite, runDir, dirs, dbPath, base, resultsDir, serverLogFile: path.join(runDir, 'no-server.log'), startedAt: Date.now() });
  try {
    await openBrowser(workbench);
    await workbench.showWorkbench();
    return workbench;
  } catch (err) {
    await workbench.close();
    throw err;
  }
}

/** Installs a .vsix into an extensions folder with code-server's own CLI; `force` replaces an installed copy of the same version. */
export function installVsix(vsix, { userData, extensions, env, force = false }) {
  let out;
  try {
    out = execFileSync(process.execPath, [codeServerEntry(), '--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', vsix, ...(force ? ['--force'] : [])], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const firstLine = String(err.stderr || err.message).split('\n').find((l) => l.trim()) ?? '';
    throw new Error(`code-server --install-extension ${vsix} failed: ${firstLine}`, { cause: err });
  }
  if (!/successfully installed/i.test(out)) throw new Error(`installing ${vsix} failed:\n${out}`);
  return out;
}

/**
 * Starts code-server with the extension installed and a copy of `workspace`, opens it in chromium, and
 * resolves once the workbench is on screen. The caller waits for whatever the extension should show.
 */
/** `prepareStore({ dbPath, env })` runs before the workbench starts, e.g. to seed the store it will open. */
export async function startWorkbench({ suite, vsix = VSIX, workspace = DEMO_WORKSPACE, settings = {}, env: extraEnv = {}, prepareStore } = {}) {
  if (!suite) throw new Error('startWorkbench needs a suite name');
  if (!fs.existsSync(vsix)) throw new Error(`${vsix} is missing; run: npm run package`);
  const started = Date.now();
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), `sb-e2e-${suite}-`));
  const dirs = Object.fromEntries(['userData', 'extensions', 'workspace', 'home', 'xdgConfig', 'xdgData', 'xdgCache', 'data', 'chrome']
    .map((d) => [d, path.join(runDir, d)]));
  for (const dir of Object.values(dirs)) fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(workspace, dirs.workspace, { recursive: true });
  // A short prompt keeps the throwaway path out of screenshots.
  fs.writeFileSync(path.join(dirs.home, '.bashrc'), "PS1='\\W\\$ '\n");
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(dirs.userData, 'User', 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...settings }, null, 2));
  const resultsDir = path.join(RESULTS_DIR, suite);
  fs.rmSync(resultsDir, { recursive: true, force: true });
  fs.mkdirSync(resultsDir, { recursive: true });

  const dbPath = path.join(dirs.data, 'skills.db');
  const env = {
    ...process.env,
    HOME: dirs.home,
    SHELL: '/bin/bash',
    XDG_CONFIG_HOME: dirs.xdgConfig,
    XDG_DATA_HOME: dirs.xdgData,
    XDG_CACHE_HOME: dirs.xdgCache,
    SESSION_BUDDY_DB: dbPath,
    npm_config_update_notifier: 'false',
    ...extraEnv,
  };
  delete env.VSCODE_IPC_HOOK_CLI;

  try {
    installVsix(vsix, { userData: dirs.userData, extensions: dirs.extensions, env });
    prepareStore?.({ dbPath, env });
  } catch (err) {
    fs.rmSync(runDir, { recursive: true, force: true });
    throw err;
  }
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const serverLogFile = path.join(runDir, 'code-server.log');
  const serverLog = fs.openSync(serverLogFile, 'w');
  const server = spawn(process.execPath, codeServerArgs({ host: '127.0.0.1', port, userData: dirs.userData, extensions: dirs.extensions, workspace: dirs.workspace }),
    { env, cwd: dirs.workspace, stdio: ['ignore', serverLog, serverLog], detached: true });
  fs.closeSync(serverLog);
  killOnExit(server, runDir);
  const workbench = new Workbench({ suite, runDir, dirs, dbPath, env, base, server, serverLogFile, resultsDir, startedAt: started });
  try {
    await waitFor(async () => (await fetch(`${base}/healthz`)).ok, { timeout: 60_000, what: `code-server on ${base}/healthz` });
    workbench.fact('serverHealthyMs', Date.now() - started);
    await openBrowser(workbench);
    await workbench.showWorkbench();
    workbench.fact('workbenchShownMs', Date.now() - started);
    return workbench;
  } catch (err) {
    await workbench.close({ keep: true });
    throw err;
  }
}
