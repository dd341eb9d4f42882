/**
 * How a client starts the store host (see hostClient.ts for how it then talks to it): detached,
 * with the client's own runtime, its allocator and heap settings, and its idle time. Kept apart
 * from the client's protocol code so that the CLI's launcher can start a host early
 * (cli/hostPrestart.ts) without loading the rest of the CLI first.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hostPaths, socketAnswers } from './hostPaths';

/** A host left alone this long exits: short enough that an old version does not linger, long enough to serve a working session. */
export const DEFAULT_IDLE_SECONDS = 300;
const MAX_IDLE_SECONDS = 24 * 3600;

export interface HostClientOptions {
  db: string;
  /** The host's entry script (dist/store-host.js beside the bundle). */
  hostScript: string;
  /** The runtime to start it with; default this process's (node, or VS Code's Electron run as node). */
  execPath?: string;
  /** The idle time of a host this client starts. */
  idleSeconds?: number;
  /** A host this client starts refuses a store that needs a repair or an upgrade instead of doing either (store/asFound.ts). */
  asFound?: boolean;
  /** How long to wait for a host to start and answer hello. */
  startTimeoutMs?: number;
}

export function parseIdleSeconds(value: string, name: string): number {
  const seconds = Number(value);
  if (!value.trim() || !Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_IDLE_SECONDS) throw new Error(`${name} must be a number of seconds above 0 and at most ${MAX_IDLE_SECONDS}, not "${value}"`);
  return seconds;
}

export interface StartedHost {
  /** Why the started host can no longer come up (it exited with a failure, or could not be spawned); undefined while it may. */
  failure(): string | undefined;
}

/**
 * glibc's allocator settings for the host, unless the user's environment sets them: a fixed mmap
 * threshold at its default of 128 KiB. Left dynamic, glibc raises it to the size of each large
 * block freed (up to 32 MiB), so the analytics worker's large blocks are later carved from the
 * heap, whose freed middle is never returned: at a million runs the host stayed 60 MiB larger
 * for the rest of its life (331 → 273 MiB steady, measured). Other C libraries ignore them.
 */
const HOST_ALLOCATOR = { MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_TRIM_THRESHOLD_: '131072' };

/**
 * V8's young generation for the host kept at 1 MiB a semi-space (Node's default grows to 16): the
 * host's requests allocate briefly, and what a large young generation holds after them stayed in
 * its resident memory. At a million runs, a window's 2,000 runs with their reads: steady 244-285 →
 * 159 MiB, peak 281-304 → 209 MiB, the reads' p99 unchanged (bench memory --part window).
 */
const HOST_RUNTIME_FLAGS = ['--max-semi-space-size=1'];

/**
 * Starts a host detached from this process (it outlives the command or window that started it),
 * with this process's runtime: ELECTRON_RUN_AS_NODE makes VS Code's Electron run the script as
 * Node, as language servers are started, and is ignored by Node itself. A host that finds another
 * already serving exits 0: only an exit with a failure means none will answer.
 */
export function startHost(options: HostClientOptions): StartedHost {
  if (!fs.existsSync(options.hostScript)) return { failure: () => `the store host script ${options.hostScript} is missing` };
  let failure: string | undefined;
  const folder = path.dirname(path.resolve(options.db));
  const child = spawn(options.execPath ?? process.execPath, [...HOST_RUNTIME_FLAGS, options.hostScript, '--db', path.resolve(options.db), '--idle-seconds', String(options.idleSeconds ?? DEFAULT_IDLE_SECONDS), '--open', options.asFound ? 'as-found' : 'work'], {
    detached: true,
    stdio: 'ignore',
    windowsHide: true,
    // Not the caller's folder: a long-lived process should not keep an unrelated directory busy.
    cwd: fs.existsSync(folder) ? folder : os.homedir(),
    env: { ...HOST_ALLOCATOR, ...process.env, ELECTRON_RUN_AS_NODE: '1' },
  });
  child.once('error', (err) => (failure = `the store host could not be started: ${err.message}`));
  child.once('exit', (code, signal) => {
    if (code !== 0) failure = `the store host stopped at once (${code === null ? `signal ${signal}` : `exit code ${code}`})`;
  });
  child.unref();
  return { failure: () => failure };
}

/**
 * Hosts this process started early (startHostEarly), by store path, until a connection takes its
 * one. Kept in the runtime's global symbol registry: the CLI's launcher (a CommonJS bundle) starts
 * the host and its ES modules connect, each with its own copy of this module.
 */
const EARLY_STARTS = Symbol.for('session-buddy.early-host-starts');
const registry = globalThis as { [EARLY_STARTS]?: Map<string, Promise<StartedHost | undefined>> };
const earlyStarts = (registry[EARLY_STARTS] ??= new Map());

/**
 * Starts the store's host now when none answers, without waiting for it to come up: a command that
 * will ask the host lets it boot while the command's own modules load, instead of after. Resolves
 * once the host is spawned (or found answering); the next connectToHost for that store waits for
 * this host rather than starting another.
 */
export async function startHostEarly(options: HostClientOptions): Promise<void> {
  const db = path.resolve(options.db);
  if (earlyStarts.has(db)) return;
  const started = socketAnswers(hostPaths(db).socket).then((answers) => (answers ? undefined : startHost(options))).catch(() => undefined);
  earlyStarts.set(db, started);
  await started;
}

/** The host startHostEarly started for `db`, once: undefined when it started none (or none is left to take). */
export function takeEarlyStart(db: string): Promise<StartedHost | undefined> {
  const key = path.resolve(db);
  const early = earlyStarts.get(key) ?? Promise.resolve(undefined);
  earlyStarts.delete(key);
  return early;
}
