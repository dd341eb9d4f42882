import type { Store } from '../store/storeInterface';

/**
 * Tells clients that the host's store changed (a run recorded by any process, a job's results), so
 * that a window that does not hold the store refreshes its views as one that does: a version that
 * moves with every change, and a wait for the next one. The version names this process, so a client
 * that reconnects to a new host sees a change.
 */
export class ChangeFeed {
  private count = 0;
  private readonly waiters = new Set<() => void>();
  private closed = false;

  constructor(store: Store) {
    store.onDidChange(() => {
      this.count++;
      this.wake();
    });
  }

  get version(): string {
    return `${process.pid}.${this.count}`;
  }

  /** The version once it differs from `since`, or after `waitMs`, or when the client has gone or the host stops. */
  async next(since: string | undefined, waitMs: number, gone: Promise<void>): Promise<string> {
    if (since === this.version && !this.closed) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, waitMs);
        this.waiters.add(done);
        void gone.then(done);
      });
    }
    return this.version;
  }

  /** The host stops: no one waits any longer. */
  close(): void {
    this.closed = true;
    this.wake();
  }

  private wake(): void {
    for (const done of [...this.waiters]) done();
  }
}
