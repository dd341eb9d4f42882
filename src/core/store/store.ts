import fs from 'node:fs';
import type { Database } from 'sql.js';
import { compact, damageNotice, describeProblem, hasSchema, loadSnapshot, withSnapshotLock, type SnapshotReport } from './compactor';
import { damagedAsFound, outdatedAsFound } from './asFound';
import { databaseKind, ForeignDatabaseError } from './databaseKind';
import { checkEvents, type LoggedEvent } from './eventSchema';
import { applyEvents, refreshPendingBuckets, type StoreEvent } from './events';
import { processIsAlive, type LogProblem } from './eventLog';
import { MigrationManager, NewerDatabaseError } from './migrations';
import { checkStoreLocation, resolveDatabasePath, storePaths, type StorePaths } from './paths';
import { rebuildAfterPurge, replayLog } from './replay';
import { removeStaleTempFiles } from './atomicFile';
import { readState, type LogState } from './storeState';
import { forgetStatements } from './statements';
import { LockTimeoutError } from './locks';
import { LogAppender, SEGMENT_ROTATE_BYTES } from './logAppender';
import { StoreListeners } from './storeListeners';
import { appendAll } from '../collections';
import type { RewriteJob, Store, StoreMode, StoreOpenReport } from './storeInterface';

export type { StoreMode } from './storeInterface';

export interface CompactionJob {
  migrationsDir?: string;
  segmentGraceMs?: number;
  lockBudgetMs?: number;
  /** See CompactOptions.repairLog. */
  repairLog?: boolean;
}

/** Rebuilds the snapshot somewhere (in this thread, or in a worker) and reports what it did. */
export type CompactionRunner = (paths: StorePaths, job: CompactionJob) => Promise<SnapshotReport>;

/**
 * What a job that computes derived rows needs of a store: to read the replica and to commit events.
 * The analytics worker hands such jobs a read-only replica whose commit collects the events, which
 * the editor's process then commits for real.
 */
export type DerivedRowWriter = Pick<Store, 'db' | 'commit'>;

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
  /** Size at which this process ends its log segment and begins a new one (default SEGMENT_ROTATE_BYTES). */
  segmentBytes?: number;
  /**
   * false for a throw-away store (an evaluation's replay): events are written without fdatasync,
   * since nothing there must survive a crash. Default true: every commit is on disk when it resolves.
   */
  durable?: boolean;
  /** Problems the user should hear about (a damaged file moved aside, a failed snapshot, a skipped log line). */
  onMessage?: (message: string) => void;
  /** Opening for work, refuse (StoreNeedsCareError) a store that needs a repair or an upgrade instead of doing either (asFound.ts). */
  asFound?: boolean;
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
export class SkillStore implements Store {
  private readonly appender: LogAppender;
  private readonly state: LogState;
  private pollTimer: NodeJS.Timeout | undefined;
  private compactTimer: NodeJS.Timeout | undefined;
  private firstUnsnapshottedAt = 0;
  /** After a purge the next snapshot removes every finished segment at once (no grace time). */
  private purgeSnapshotDue = false;
  private compacting: Promise<SnapshotReport | undefined> | undefined;
  private readonly listeners = new StoreListeners();
  private closed = false;
  /** Bulk work (an import) in progress: the snapshot waits for its end instead of being rebuilt along the way. */
  private bulkDepth = 0;
  /** This process's own events are not applied to the replica until bulk work ends (see `bulk`). */
  private replicaBehind = false;
  /** Hourly buckets this replica has yet to recompute: done once, when the data is next read. */
  private readonly pendingBuckets = new Set<string>();
  readonly openedInMs: number;

