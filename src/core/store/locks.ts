import fs from 'node:fs';
import lockfile from 'proper-lockfile';
import { processIsAlive } from './eventLog';

/**
 * Cross-process locks (proper-lockfile: an atomic mkdir, refreshed while held, stale once its
 * holder has not refreshed it for `staleMs`). The retry budget is always longer than the stale time,
 * so a lock left by a crashed process is recovered before anyone gives up; a failure names the lock
 * and its holder's pid (kept beside the lock in `<lock>.pid`).
 */
export interface LockOptions {
  /** What the lock protects, for messages ("the snapshot", "the writer slots"). */
  purpose: string;
  staleMs: number;
  /**
   * How long to keep trying. Default twice the stale time, so that a crashed holder's lock is
   * recovered within it; a shorter budget is for work that may as well be skipped (a last snapshot).
   */
  budgetMs?: number;
}

export class LockTimeoutError extends Error {}

/** The lock was taken over while held (its holder stalled past the stale time): stop before writing. */
export class LockCompromisedError extends Error {}

export interface HeldLock {
  /** Throws LockCompromisedError if another process took the lock over meanwhile. */
  check(): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What proper-lockfile reads and writes the lock through. */
type LockFs = typeof fs;

/** The file system one lock is taken with, and the call that tells it the lock was released. */
export interface GuardedLockFs {
  fs: LockFs;
  released(): void;
}

/**
 * proper-lockfile refreshes a held lock on a timer that first stats the lock file; when that stat
 * fails with anything but ENOENT it schedules the next refresh without asking whether the lock was
 * released meanwhile, and throws a TypeError inside the fs callback (its updateLock finds no lock).
 * A lock is taken through this file system, whose stat answers nothing once the lock is released:
 * the refresh it would feed has nothing left to do.
 */
export function guardedLockFs(base: LockFs = fs): GuardedLockFs {
  let released = false;
  const stat = ((file: fs.PathLike, callback: (err: NodeJS.ErrnoException | null, stats: fs.Stats) => void) => {
    base.stat(file, (err, stats) => {
      if (!released) callback(err, stats);
    });
  }) as LockFs['stat'];
  return { fs: { ...base, stat }, released: () => (released = true) };
}

export async function withLock<T>(lockPath: string, options: LockOptions, work: (lock: HeldLock) => Promise<T> | T): Promise<T> {
  const lock = await holdLock(lockPath, options);
  try {
    return await work(lock);
  } finally {
    await lock.release();
  }
}

export interface LongHeldLock extends HeldLock {
  /** Whether another process took the lock over (its holder stalled past the stale time). */
  readonly compromised: boolean;
  release(): Promise<void>;
}

/**
 * Takes the lock (waiting as withLock does) and keeps it, refreshed, until `release`: for a process
 * that must be the only one rewriting the target for as long as it runs.
 */
export async function holdLock(lockPath: string, options: LockOptions): Promise<LongHeldLock> {
  const budgetMs = options.budgetMs ?? options.staleMs * 2;
  const deadline = Date.now() + budgetMs;
  let compromised: Error | undefined;
  let release: (() => Promise<void>) | undefined;
  const guard = guardedLockFs();
  for (let delay = 20; !release; delay = Math.min(delay * 1.5, 250)) {
    try {
      // Named by the lock's own path: proper-lockfile keeps one entry per path it is given, and two
      // locks given the database's path (the store's and the jobs') released each other's refresh.
      release = await lockfile.lock(lockPath, {
        realpath: false,
        fs: guard.fs,
        lockfilePath: lockPath,
        stale: options.staleMs,
        retries: 0,
        onCompromised: (err) => (compromised = err),
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
      const left = deadline - Date.now();
      if (left <= 0) throw new LockTimeoutError(describeHolder(lockPath, options, budgetMs));
      await sleep(Math.min(delay, left));
    }
  }
  writeHolder(lockPath);
  const unlock = release;
  return {
    get compromised() {
      return compromised !== undefined;
    },
    check: () => {
      if (compromised) throw new LockCompromisedError(`the lock ${lockPath} on ${options.purpose} was taken over by another process (${compromised.message}); nothing was written`);
    },
    release: async () => {
      fs.rmSync(`${lockPath}.pid`, { force: true });
      guard.released();
      await unlock().catch(() => undefined);
    },
  };
}

function writeHolder(lockPath: string): void {
  try {
    fs.writeFileSync(`${lockPath}.pid`, String(process.pid), { mode: 0o600 });
  } catch {
    // only used to name the holder in messages
  }
}

function describeHolder(lockPath: string, options: LockOptions, budgetMs: number): string {
  let pid: number | undefined;
  try {
    pid = Number(fs.readFileSync(`${lockPath}.pid`, 'utf8').trim()) || undefined;
  } catch {
    pid = undefined;
  }
  const holder = pid === undefined ? 'by a process that did not say its pid' : processIsAlive(pid) ? `by process ${pid}, which is running` : `by process ${pid}, which is no longer running`;
  return `could not lock ${options.purpose}: ${lockPath} is held ${holder} (waited ${Math.round(budgetMs / 1000)} s; a lock whose holder stopped goes stale after ${Math.round(options.staleMs / 1000)} s)`;
}
