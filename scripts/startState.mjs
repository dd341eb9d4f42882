// What `npm start` keeps between starts, and the rule for it: nothing a user made is ever deleted or
// overwritten. Everything lives in one state folder outside the clone (so `git` in the demo workspace is
// the workspace's own repository, never Session Buddy's); what is missing is created, what exists is
// kept, and only `--reset-demo` removes anything, saying what.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root } from './lib.mjs';

/** The demo workspace's first contents: the tests' fixture (tasks e2e-pass / e2e-fail, an npm test script, a launch configuration). */
export const DEMO_FIXTURE = path.join(root, 'test', 'e2e', 'fixtures', 'workspace');

/** The sessions `session-buddy seed-demo` writes (src/core/demo/demoHistory.ts, DEMO_SOURCE). */
const DEMO_SOURCE = 'demo';

/**
 * The start script's own folder: SESSION_BUDDY_START_HOME, else the platform's place for an
 * application's state, one folder per clone (two clones never share a workspace or a store).
 */
export function startHome(env = process.env, platform = process.platform, clone = root) {
  if (env.SESSION_BUDDY_START_HOME) return path.resolve(env.SESSION_BUDDY_START_HOME);
  const home = env.HOME || os.homedir();
  const base = platform === 'win32'
    ? env.LOCALAPPDATA || path.join(home, 'AppData', 'Local')
    : platform === 'darwin'
      ? path.join(home, 'Library', 'Application Support')
      : env.XDG_STATE_HOME || path.join(home, '.local', 'state');
  const id = `${path.basename(clone)}-${crypto.createHash('sha256').update(clone).digest('hex').slice(0, 8)}`;
  return path.join(base, 'session-buddy-start', id);
}

/** The folders under the state folder. */
export function statePaths(state) {
  return {
    workspace: path.join(state, 'workspace'),
    demoStore: path.join(state, 'store', 'demo', 'skills.db'),
    emptyStore: path.join(state, 'store', 'empty', 'skills.db'),
    userData: path.join(state, 'user-data'),
    extensions: path.join(state, 'extensions'),
    xdgConfig: path.join(state, 'xdg-config'),
    xdgData: path.join(state, 'xdg-data'),
  };
}