  private constructor(
    private database: Database,
    readonly paths: StorePaths,
    readonly report: StoreOpenReport,
    private readonly options: StoreOptions,
    /** Why this store accepts no writes, when it does not. */
    readonly readOnlyReason: string | undefined,
    started: number,
  ) {
    this.state = readState(database);
    this.appender = new LogAppender(paths.eventsDir, paths.slotsDir, {
      segmentBytes: options.segmentBytes ?? SEGMENT_ROTATE_BYTES,
      durable: options.durable,
      onWritten: (events, stamps, segment) => {
        this.state.offsets.set(segment.name, segment.size);
        this.applyOwn(events, stamps);
        this.afterWrite();
      },
    }, this.state.purgeHorizon);
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
    const report: StoreOpenReport = { messages: [], migrated: [] };
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
        if (options.asFound) throw damaged ? damagedAsFound(paths, damaged) : outdatedAsFound(paths, manager.pendingCount(), manager.latestKnown());
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
    return this.listeners.onDidChange(listener);
  }

  /**
   * Listens for the events that changed this replica (own writes and other processes'), after they
   * are applied: for consumers that keep running totals instead of re-reading the tables.
   */
  onDidApply(listener: (events: readonly StoreEvent[]) => void): { dispose(): void } {
    return this.listeners.onDidApply(listener);
  }

  get latestStamp(): number {
    return this.appender.latestStamp;
  }

  /** A new invocation id, unique across every process writing to this store. */
  async nextId(): Promise<number> {
    this.refuseWrites();
    return this.appender.nextId();
  }

  /**
   * Validates the events (an invalid one rejects the whole commit, and nothing is written), appends
   * them durably, then applies them; resolves once they are on disk and visible. A write error
   * (a full disk) rejects with the disk's error and touches nothing already confirmed.
   */
  async commit(events: StoreEvent[]): Promise<void> {
    this.refuseWrites();
    checkEvents(events);
    return this.appender.append(events, events.map((e) => JSON.stringify(e)));
  }

  /** Picks up other processes' events now; returns how many were applied. */
  pullEvents(): number {
    const result = replayLog(this.database, this.paths.eventsDir, this.state, {
      own: this.appender.segment?.name,
      pendingBuckets: this.pendingBuckets,
      onApplied: (events) => this.emitApplied(events),
      onProblem: (problem) => this.reportProblem(problem),
    });
    this.appender.observe(result.maxStamp);
    if (result.purged) this.rotateSegment();
    if (result.replayed > 0) this.emitChange();
    return result.replayed;
  }

  /**
   * Runs bulk work (an import of many events) with its events written to the log as usual (as
   * durable as any other commit) but applied only once, by the snapshot rebuild at its end, which
   * then becomes this replica: applying them here and again in the rebuild doubled the work, and
   * rebuilding along the way made a long import quadratic. Meanwhile `db` does not show them: the
   * work keeps track of what it wrote itself.
   */
  async bulk<T>(work: () => Promise<T>): Promise<T> {
    if (this.bulkDepth++ === 0) {
      this.replicaBehind = true;
      clearTimeout(this.compactTimer);
    }
    try {
      return await work();
    } finally {
      if (--this.bulkDepth === 0) await this.catchUpAfterBulk();
    }
  }

  /** Writes the snapshot that holds the bulk's events, takes it as the replica, then applies what came after it. */
  private async catchUpAfterBulk(): Promise<void> {
    if (this.firstUnsnapshottedAt > 0) await this.snapshotNow();
    const messages: string[] = [];
    const { db } = await loadSnapshot(this.paths, messages);
    const old = this.database;
    this.database = db;
    const state = readState(db);
    this.state.offsets = state.offsets;
    this.state.purgeHorizon = state.purgeHorizon;
    this.pendingBuckets.clear();
    forgetStatements(old);
    old.close();
    this.replicaBehind = false;
    for (const message of messages) this.options.onMessage?.(message);
    const result = replayLog(this.database, this.paths.eventsDir, this.state, {
      pendingBuckets: this.pendingBuckets,
      onProblem: (problem) => this.reportProblem(problem),
    });
    this.appender.observe(result.maxStamp);
    this.emitChange();
  }

