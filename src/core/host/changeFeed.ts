import { removesRuns, type StoreEvent } from '../store/events';
import type { Store } from '../store/storeInterface';

/** What a waiting client is told beside the version: whether anything was recorded, and whether the store holds the demo's history. */
export interface StoreFlags {
  hasRuns: boolean;
  demo: boolean;
}

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
  private flags: StoreFlags | undefined;
  private purged = 0;

  constructor(store: Store) {
    store.onDidChange(() => {
      this.count++;
      this.wake();
    });
    store.onDidApply((events) => {
      const known = this.flags;
      if (known && events.some((e) => mayChange(known, e))) this.flags = undefined;
      if (events.some((e) => e.t === 'purge')) this.purged = store.latestStamp;
    });
  }

  /**
   * The flags, read (`read`) only when an applied event may have changed them: every window's wait
   * is answered after every run, and finding that no session is the demo's scans the sessions (4 ms
   * at a million runs, the larger part of a hosted window's refresh).
   */
  flagsOf(read: () => StoreFlags): StoreFlags {
    this.flags ??= read();
    return this.flags;
  }

  /**
   * The store's clock when this host last applied a purge (0: none since it started). A process
   * recording beside the host finishes a segment it began before that (Delete All Data waits for
   * those), and starts its clock past it.
   */
  get purgedAt(): number {
    return this.purged;
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

/** Runs appear with a run, and the demo with a session; a purge or retention may remove either. */
function mayChange(flags: StoreFlags, event: StoreEvent): boolean {
  if (removesRuns(event) || event.t === 'session_start') return true;
  return event.t === 'invocation' && !flags.hasRuns;
}