function git(cwd, args) {
  return spawnSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Makes a new demo workspace a git repository of its own with the demo files committed, so `git` in its
 * terminal is about the demo and nothing else ('no-git' when git is not installed).
 */
export function ensureOwnRepository(workspace) {
  const init = git(workspace, ['-c', 'init.defaultBranch=main', 'init', '--quiet']);
  if (init.error || init.status !== 0) return 'no-git';
  git(workspace, ['add', '--all']);
  git(workspace, ['-c', 'user.name=Session Buddy demo', '-c', 'user.email=demo@session-buddy.invalid', 'commit', '--quiet', '--no-gpg-sign', '-m', 'The Session Buddy demo workspace']);
  return 'created';
}

/** Every file and folder under `dir`, relative and sorted. */
function entriesUnder(dir) {
  return fs.readdirSync(dir, { recursive: true }).map(String).sort();
}

/**
 * What `--reset-demo` would lose of the user's: entries the demo did not put there (a new folder named
 * once, as "proj/") and demo files whose content was changed. The demo's own repository is not counted.
 */
export function userChanges(workspace, fixture = DEMO_FIXTURE) {
  if (!fs.existsSync(workspace)) return { added: [], changed: [] };
  const demo = new Set(entriesUnder(fixture));
  const fresh = entriesUnder(workspace).filter((f) => !demo.has(f) && f !== '.git' && !f.startsWith(`.git${path.sep}`));
  const isNew = new Set(fresh);
  const added = fresh
    .filter((f) => !isNew.has(path.dirname(f)))
    .map((f) => (fs.statSync(path.join(workspace, f)).isDirectory() ? `${f}${path.sep}` : f));
  const changed = [...demo].filter((f) => {
    const mine = path.join(workspace, f);
    return fs.existsSync(mine) && fs.statSync(mine).isFile() && !fs.readFileSync(mine).equals(fs.readFileSync(path.join(fixture, f)));
  });
  return { added, changed };
}

function changesInWords({ added, changed }) {
  const parts = [...(added.length ? [`added ${added.join(', ')}`] : []), ...(changed.length ? [`changed ${changed.join(', ')}`] : [])];
  return parts.length ? `, with what you ${parts.join(' and ')}` : ' (nothing of yours in it)';
}

/**
 * The demo workspace: created from the fixture when missing (with its own repository), otherwise kept
 * exactly as it is. With `reset`, first removed, and `say` is told what goes.
 */
export function prepareWorkspace(state, { reset = false, say = console.log, fixture = DEMO_FIXTURE } = {}) {
  const { workspace } = statePaths(state);
  if (reset && fs.existsSync(workspace)) {
    say(`--reset-demo: removing the demo workspace ${workspace}${changesInWords(userChanges(workspace, fixture))}`);
    fs.rmSync(workspace, { recursive: true, force: true });
  }
  if (fs.existsSync(workspace)) return { workspace, created: false, repository: 'kept' };
  fs.mkdirSync(path.dirname(workspace), { recursive: true });
  fs.cpSync(fixture, workspace, { recursive: true });
  return { workspace, created: true, repository: ensureOwnRepository(workspace) };
}

/** Runs of the store's runs that are not the generated demo history: what the user recorded there. */
export function recordedRuns(cli, dbPath) {
  const query = `SELECT COUNT(*) AS n FROM skill_invocation i LEFT JOIN skill_sessions s ON s.session_id = i.session_id WHERE s.source IS NULL OR s.source != '${DEMO_SOURCE}'`;
  const result = spawnSync(process.execPath, [cli, '--db', dbPath, 'sql', query], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`could not read ${dbPath}: ${result.stderr.trim()}`);
  return JSON.parse(result.stdout)[0].n;
}

/** The store file and everything beside it that belongs to it (its log, snapshot copies, token, salt). */
function removeStore(dbPath) {
  const dir = path.dirname(dbPath);
  if (!fs.existsSync(dir)) return;
  for (const name of fs.readdirSync(dir)) {
    if (name.startsWith(path.basename(dbPath))) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}

/**
 * The store a start opens. `--empty`: its own store, created empty once and kept (what you record
 * there stays). The demo: regenerated so its 60 days end now, unless it holds runs you recorded,
 * which are kept. With `reset`, either is removed first, saying so.
 */
export function prepareStore(state, { empty = false, reset = false, cli, seed, say = console.log }) {
  const { demoStore, emptyStore } = statePaths(state);
  const dbPath = empty ? emptyStore : demoStore;
  fs.mkdirSync(path.dirname(dbPath), { recursive: true });
  const exists = fs.existsSync(dbPath) || fs.existsSync(`${dbPath}.events`);
  if (reset && exists) {
    say(`--reset-demo: removing the ${empty ? 'empty-start' : 'demo'} store ${dbPath} and the files beside it`);
    removeStore(dbPath);
  } else if (exists && empty) {
    return { dbPath, note: 'kept from the last `npm start -- --empty`' };
  } else if (exists) {
    const own = recordedRuns(cli, dbPath);
    if (own > 0) return { dbPath, note: `kept: it holds ${own === 1 ? '1 run' : `${own} runs`} you recorded (\`npm start -- --reset-demo\` regenerates it)` };
    removeStore(dbPath);
  }
  if (empty) return { dbPath, note: 'empty, kept across starts (`--reset-demo` empties it)' };
  seed(dbPath);
  return { dbPath, note: 'generated demo data up to now, regenerated on every start while you record nothing in it' };
}

/** Writes the workbench's settings only when there are none: after that they are the user's. */
export function writeSettingsOnce(userData, settings) {
  const file = path.join(userData, 'User', 'settings.json');
  if (fs.existsSync(file)) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`);
  return true;
}
