import type { Database } from 'sql.js';
import { compact, damageNotice, describeProblem, hasSchema, loadSnapshot, type SnapshotReport } from './compactor';
import { databaseKind, ForeignDatabaseError } from './databaseKind';
import { checkEvents, type LoggedEvent } from './eventSchema';
import { applyEvents, refreshPendingBuckets, type StoreEvent } from './events';
import { SegmentWriter, type LogProblem } from './eventLog';
import { MigrationManager, NewerDatabaseError } from './migrations';
import { checkStoreLocation, resolveDatabasePath, storePaths, type StorePaths } from './paths';
import { rebuildAfterPurge, replayLog } from './replay';
import { removeStaleTempFiles } from './atomicFile';
import { readState, type LogState } from './storeState';
import { forgetStatements } from './statements';
import { claimWriterSlot, IdGenerator, type WriterSlot } from './writerSlot';

export interface CompactionJob {
  migrationsDir?: string;
  segmentGraceMs?: number;
  lockBudgetMs?: number;
}

/** Rebuilds the snapshot somewhere (in this thread, or in a worker) and reports what it did. */
export type CompactionRunner = (paths: StorePaths, job: CompactionJob) => Promise<SnapshotReport>;

/**
 * 'work' upgrades the schema on disk, repairs a damaged snapshot and accepts writes. The other two
 * never write anything: 'read' upgrades an older schema in memory only, so that queries see the
 * latest tables; 'inspect' shows the file as it is (status, validate, sql).
 */
export type StoreMode = 'work' | 'read' | 'inspect';

/**
 * What a job that computes derived rows needs of a store: to read the replica and to commit events.
 * The analytics worker hands such jobs a read-only replica whose commit collects the events, which
 * the editor's process then commits for real.
 */
export type DerivedRowWriter = Pick<SkillStore, 'db' | 'commit'>;

export interface StoreOptions {
  /** Database file; default: SESSION_BUDDY_DB, then the per-user path (see paths.ts). */
  path?: string;
  migrationsDir?: string;
  mode?: StoreMode;
  /** How often other processes' events are picked up (ms); 0 turns polling off. Default 1000. */
  pollMs?: number;
  /** Quiet time after the last write before the snapshot is rebuilt (ms). Default 5000. */
  compactDelayMs?: number;
  /** Upper bound on how long written events wait for a snapshot while writes keep coming (ms). */
  compactMaxDelayMs?: number;
  compactionRunner?: CompactionRunner;
  /** Problems the user should hear about (a damaged file moved aside, a failed snapshot, a skipped log line). */
  onMessage?: (message: string) => void;
}

interface Pending {
  events: StoreEvent[];
  /** Each event's JSON, made when it was committed; its stamp is added when the group is written. */
  json: string[];
  resolve: () => void;
  reject: (err: Error) => void;
}

const inlineCompaction: CompactionRunner = (paths, job) => compact(paths, { migrate: true, ...job });

/** Other processes read new events every second or so; a purge's snapshot waits until they have. */
export const PURGE_SNAPSHOT_DELAY_MS = 3000;

/** The last snapshot at close is skipped rather than waited for when another process holds the lock. */
const CLOSE_LOCK_BUDGET_MS = 2000;

/**
 * The durable store. The snapshot (a SQLite file) plus an append-only event log beside it are the
 * truth; this object holds an in-memory replica.
 *
 * Writes: `commit` validates the events, then appends them to this process's log segment and
 * resolves once they are on disk (one fdatasync per group: events that arrive while a write is in
 * flight go in the next group, so the wait is at most one write plus one fdatasync, well under
 * 50 ms), then applies them to the replica. Each written event carries a stamp of the store clock,
 * which orders it against every other process's events. The snapshot is rebuilt later, off the
 * caller's path, from disk plus log.
 *
 * Reads: the replica, which also applies other processes' events within `pollMs`.
 */
