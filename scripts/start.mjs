// `npm start`: builds the extension and opens it in a real VS Code on a demo workspace of its own.
//
//   - desktop VS Code (`code` on the PATH): extension-development mode, `code --extensionDevelopmentPath=<repo>`;
//   - otherwise code-server, the same pinned build the end-to-end tests use (installed by test/e2e/setup.sh),
//     with the packaged .vsix installed; prints the address and runs until Ctrl+C.
//
//   npm start                     # desktop VS Code when available, else code-server
//   npm start -- --server         # always code-server
//   npm start -- --empty          # an empty store of its own instead of the generated demo history
//   npm start -- --reset-demo     # recreate the demo workspace and store, saying what is removed
//   HOST=0.0.0.0 PORT=9000 npm start -- --server
//
// Nothing a user made is deleted or overwritten (scripts/startState.mjs): the workspace, the stores and the
// workbench's profile live in a state folder outside the clone (SESSION_BUDDY_START_HOME overrides it), are
// created when missing and kept afterwards. The workspace is a git repository of its own. The demo store is
// regenerated on each start (60 days of history up to now, `session-buddy seed-demo`) only while it holds
// no run you recorded. The database is chosen through SESSION_BUDDY_DB (`sessionBuddy.databasePath` is
// machine-scoped, so a workspace cannot set it); user settings that set sessionBuddy.databasePath win.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ensureDependencies, packageIsStale, root, run, runQuietly } from './lib.mjs';
import { prepareStore, prepareWorkspace, startHome, statePaths, writeSettingsOnce } from './startState.mjs';

// Only the loopback addresses themselves: a name like localhost could be mapped elsewhere.
const LOOPBACK = new Set(['127.0.0.1', '::1']);
const CLI = path.join(root, 'dist', 'cli.js');
const VSIX = path.join(root, 'dist', 'session-buddy.vsix');
/** Where `npm start` kept its state before it moved out of the clone. */
const OLD_STATE = path.join(root, '.e2e', 'start');

/**
 * The workbench of a first start: quiet about updates and telemetry, but nothing that hides Session Buddy
 * (the walkthrough opens; git works in the demo's own repository). The tests' QUIET_SETTINGS stay theirs.
 */
const START_SETTINGS = {
  'workbench.colorTheme': 'Default Dark Modern',
  'workbench.startupEditor': 'none',
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'terminal.integrated.shellIntegration.enabled': true,
};

const USAGE = 'usage: npm start [-- --server | --desktop] [--empty] [--reset-demo]';

function parseArgs(argv) {
  const known = new Set(['--server', '--desktop', '--empty', '--reset-demo']);
  for (const arg of argv) {
    if (!known.has(arg)) {
      console.error(`${USAGE}   (unknown option ${arg})`);
      process.exit(2);
    }
  }
  return { server: argv.includes('--server'), desktop: argv.includes('--desktop'), empty: argv.includes('--empty'), reset: argv.includes('--reset-demo') };
}

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function parsePort(text) {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    console.error(`PORT must be an integer from 1 to 65535 (got "${text}")`);
    process.exit(2);
  }
  return port;
}

