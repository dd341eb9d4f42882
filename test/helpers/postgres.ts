import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

/**
 * A throw-away PostgreSQL cluster for the integration tests: initdb in a temporary folder, started
 * on a free port of 127.0.0.1 (password logins, SCRAM) with its socket inside that folder, stopped
 * and removed at the end. initdb refuses to run as root, so under root the cluster belongs to the
 * unprivileged user `nobody`. A watchdog shell (as the caller) stops the cluster if the test process
 * dies without cleaning up (SIGKILL, a crash), so nothing is ever left running.
 *
 * One cluster per test file: `startPostgres()` in the file, `stop()` in its `after()`.
 */

const CLUSTER_USER = 'nobody';

/** The newest installed PostgreSQL's bin folder (Debian: /usr/lib/postgresql/<major>/bin), or undefined. */
export function postgresBinDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  let versions: string[];
  try {
    versions = fs.readdirSync(base).filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb')));
  } catch {
    return undefined;
  }
  versions.sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(base, versions[0], 'bin') : undefined;
}

/**
 * `{ skip }` for tests that need a PostgreSQL server, with the reason when none is installed. Never
 * in CI, where scripts/test-packages.sh installs it: there a missing server must fail, not pass quietly.
 */
export function postgresSkip(): { skip: string | false } {
  if (process.env.CI === 'true' || postgresBinDir()) return { skip: false };
  return { skip: 'needs PostgreSQL (apt-get install postgresql; scripts/test-packages.sh installs it)' };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL program as the cluster's owner; throws with its output when it fails. */
function runAsOwner(bin: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  const [command, argv] = asRoot ? ['runuser', ['-u', CLUSTER_USER, '--', bin, ...args]] : [bin, args];
  const result = spawnSync(command, argv, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${path.basename(bin)} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`);
  return result;
}

export interface TestPostgres {
  port: number;
  /** The superuser's name and password (it logs in with a password like everybody else). */
  superuser: string;
  superuserPassword: string;
  /** A URL without a password (the client takes passwords from PGPASSWORD or a pgpass file). */
  url(user: string, database?: string): string;
  /** A connected client; the caller ends it. */
  connect(user: string, password: string, database?: string): Promise<Client>;
  /** Creates a database owned by the superuser. */
  createDatabase(name: string): Promise<void>;
  /** A pgpass file (mode 0600) with these logins, for PGPASSFILE. */
  writePgpass(entries: { user: string; password: string; database?: string }[]): string;
  /** Stops the server (fast shutdown) and keeps the folder: `start()` brings it back on the same port. */
  pause(): void;
  start(): void;
  /** Stops the server and removes the folder. Safe to call twice. */
  stop(): void;
}

const SERVER_SETTINGS = [
  // Durability is not under test here; the tests' speed is.
  ['fsync', 'off'],
  ['synchronous_commit', 'off'],
  ['full_page_writes', 'off'],
  ['max_connections', '60'],
  ['shared_buffers', '64MB'],
];

export async function startPostgres(options: { settings?: [string, string][] } = {}): Promise<TestPostgres> {
  const binDir = postgresBinDir();
  if (!binDir) throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-pg-'));
  const data = path.join(dir, 'data');
  const socketDir = path.join(dir, 'socket');
  fs.mkdirSync(socketDir);
  const superuser = 'postgres';
  const superuserPassword = crypto.randomBytes(12).toString('hex');
  const pwfile = path.join(dir, 'pwfile');
  fs.writeFileSync(pwfile, `${superuserPassword}\n`, { mode: 0o600 });
  if (asRoot) {
    const owner = spawnSync('id', ['-u', CLUSTER_USER], { encoding: 'utf8' });
    const uid = Number(owner.stdout.trim());
    const gid = Number(spawnSync('id', ['-g', CLUSTER_USER], { encoding: 'utf8' }).stdout.trim());
    for (const p of [dir, socketDir, pwfile]) fs.chownSync(p, uid, gid);
  }
  runAsOwner(path.join(binDir, 'initdb'), ['-D', data, '-U', superuser, '--pwfile', pwfile, '--auth-local=scram-sha-256', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-locale', '--no-sync'], dir);
  fs.rmSync(pwfile, { force: true });
  const port = await freePort();
  const settings = [...SERVER_SETTINGS, ...(options.settings ?? []), ['port', String(port)], ['listen_addresses', '127.0.0.1'], ['unix_socket_directories', socketDir]];
  const serverOptions = settings.map(([k, v]) => `-c ${k}=${v}`).join(' ');
  const pgCtl = path.join(binDir, 'pg_ctl');
  const log = path.join(dir, 'server.log');
  let running = false;
  let removed = false;
  const start = () => {
    runAsOwner(pgCtl, ['-D', data, '-l', log, '-o', serverOptions, '-w', '-t', '60', 'start'], dir);
    running = true;
  };
  const pause = () => {
    if (!running) return;
    runAsOwner(pgCtl, ['-D', data, '-m', 'fast', '-w', 'stop'], dir);
    running = false;
  };
  start();
  const watchdog = spawnWatchdog(pgCtl, data, dir);
  const stop = () => {
    if (removed) return;
    removed = true;
    try {
      pause();
    } finally {
      watchdog.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
      process.removeListener('exit', stop);
    }
  };
  process.on('exit', stop);
  const connect = async (user: string, password: string, database = 'postgres') => {
    const client = new Client({ host: '127.0.0.1', port, user, password, database });
    // A paused server ends idle connections; the test sees that on its next query, not as a crash.
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };
  return {
    port,
    superuser,
    superuserPassword,
    url: (user, database = 'postgres') => `postgresql://${encodeURIComponent(user)}@127.0.0.1:${port}/${database}?sslmode=disable`,
    connect,
    async createDatabase(name) {
      const admin = await connect(superuser, superuserPassword);
      try {
        await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
      } finally {
        await admin.end();
      }
    },
    writePgpass(entries) {
      const file = path.join(dir, `pgpass-${crypto.randomBytes(4).toString('hex')}`);
      const escape = (s: string) => s.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
      fs.writeFileSync(file, entries.map((e) => `127.0.0.1:${port}:${escape(e.database ?? '*')}:${escape(e.user)}:${escape(e.password)}\n`).join(''), { mode: 0o600 });
      return file;
    },
    pause,
    start,
    stop,
  };
}

/**
 * Stops the cluster once this process is gone, however it ended: a detached shell polls our pid.
 * It runs as the caller (a root process cannot be polled by `nobody`) and stops the server as its owner.
 */
function spawnWatchdog(pgCtl: string, data: string, dir: string) {
  const stopCommand = asRoot ? `runuser -u ${CLUSTER_USER} -- "${pgCtl}"` : `"${pgCtl}"`;
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ${stopCommand} -D "${data}" -m immediate stop >/dev/null 2>&1; rm -rf "${dir}"`;
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore', cwd: os.tmpdir() });
  child.unref();
  return child;
}