export class SkillStore {
  private queue: Pending[] = [];
  private flushing = false;
  private writer: SegmentWriter | undefined;
  private writerReady: Promise<void> | undefined;
  private slotReady: Promise<void> | undefined;
  private slot: WriterSlot | undefined;
  private ids: IdGenerator | undefined;
  private readonly state: LogState;
  private latestStamp = 0;
  private pollTimer: NodeJS.Timeout | undefined;
  private compactTimer: NodeJS.Timeout | undefined;
  private firstUnsnapshottedAt = 0;
  /** After a purge the next snapshot removes every finished segment at once (no grace time). */
  private purgeSnapshotDue = false;
  private compacting: Promise<SnapshotReport | undefined> | undefined;
  private listeners = new Set<() => void>();
  private applyListeners = new Set<(events: readonly StoreEvent[]) => void>();
  private closed = false;
  /** Hourly buckets this replica has yet to recompute: done once, when the data is next read. */
  private readonly pendingBuckets = new Set<string>();
  readonly openedInMs: number;

  private constructor(
    private readonly database: Database,
    readonly paths: StorePaths,
    readonly report: { messages: string[]; backup?: string; migrated: string[]; movedAside?: string },
    private readonly options: StoreOptions,
    /** Why this store accepts no writes, when it does not. */
    readonly readOnlyReason: string | undefined,
    started: number,
  ) {
    this.state = readState(database);
    this.latestStamp = this.state.purgeHorizon;
    this.openedInMs = performance.now() - started;
  }

  /** The replica, with every derived row up to date. */
  get db(): Database {
    if (this.pendingBuckets.size > 0 && !this.closed) refreshPendingBuckets(this.database, this.pendingBuckets);
    return this.database;
  }

  static async open(options: StoreOptions = {}): Promise<SkillStore> {
    const started = performance.now();
    const mode = options.mode ?? 'work';
    const paths = storePaths(resolveDatabasePath(options.path));
    checkStoreLocation(paths, { requireFolder: mode === 'work' && (options.path !== undefined || process.env.SESSION_BUDDY_DB !== undefined) });
    const report: SkillStore['report'] = { messages: [], migrated: [] };
    let { db, damaged } = await loadSnapshot(paths, report.messages);
    let readOnlyReason: string | undefined;
    try {
      const kind = databaseKind(db);
      if (kind.kind === 'foreign') {
        const refusal = new ForeignDatabaseError(paths.db, kind.tables);
        if (mode !== 'inspect') throw refusal;
        report.messages.push(refusal.message);
      }
      const manager = new MigrationManager(db, options.migrationsDir);
      const newer = manager.newerVersion();
      if (newer) {
        readOnlyReason = new NewerDatabaseError(paths.db, newer, manager.latestKnown()).message;
        report.messages.push(readOnlyReason);
      } else if (mode !== 'work') {
        readOnlyReason = `the store was opened ${mode === 'read' ? 'for reading' : 'for inspection'} only; it does not accept writes`;
        if (damaged) report.messages.push(damageNotice(paths, damaged));
        if (mode === 'read' && manager.pendingCount() > 0) manager.migrate();
      } else if (damaged || manager.pendingCount() > 0) {
        db.close();
        await upgrade(paths, options, report);
        ({ db, damaged } = await loadSnapshot(paths, report.messages));
      }
    } catch (err) {
      db.close();
      throw err;
    }
    if (!readOnlyReason) removeStaleTempFiles(paths.db);
    const store = new SkillStore(db, paths, report, options, readOnlyReason, started);
    if (hasSchema(db)) store.pullEvents();
    for (const message of report.messages) options.onMessage?.(message);
    const pollMs = options.pollMs ?? 1000;
    if (pollMs > 0) {
      store.pollTimer = setInterval(() => store.safePull(), pollMs);
      store.pollTimer.unref();
    }
    return store;
  }

  get mode(): StoreMode {
    return this.options.mode ?? 'work';
  }

  /** Listens for data changes (own writes and other processes' events). */
  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /**
   * Listens for the events that changed this replica (own writes and other processes'), after they
   * are applied: for consumers that keep running totals instead of re-reading the tables.
   */
  onDidApply(listener: (events: readonly StoreEvent[]) => void): { dispose(): void } {
    this.applyListeners.add(listener);
    return { dispose: () => this.applyListeners.delete(listener) };
  }

  /** A new invocation id, unique across every process writing to this store. */
  async nextId(): Promise<number> {
    this.refuseWrites();
    await this.ensureWriter();
    return this.ids!.next();
  }

  /**
   * Validates the events (an invalid one rejects the whole commit, and nothing is written), appends
   * them durably, then applies them; resolves once they are on disk and visible. A write error
   * (a full disk) rejects with the disk's error and touches nothing already confirmed.
   */
  async commit(events: StoreEvent[]): Promise<void> {
    this.refuseWrites();
    checkEvents(events);
    const json = events.map((e) => JSON.stringify(e));
    const done = new Promise<void>((resolve, reject) => this.queue.push({ events, json, resolve, reject }));
    if (!this.flushing) void this.flush();
    return done;
  }

