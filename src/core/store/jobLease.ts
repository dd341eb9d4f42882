import lockfile from 'proper-lockfile';
import { guardedLockFs, type GuardedLockFs } from './locks';

/** A holder that stopped refreshing its lease this long ago has crashed or hangs: another may take it. */
const STALE_MS = 30_000;

/**
 * Which process runs a store's shared background jobs (anomaly detection, retention, due A/B
 * tests, dependencies, baselines, the predictor): the one holding `<db>.jobs.lock`, elected the way
 * the real-time server's host is. Every other window only reads what the holder writes, so N open
 * windows do the work once. The lock is refreshed while held and goes stale when its holder dies.
 */
export class JobLease {
  private release: (() => Promise<void>) | undefined;
  private guard: GuardedLockFs | undefined;
  private acquiring: Promise<boolean> | undefined;

  constructor(private readonly lockPath: string, private readonly staleMs = STALE_MS) {}

  get held(): boolean {
    return this.release !== undefined;
  }

  /** Takes the lease if it is free (or stale); true while this process holds it. Never waits. */
  tryAcquire(): Promise<boolean> {
    if (this.release) return Promise.resolve(true);
    // Jobs that start together ask together: a second lock attempt while the first is under way would
    // find the lock file just made and report this very process as the other holder.
    this.acquiring ??= this.acquire().finally(() => (this.acquiring = undefined));
    return this.acquiring;
  }

  private async acquire(): Promise<boolean> {
    const guard = guardedLockFs();
    try {
      // Named by its own path, not the database's, which the store's lock is also taken on (locks.ts).
      this.release = await lockfile.lock(this.lockPath, {
        realpath: false,
        fs: guard.fs,
        lockfilePath: this.lockPath,
        stale: this.staleMs,
        update: Math.floor(this.staleMs / 3),
        retries: 0,
        // Taken over after a stall: this process is no longer the one that runs the jobs.
        onCompromised: () => (this.release = undefined),
      });
      this.guard = guard;
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ELOCKED') return false;
      throw err;
    }
  }

  async dispose(): Promise<void> {
    const release = this.release;
    this.release = undefined;
    this.guard?.released();
    this.guard = undefined;
    await release?.().catch(() => undefined);
  }
}