  /**
   * Rebuilds the snapshot from every segment read again from its start, skipping what cannot be
   * read, and sets aside finished segments with damaged parts (`session-buddy repair`).
   */
  async repairLog(): Promise<SnapshotReport | undefined> {
    await this.appender.drain();
    return this.runCompaction(false, { repairLog: true });
  }

  /** Rebuilds the snapshot now (waits for queued writes first). */
  async snapshotNow(options: { segmentGraceMs?: number } = {}): Promise<SnapshotReport | undefined> {
    await this.appender.drain();
    return this.runCompaction(false, options);
  }

  /** Rebuilds the snapshot from disk plus the log in this thread, with the job's change; throws when it could not. */
  async rewrite(job: RewriteJob): Promise<SnapshotReport> {
    await this.appender.drain();
    return compact(this.paths, { migrate: false, migrationsDir: this.options.migrationsDir, ...job });
  }

  underStoreLock<T>(work: () => T | Promise<T>): Promise<T> {
    return withSnapshotLock(this.paths, work);
  }

  /**
   * Flushes queued events, ends this writer's segment, rebuilds the snapshot when this process
   * wrote something since the last one, and frees the database.
   */
  async close(options: { snapshot?: boolean } = {}): Promise<SnapshotReport | undefined> {
    if (this.closed) return undefined;
    await this.appender.drain();
    this.closed = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.compactTimer);
    await this.compacting;
    const wrote = this.firstUnsnapshottedAt > 0;
    this.appender.close();
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

  /**
   * Ends this process's segment after "delete all data", so that it can be removed (it holds the
   * deleted events), and rebuilds the snapshot soon, once the other processes have read the purge.
   */
  private rotateSegment(): void {
    if (!this.appender.segment) return;
    this.appender.endSegment();
    this.purgeSnapshotDue = true;
    clearTimeout(this.compactTimer);
    this.compactTimer = setTimeout(() => void this.runCompaction(), PURGE_SNAPSHOT_DELAY_MS);
    this.compactTimer.unref();
  }

  /** Applies this process's own events, just written; a purge among them empties the replica as of its stamp. */
  private applyOwn(events: StoreEvent[], stamps: number[]): void {
    if (this.replicaBehind) return;
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
    if (this.bulkDepth > 0) return;
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
    if (!job.repairLog && fileKeptByHost(this.paths)) {
      this.firstUnsnapshottedAt = 0;
      return undefined;
    }
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
        // At close, another process holding the lock will write the snapshot itself.
        if (final && err instanceof LockTimeoutError) return undefined;
        this.options.onMessage?.(`Could not write the snapshot ${this.paths.db}: ${err.message}. Events stay safe in ${this.paths.eventsDir}.`);
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
    this.listeners.emitApplied(events);
  }

  private emitChange(): void {
    this.listeners.emitChange();
  }
}

/**
 * Whether a store host keeps the file itself (file-backed): it holds the snapshot lock for as long as
 * it runs and applies every process's log to the file, this one's included, so a snapshot here
 * would only wait for the lock and give up. A host that died leaves its pid behind, no longer alive.
 */
function fileKeptByHost(paths: StorePaths): boolean {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(paths.hostPid, 'utf8').trim());
  } catch {
    return false;
  }
  return Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && processIsAlive(pid);
}

/**
 * Opening for work upgrades an older (or new) database to the latest schema and repairs a damaged
 * one, after a backup, under the snapshot lock, so that every process sees the same schema.
 */
async function upgrade(paths: StorePaths, options: StoreOptions, report: StoreOpenReport): Promise<void> {
  const result = await compact(paths, { migrate: true, migrationsDir: options.migrationsDir });
  report.backup = result.backup;
  report.migrated = result.migrated;
  report.movedAside = result.movedAside;
  appendAll(report.messages, result.messages);
  if (result.backup) report.messages.push(`Upgraded ${paths.db} to ${result.migrated.at(-1)}; the previous version is saved as ${result.backup}.`);
}