  /** Picks up other processes' events now; returns how many were applied. */
  pullEvents(): number {
    const result = replayLog(this.database, this.paths.eventsDir, this.state, {
      own: this.writer?.name,
      pendingBuckets: this.pendingBuckets,
      onApplied: (events) => this.emitApplied(events),
      onProblem: (problem) => this.reportProblem(problem),
    });
    this.observe(result.maxStamp);
    if (result.purged) this.rotateSegment();
    if (result.replayed > 0) this.emitChange();
    return result.replayed;
  }

  /** Rebuilds the snapshot now (waits for queued writes first). */
  async snapshotNow(options: { segmentGraceMs?: number } = {}): Promise<SnapshotReport | undefined> {
    await this.drain();
    return this.runCompaction(false, options);
  }

  /**
   * Flushes queued events, ends this writer's segment, rebuilds the snapshot when this process
   * wrote something since the last one, and frees the database.
   */
  async close(options: { snapshot?: boolean } = {}): Promise<SnapshotReport | undefined> {
    if (this.closed) return undefined;
    await this.drain();
    this.closed = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.compactTimer);
    await this.compacting;
    const wrote = this.firstUnsnapshottedAt > 0;
    this.writer?.close();
    this.slot?.release();
    let report: SnapshotReport | undefined;
    if (wrote && options.snapshot !== false) report = await this.runCompaction(true, { lockBudgetMs: CLOSE_LOCK_BUDGET_MS });
    forgetStatements(this.database);
    this.database.close();
    return report;
  }

  private refuseWrites(): void {
    if (this.closed) throw new Error('the store is closed');
    if (this.readOnlyReason) throw new Error(this.readOnlyReason);
  }

  private async ensureWriter(): Promise<void> {
    this.slotReady ??= claimWriterSlot(this.paths.slotsDir).then((slot) => {
      this.slot = slot;
      this.ids = new IdGenerator(slot.slot);
      this.ids.observe(this.latestStamp);
    });
    await this.slotReady;
    this.writerReady ??= SegmentWriter.create(this.paths.eventsDir, this.slot!.slot).then(
      (writer) => {
        this.writer = writer;
      },
      (err: Error) => {
        this.writerReady = undefined;
        throw err;
      },
    );
    return this.writerReady;
  }

  /** Moves this process's clock past a stamp read from the log. */
  private observe(stamp: number): void {
    if (stamp <= this.latestStamp) return;
    this.latestStamp = stamp;
    this.ids?.observe(stamp);
  }

  /**
   * Ends this process's segment so that it can be removed: after "delete all data" (the old one
   * holds the deleted events), or after a failed write (it takes no more lines).
   */
  private rotateSegment(afterPurge = true): void {
    if (!this.writer) return;
    this.writer.close();
    this.writer = undefined;
    this.writerReady = undefined;
    if (!afterPurge) return;
    this.purgeSnapshotDue = true;
    clearTimeout(this.compactTimer);
    this.compactTimer = setTimeout(() => void this.runCompaction(), PURGE_SNAPSHOT_DELAY_MS);
    this.compactTimer.unref();
  }

  private async drain(): Promise<void> {
    while (this.flushing || this.queue.length > 0) {
      if (!this.flushing) await this.flush();
      else await new Promise((r) => setImmediate(r));
    }
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        let stamps: number[];
        try {
          await this.ensureWriter();
          stamps = [];
          let lines = '';
          for (const pending of batch) {
            for (const json of pending.json) {
              const stamp = this.ids!.next();
              stamps.push(stamp);
              lines += `{"s":${stamp},${json.slice(1)}\n`;
            }
          }
          await this.writer!.append(lines);
        } catch (err) {
          if (this.writer?.retired) this.rotateSegment(false);
          for (const p of batch) p.reject(err as Error);
          continue;
        }
        this.state.offsets.set(this.writer!.name, this.writer!.size);
        this.latestStamp = Math.max(this.latestStamp, stamps.at(-1) ?? 0);
        this.applyOwn(batch.flatMap((p) => p.events), stamps);
        for (const p of batch) p.resolve();
        this.afterWrite();
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Applies this process's own events, just written; a purge among them empties the replica as of its stamp. */
  private applyOwn(events: StoreEvent[], stamps: number[]): void {
    const purgeAt = events.map((e) => e.t).lastIndexOf('purge');
    try {
      if (purgeAt >= 0) {
        const purge = { ...events[purgeAt], s: stamps[purgeAt] } as LoggedEvent;
        rebuildAfterPurge(this.database, this.paths.eventsDir, this.state, purge, {
          pendingBuckets: this.pendingBuckets,
          onApplied: (changed) => this.emitApplied(changed),
          onProblem: (problem) => this.reportProblem(problem),
        });
        this.rotateSegment();
        return;
      }
      // With their stamps, as every other replica applies them (an invocation keeps its write stamp).
      const stamped = events.map((event, i): LoggedEvent => ({ ...event, s: stamps[i] }));
      const { changed, failures } = applyEvents(this.database, stamped, { pendingBuckets: this.pendingBuckets });
      this.emitApplied(changed);
      for (const failure of failures) this.options.onMessage?.(`A recorded ${events[failure.index].t} event could not be applied in memory: ${failure.error}`);
    } catch (err) {
      // The events are durable; the replica could not apply them. Report, do not lose them.
      this.options.onMessage?.(`Recorded events could not be applied in memory: ${(err as Error).message}`);
    }
  }

  private afterWrite(): void {
    this.emitChange();
    const now = Date.now();
    if (this.firstUnsnapshottedAt === 0) this.firstUnsnapshottedAt = now;
    const delay = this.options.compactDelayMs ?? 5000;
    const maxDelay = this.options.compactMaxDelayMs ?? 30_000;
    const due = Math.min(now + delay, this.firstUnsnapshottedAt + maxDelay);
    clearTimeout(this.compactTimer);
    this.compactTimer = setTimeout(() => void this.runCompaction(), Math.max(0, due - now));
    this.compactTimer.unref();
  }

  private async runCompaction(final = false, job: Omit<CompactionJob, 'migrationsDir'> = {}): Promise<SnapshotReport | undefined> {
    if (this.compacting) await this.compacting;
    if (this.closed && !final) return undefined;
    const runner = this.options.compactionRunner ?? inlineCompaction;
    const startedAt = Date.now();
    if (this.purgeSnapshotDue) job = { ...job, segmentGraceMs: 0 };
    this.purgeSnapshotDue = false;
    this.compacting = runner(this.paths, { migrationsDir: this.options.migrationsDir, ...job })
      .then((report) => {
        if (this.firstUnsnapshottedAt <= startedAt) this.firstUnsnapshottedAt = 0;
        for (const message of report.messages) this.options.onMessage?.(message);
        return report;
      })
      .catch((err: Error) => {
        if (!final) this.options.onMessage?.(`Could not write the snapshot ${this.paths.db}: ${err.message}. Events stay safe in ${this.paths.eventsDir}.`);
        return undefined;
      })
      .finally(() => {
        this.compacting = undefined;
      });
    return this.compacting;
  }

  private safePull(): void {
    try {
      this.pullEvents();
    } catch (err) {
      this.options.onMessage?.(`Could not read events from ${this.paths.eventsDir}: ${(err as Error).message}`);
    }
  }

  private reportProblem(problem: LogProblem): void {
    const text = describeProblem(problem);
    if (text) this.options.onMessage?.(text);
  }

  private emitApplied(events: readonly StoreEvent[]): void {
    if (events.length === 0) return;
    for (const listener of this.applyListeners) {
      try {
        listener(events);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  private emitChange(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        // a listener's failure is its own
      }
    }
  }
}

/**
 * Opening for work upgrades an older (or new) database to the latest schema and repairs a damaged
 * one, after a backup, under the snapshot lock, so that every process sees the same schema.
 */
async function upgrade(paths: StorePaths, options: StoreOptions, report: SkillStore['report']): Promise<void> {
  const result = await compact(paths, { migrate: true, migrationsDir: options.migrationsDir });
  report.backup = result.backup;
  report.migrated = result.migrated;
  report.movedAside = result.movedAside;
  report.messages.push(...result.messages);
  if (result.backup) report.messages.push(`Upgraded ${paths.db} to ${result.migrated.at(-1)}; the previous version is saved as ${result.backup}.`);
}