function portIsFree(host, port) {
  return new Promise((resolve) => {
    const probe = net.createServer().once('error', () => resolve(false)).listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/**
 * Installs the package only when it is not the one installed last: the workbench takes every install
 * for a new extension and opens its walkthrough again, as if the user had never seen it.
 */
function installOnce(vsix, extensions, install) {
  // Beside the extensions it describes: a removed extensions folder takes the stamp with it.
  const stamp = path.join(extensions, '.session-buddy-installed.sha256');
  const digest = crypto.createHash('sha256').update(fs.readFileSync(vsix)).digest('hex');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === digest) return;
  install();
  fs.writeFileSync(stamp, digest);
}

function seedDemo(dbPath) {
  run(process.execPath, [CLI, '--db', dbPath, 'seed-demo']);
}

/** The lines every start prints under the address: where things are and what to look at first. */
function orientation({ workspace, dbPath, note }) {
  return [
    ` Demo workspace: ${workspace}   (yours: kept across starts, its own git repository)`,
    ` Store: ${dbPath} — ${note}`,
    ' First look: the status bar\'s "Session Buddy" item (bottom left) counts today\'s runs and how many completed; click it for the dashboard.',
    ' Try: Terminal → Run Task… → e2e-pass / e2e-fail, or `npm test` in a terminal.',
  ];
}

function startDesktop(prepared) {
  console.log(`\nOpening VS Code (extension development mode) on ${prepared.workspace}`);
  for (const line of orientation(prepared)) console.log(line);
  console.log(' Close the window (or press Ctrl+C here) to stop.\n');
  const code = spawn('code', ['--new-window', '--wait', `--extensionDevelopmentPath=${root}`, prepared.workspace],
    { cwd: root, stdio: 'inherit', env: { ...process.env, SESSION_BUDDY_DB: prepared.dbPath } });
  process.on('SIGINT', () => code.kill('SIGTERM'));
  code.on('error', (err) => {
    console.error(`could not start \`code\` (${err.message}); run \`npm start -- --server\` for code-server instead`);
    process.exit(1);
  });
  code.on('exit', (status) => process.exit(status ?? 0));
}

async function startServer(state, prepared) {
  const host = process.env.HOST?.trim() || '127.0.0.1';
  if (!net.isIP(host)) {
    console.error(`HOST must be an IP address such as 127.0.0.1 or 0.0.0.0 (got "${host}")`);
    process.exit(2);
  }
  const requestedPort = process.env.PORT ? parsePort(process.env.PORT) : undefined;
  // Imported only now: it needs the code-server that setup.sh has just installed.
  const { codeServerArgs, freePort, installVsix, stopProcessGroup, waitFor } = await import('../test/e2e/harness.mjs');

  let port = requestedPort ?? 8080;
  if (!(await portIsFree(host, port))) {
    if (requestedPort) {
      console.error(`Port ${port} on ${host} is in use; choose another with PORT=<port>.`);
      process.exit(1);
    }
    port = await freePort(host);
  }

  const dirs = statePaths(state);
  for (const dir of [dirs.userData, dirs.extensions, dirs.xdgConfig, dirs.xdgData]) fs.mkdirSync(dir, { recursive: true });
  writeSettingsOnce(dirs.userData, START_SETTINGS);

  const loopback = LOOPBACK.has(host);
  const password = loopback ? undefined : crypto.randomBytes(18).toString('base64url');
  const env = { ...process.env, XDG_CONFIG_HOME: dirs.xdgConfig, XDG_DATA_HOME: dirs.xdgData, SESSION_BUDDY_DB: prepared.dbPath };
  if (password) env.PASSWORD = password;
  else delete env.PASSWORD;
  installOnce(VSIX, dirs.extensions, () => installVsix(VSIX, { userData: dirs.userData, extensions: dirs.extensions, env, force: true }));

  const bindHost = host.includes(':') ? `[${host}]` : host;
  const server = spawn(process.execPath, codeServerArgs({ host: bindHost, port, userData: dirs.userData, extensions: dirs.extensions, workspace: prepared.workspace, auth: password ? 'password' : 'none' }),
    { cwd: prepared.workspace, env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
  let stopping = false;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping code-server (process group ${server.pid})…`);
    await stopProcessGroup(server);
    process.exit(0);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  server.on('exit', (status, signal) => {
    if (stopping) return;
    console.error(`code-server exited (${status ?? signal})`);
    process.exit(status || 1);
  });

  const wildcard = { '0.0.0.0': '127.0.0.1', '[::]': '[::1]' }[bindHost];
  const local = `http://${wildcard ?? bindHost}:${port}`;
  await waitFor(async () => (await fetch(`${local}/healthz`)).ok, { timeout: 60_000, what: `code-server on ${local}` });
  const url = `${local}/?folder=${encodeURIComponent(prepared.workspace)}`;
  console.log('\n────────────────────────────────────────────────────────────────────────');
  console.log(` Session Buddy is running in VS Code (code-server) — open:\n\n   ${url}\n`);
  if (password) {
    console.log(` Listening on ${host} (not loopback), so a password is required: ${password}`);
    if (wildcard) console.log(' (from another machine, use this machine\'s address instead of the one above)');
  } else {
    console.log(` No password (--auth none): the server listens on ${host} only, so only this machine can reach it.`);
    console.log(' Reach it from elsewhere through an SSH tunnel (ssh -L), or set HOST to get a password-protected server.');
  }
  for (const line of orientation(prepared)) console.log(line);
  console.log(' Press Ctrl+C to stop.');
  console.log('────────────────────────────────────────────────────────────────────────\n');
}

const options = parseArgs(process.argv.slice(2));
ensureDependencies();
const state = startHome();
fs.mkdirSync(state, { recursive: true });
const desktop = !options.server && (options.desktop || onPath('code'));
if (desktop) {
  run('npm', ['run', '--silent', 'build']);
} else {
  run('bash', [path.join('test', 'e2e', 'setup.sh'), '--server-only']);
  if (packageIsStale(VSIX)) runQuietly('npm', ['run', '--silent', 'package'], /DONE|WARNING/);
}
console.log(`State of npm start: ${state}`);
if (fs.existsSync(OLD_STATE)) console.log(`(An earlier npm start kept its state in ${OLD_STATE}; it is no longer used and was left as it is.)`);
const { workspace, created, repository } = prepareWorkspace(state, { reset: options.reset });
if (created) console.log(`Demo workspace created: ${workspace}${repository === 'no-git' ? ' (git is not installed, so it is no repository)' : ', a git repository of its own'}`);
const store = prepareStore(state, { empty: options.empty, reset: options.reset, cli: CLI, seed: seedDemo });
const prepared = { workspace, ...store };
if (desktop) startDesktop(prepared);
else await startServer(state, prepared);
