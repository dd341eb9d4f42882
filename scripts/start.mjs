// `npm start`: builds the extension and opens it in a real VS Code with the demo workspace
// (test/e2e/fixtures/workspace: tasks e2e-pass / e2e-fail and an npm test script, which the trackers record).
//
//   - desktop VS Code (`code` on the PATH): extension-development mode, `code --extensionDevelopmentPath=<repo>`;
//   - otherwise code-server, the same pinned build the end-to-end tests use (installed by test/e2e/setup.sh),
//     with the packaged .vsix installed; prints the address and runs until Ctrl+C.
//
//   npm start                  # desktop VS Code when available, else code-server
//   npm start -- --server      # always code-server
//   npm start -- --empty       # start on an empty store instead of the generated demo history
//   HOST=0.0.0.0 PORT=9000 npm start -- --server
//
// The demo records into its own database (.e2e/start/store/skills.db, through SESSION_BUDDY_DB), not into
// your per-user store — unless your user settings set sessionBuddy.databasePath, which takes precedence.
// Every start regenerates that store: 60 days of generated history up to now (`session-buddy seed-demo`),
// so dashboard, trends, anomalies, recommendations and the A/B test have something to show.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ensureDependencies, root, run, runQuietly } from './lib.mjs';

const STATE = path.join(root, '.e2e', 'start');
const DEMO = path.join(root, 'test', 'e2e', 'fixtures', 'workspace');
// Only the loopback addresses themselves: a name like localhost could be mapped elsewhere.
const LOOPBACK = new Set(['127.0.0.1', '::1']);

function parseArgs(argv) {
  const known = new Set(['--server', '--desktop', '--empty']);
  for (const arg of argv) {
    if (!known.has(arg)) {
      console.error(`usage: npm start [-- --server | --desktop] [--empty]   (unknown option ${arg})`);
      process.exit(2);
    }
  }
  return { server: argv.includes('--server'), desktop: argv.includes('--desktop'), empty: argv.includes('--empty') };
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
 * A fresh copy of the demo workspace, so the demo never changes the fixture the tests use. (The database is
 * chosen through SESSION_BUDDY_DB: `sessionBuddy.databasePath` is machine-scoped, so a workspace cannot set it.)
 */
function prepareWorkspace() {
  const workspace = path.join(STATE, 'workspace');
  fs.rmSync(workspace, { recursive: true, force: true });
  fs.cpSync(DEMO, workspace, { recursive: true });
  return workspace;
}

/** A new demo store (every file of the last one goes): the generated history, or nothing with --empty. */
function prepareStore(empty) {
  const dir = path.join(STATE, 'store');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const dbPath = path.join(dir, 'skills.db');
  if (empty) console.log(`Demo store: empty (${dbPath})`);
  else run(process.execPath, [path.join('dist', 'cli.js'), '--db', dbPath, 'seed-demo']);
  return dbPath;
}

function startDesktop(workspace, dbPath) {
  console.log(`\nOpening VS Code (extension development mode) on ${workspace}`);
  console.log(`Demo database: ${dbPath}   (inspect it: node dist/cli.js --db "${dbPath}" metrics)`);
  console.log('Close the window (or press Ctrl+C here) to stop.\n');
  const code = spawn('code', ['--new-window', '--wait', `--extensionDevelopmentPath=${root}`, workspace],
    { cwd: root, stdio: 'inherit', env: { ...process.env, SESSION_BUDDY_DB: dbPath } });
  process.on('SIGINT', () => code.kill('SIGTERM'));
  code.on('error', (err) => {
    console.error(`could not start \`code\` (${err.message}); run \`npm start -- --server\` for code-server instead`);
    process.exit(1);
  });
  code.on('exit', (status) => process.exit(status ?? 0));
}

async function startServer(workspace, dbPath, demoNote) {
  const host = process.env.HOST?.trim() || '127.0.0.1';
  if (!net.isIP(host)) {
    console.error(`HOST must be an IP address such as 127.0.0.1 or 0.0.0.0 (got "${host}")`);
    process.exit(2);
  }
  const requestedPort = process.env.PORT ? parsePort(process.env.PORT) : undefined;
  // Imported only now: it needs the code-server that setup.sh has just installed.
  const { codeServerArgs, freePort, installVsix, QUIET_SETTINGS, stopProcessGroup, VSIX, waitFor } = await import('../test/e2e/harness.mjs');

  let port = requestedPort ?? 8080;
  if (!(await portIsFree(host, port))) {
    if (requestedPort) {
      console.error(`Port ${port} on ${host} is in use; choose another with PORT=<port>.`);
      process.exit(1);
    }
    port = await freePort(host);
  }

  const dirs = Object.fromEntries(['userData', 'extensions', 'xdgConfig', 'xdgData'].map((d) => [d, path.join(STATE, d)]));
  fs.rmSync(dirs.extensions, { recursive: true, force: true });
  for (const dir of Object.values(dirs)) fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(dirs.userData, 'User', 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, 'workbench.colorTheme': 'Default Dark Modern' }, null, 2));

  const loopback = LOOPBACK.has(host);
  const password = loopback ? undefined : crypto.randomBytes(18).toString('base64url');
  const env = { ...process.env, XDG_CONFIG_HOME: dirs.xdgConfig, XDG_DATA_HOME: dirs.xdgData, SESSION_BUDDY_DB: dbPath };
  if (password) env.PASSWORD = password;
  else delete env.PASSWORD;
  installVsix(VSIX, { userData: dirs.userData, extensions: dirs.extensions, env });

  const bindHost = host.includes(':') ? `[${host}]` : host;
  const server = spawn(process.execPath, codeServerArgs({ host: bindHost, port, userData: dirs.userData, extensions: dirs.extensions, workspace, auth: password ? 'password' : 'none' }),
    { cwd: workspace, env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
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
  const url = `${local}/?folder=${encodeURIComponent(workspace)}`;
  console.log('\n────────────────────────────────────────────────────────────────────────');
  console.log(` Session Buddy is running in VS Code (code-server) — open:\n\n   ${url}\n`);
  if (password) {
    console.log(` Listening on ${host} (not loopback), so a password is required: ${password}`);
    if (wildcard) console.log(' (from another machine, use this machine\'s address instead of the one above)');
  } else {
    console.log(` No password (--auth none): the server listens on ${host} only, so only this machine can reach it.`);
    console.log(' Reach it from elsewhere through an SSH tunnel (ssh -L), or set HOST to get a password-protected server.');
  }
  console.log(` Demo database: ${dbPath}${demoNote}`);
  console.log(' Try: Terminal → Run Task… → e2e-pass / e2e-fail, or `npm test` in a terminal; click the status bar item.');
  console.log(' Press Ctrl+C to stop.');
  console.log('────────────────────────────────────────────────────────────────────────\n');
}

const options = parseArgs(process.argv.slice(2));
ensureDependencies();
fs.mkdirSync(STATE, { recursive: true });
const desktop = !options.server && (options.desktop || onPath('code'));
if (desktop) {
  run('npm', ['run', '--silent', 'build']);
} else {
  run('bash', [path.join('test', 'e2e', 'setup.sh'), '--server-only']);
  runQuietly('npm', ['run', '--silent', 'package'], /DONE|WARNING/);
}
const dbPath = prepareStore(options.empty);
const demoNote = options.empty ? ' (empty: --empty)' : ' (generated demo data, regenerated on every npm start; `npm start -- --empty` for none)';
const workspace = prepareWorkspace();
if (desktop) startDesktop(workspace, dbPath);
else await startServer(workspace, dbPath, demoNote);
