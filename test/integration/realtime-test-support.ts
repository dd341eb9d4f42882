import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { hostPaths } from '../../src/core/host/hostPaths';

const ROOT = path.join(__dirname, '..', '..');
const DIST_CLI = path.join(ROOT, 'dist', 'cli.js');
const ENTRY = path.join(ROOT, 'src', 'cli', 'main.ts');

let cached: string[] | undefined;

/** How to start the CLI: the built dist/cli.js (npm test builds it first), else the sources through tsx. */
export function cliCommand(): string[] {
  cached ??= fs.existsSync(DIST_CLI) ? [DIST_CLI] : ['--import', 'tsx', ENTRY];
  return cached;
}

/** Runs the CLI to completion. */
export function runCliSync(args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; out: string; err: string } {
  const result = spawnSync(process.execPath, [...cliCommand(), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, SESSION_BUDDY_DB: '', SESSION_BUDDY_USER: 'ci-test-user', ...env },
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

export interface ServeProcess {
  child: ChildProcessWithoutNullStreams;
  /** stdout up to the banner's end. */
  out: string;
  err(): string;
  exit: Promise<number | null>;
}

/** Starts `session-buddy --db <db> serve <args>` and waits for its banner (bounded). */
export async function startServe(db: string, args: string[], env: NodeJS.ProcessEnv, children: ChildProcessWithoutNullStreams[]): Promise<ServeProcess> {
  const child = spawn(process.execPath, [...cliCommand(), '--db', db, 'serve', ...args], { cwd: ROOT, env: { ...process.env, SESSION_BUDDY_DB: '', ...env } });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (err += String(d)));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (!out.includes('Press Ctrl+C to stop.')) {
    if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}: ${err}`);
    if (Date.now() > deadline) throw new Error(`no banner: ${out} ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, out, err: () => err, exit };
}

/** An HTTP GET's status and body. */
export function httpGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += String(c)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** The pid of the store host that last started listening for `db`, from its log. */
export function hostPidOf(db: string): number | undefined {
  const file = hostPaths(db).log;
  const started = fs.existsSync(file) ? /pid (\d+): listening/.exec(fs.readFileSync(file, 'utf8')) : null;
  return started ? Number(started[1]) : undefined;
}

/** Kills the store host of `db` (a test's cleanup), if it still runs. */
export function killHostOf(db: string): void {
  const pid = hostPidOf(db);
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
