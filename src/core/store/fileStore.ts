import fs from 'node:fs';
import path from 'node:path';
import { removeStaleTempFiles, syncDirectory } from './atomicFile';
import { outdatedAsFound } from './asFound';
import { describeProblem, hasSchema, type SnapshotReport } from './compactor';
import { databaseKind, ForeignDatabaseError } from './databaseKind';
import type { LogProblem } from './eventLog';
import { checkEvents } from './eventSchema';
import type { StoreEvent } from './events';
import { openStoreFile, type OpenedFile } from './fileDatabase';
import { holdLock, type LongHeldLock } from './locks';
import { LogAppender, SEGMENT_ROTATE_BYTES } from './logAppender';
import { MigrationManager, NewerDatabaseError } from './migrations';
import { checkStoreLocation, resolveDatabasePath, storePaths, type StorePaths } from './paths';
import { replayLog, type ReplayResult } from './replay';
import { deleteFinishedSegments, dropMissingSegments, SEGMENT_GRACE_MS, setAsideDamaged } from './segmentRetirement';
import { forgetStatements } from './statements';
import { PURGE_SNAPSHOT_DELAY_MS, type StoreOptions } from './store';
import type { Disposable, RewriteJob, Store, StoreMode, StoreOpenReport } from './storeInterface';
import { StoreListeners } from './storeListeners';
import { ensureStateTable, readState, recordState, type LogState } from './storeState';
import type { NodeSqliteDatabase } from './nodeSqlite';

export type FileStoreOptions = Omit<StoreOptions, 'mode' | 'compactionRunner'> & {
  /** How long to wait for skills.db.lock while an older version rebuilds its snapshot (default 60 s). */
  lockBudgetMs?: number;
  /** The write-ahead log's size past which consolidation is brought forward (default WAL_EARLY_CHECKPOINT_BYTES). */
  walCheckpointBytes?: number;
};

/**
 * The write-ahead log's size past which consolidation (and its checkpoint) is brought forward, so a
 * burst of writes cannot grow it without bound: 16 times SQLite's own automatic checkpoint size.
 */
const WAL_EARLY_CHECKPOINT_BYTES = 16 * 1000 * 4096;

/** Lock held for the store's whole life: older versions' snapshot rebuilds give up rather than rename over the file. */
const STORE_LOCK = { purpose: 'the database file', staleMs: 30_000 } as const;

/**
 * The store kept in the SQLite file itself (node:sqlite, WAL, SQLite's page cache): memory does not
 * grow with the data, and nothing is ever exported whole. Writes take the same path as SkillStore's:
 * validated, appended to this process's log segment and fdatasynced before `commit` resolves. The
 * log is the truth; this store applies it to the file, its own events and every other process's,
 * in stamp order, a group per transaction, with how far each segment is consumed written in the
 * same transaction (storeState.ts), so that a crash never separates data from bookkeeping. A
 * segment leaves the log only once a checkpoint has made the file hold all of it durably.
 *
 * One process opens the file for work: it holds `skills.db.lock` for as long as it runs, the lock
 * under which older versions (sql.js copies) rebuild their snapshot, so they give up instead of
 * renaming a new file over this one; their events still reach the file through the log. Should the
 * file be replaced anyway (the lock taken over after a stall), the store notices and reopens it.
 */
export class FileStore implements Store {
  readonly mode: StoreMode = 'work';
  readonly openedInMs: number;
  private readonly appender: LogAppender;
  private readonly listeners = new StoreListeners();
  private readonly state: LogState;
  /** The bookkeeping as last written to the file, to write it only when it changed. */
  private saved = '';
  /** Segments with parts that could not be read or applied: never removed as if the file held them. */
  private readonly damaged = new Set<string>();
  private pollTimer: NodeJS.Timeout | undefined;
  private consolidateTimer: NodeJS.Timeout | undefined;
  private firstUnconsolidatedAt = 0;
  /** A purge was applied: the next consolidation vacuums and removes finished segments at once. */
  private purgeDue = false;
  private closed = false;
  /**
   * The file has the schema and the bookkeeping's tables: checked once, not before every apply
   * (two statements prepared per run); only a migration job or a replaced file changes it.
   */
  private schemaChecked = false;

  private constructor(
    private file: OpenedFile,
    readonly paths: StorePaths,
    readonly report: StoreOpenReport,
    private readonly options: FileStoreOptions,
    readonly readOnlyReason: string | undefined,
    private readonly lock: LongHeldLock | undefined,
    started: number,
  ) {
    this.state = readState(file.db);
    this.saved = stateKey(this.state);
    this.appender = new LogAppender(paths.eventsDir, paths.slotsDir, {
      segmentBytes: options.segmentBytes ?? SEGMENT_ROTATE_BYTES,
      onWritten: (events) => this.safeApply(events.some((e) => e.t === 'purge')),
    }, this.state.purgeHorizon);
    this.openedInMs = performance.now() - started;
  }

  get db(): NodeSqliteDatabase {
    return this.file.db;
  }

  static async open(options: FileStoreOptions = {}): Promise<FileStore> {
    const started = performance.now();
    const paths = storePaths(resolveDatabasePath(options.path));
    checkStoreLocation(paths, { requireFolder: options.path !== undefined || process.env.SESSION_BUDDY_DB !== undefined });
    fs.mkdirSync(paths.eventsDir, { recursive: true, mode: 0o700 });
    const lock = await holdLock(paths.lock, { ...STORE_LOCK, budgetMs: options.lockBudgetMs });
    const report: StoreOpenReport = { messages: [], migrated: [] };
    let file: OpenedFile | undefined;
    try {
      file = openStoreFile(paths, report.messages, options.asFound ?? false);
      if (file.movedAside) report.movedAside = file.movedAside;
      const readOnlyReason = prepareSchema(file, paths, options, report);
      if (readOnlyReason) await lock.release();
      else removeStaleTempFiles(paths.db);
      const store = new FileStore(file, paths, report, options, readOnlyReason, readOnlyReason ? undefined : lock, started);
      store.applyLog();
      // Processes of the sql.js version read the file's bytes, not its write-ahead log: they must find it whole.
      if (!readOnlyReason) file.checkpoint();
      for (const message of report.messages) options.onMessage?.(message);
      store.startPolling();
      return store;
    } catch (err) {
      file?.db.close();
      await lock.release();
      throw err;
    }
  }

  onDidChange(listener: () => void): Disposable {
    return this.listeners.onDidChange(listener);
  }

  onDidApply(listener: (events: readonly StoreEvent[]) => void): Disposable {
    return this.listeners.onDidApply(listener);
  }

  get latestStamp(): number {
    return this.appender.latestStamp;
  }

  async nextId(): Promise<number> {
    this.refuseWrites();
    return this.appender.nextId();
  }

  /** Resolves once the events are on disk and applied to the file (or, if that failed, reported: the log keeps them). */
  async commit(events: StoreEvent[]): Promise<void> {
    this.refuseWrites();
    checkEvents(events);
    return this.appender.append(events, events.map((e) => JSON.stringify(e)));
  }

  pullEvents(): number {
    return this.applyLog()?.replayed ?? 0;
  }

  /** The file takes every group as it comes: bulk work needs nothing special. */
  bulk<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }

  async snapshotNow(options: { segmentGraceMs?: number } = {}): Promise<SnapshotReport | undefined> {
    await this.appender.drain();
    return this.consolidate(options).catch((err: Error) => this.failedConsolidation(err));
  }

  async repairLog(): Promise<SnapshotReport | undefined> {
    await this.appender.drain();
    return this.consolidate({ repairLog: true }).catch((err: Error) => this.failedConsolidation(err));
  }

  async rewrite(job: RewriteJob): Promise<SnapshotReport> {
    if (job.adopt) throw new Error('adopting another application\'s database is done on a store opened the sql.js way');
    await this.appender.drain();
    return this.consolidate(job);
  }

  /** This store holds the lock for its whole life: nothing else rewrites the file meanwhile. */
  async underStoreLock<T>(work: () => T | Promise<T>): Promise<T> {
    return work();
  }

  async close(options: { snapshot?: boolean } = {}): Promise<SnapshotReport | undefined> {
    if (this.closed) return undefined;
    await this.appender.drain();
    clearInterval(this.pollTimer);
    clearTimeout(this.consolidateTimer);
    this.appender.close();
    let report: SnapshotReport | undefined;
    if (options.snapshot !== false && !this.readOnlyReason) report = await this.consolidate({}).catch((err: Error) => this.failedConsolidation(err));
    this.closed = true;
    forgetStatements(this.file.db);
    this.file.db.close();
    await this.lock?.release();
    return report;
  }

  private refuseWrites(): void {
    if (this.closed) throw new Error('the store is closed');
    if (this.readOnlyReason) throw new Error(this.readOnlyReason);
  }

  private startPolling(): void {
    const pollMs = this.options.pollMs ?? 1000;
    if (pollMs <= 0) return;
    this.pollTimer = setInterval(() => this.safeApply(false), pollMs);
    this.pollTimer.unref();
  }

  /**
   * Applies what the log holds beyond the file; a failure is reported and retried at the next write
   * or poll. `ownPurge`: this process just wrote a purge, whose caller (Delete All Data) rewrites
   * the file itself.
   */
  private safeApply(ownPurge: boolean): void {
    try {
      this.applyLog({}, ownPurge);
    } catch (err) {
      this.options.onMessage?.(`Could not apply the event log ${this.paths.eventsDir} to ${this.paths.db}: ${(err as Error).message}. The events stay safe in the log.`);
    }
  }

  private applyLog(replay: { fromStart?: boolean; salvage?: boolean } = {}, ownPurge = false): ReplayResult | undefined {
    if (this.readOnlyReason || this.closed) return undefined;
    this.reopenIfReplaced();
    if (!this.schemaChecked) {
      if (!hasSchema(this.file.db)) return undefined;
      ensureStateTable(this.file.db);
      this.schemaChecked = true;
    }
    const result = replayLog(this.file.db, this.paths.eventsDir, this.state, {
      ...replay,
      recordProgress: (progress) => {
        recordState(this.file.db, progress);
        this.saved = stateKey(progress);
      },
      onApplied: (events) => this.listeners.emitApplied(events),
      onProblem: (problem) => this.reportProblem(problem),
    });
    this.saveState();
    this.appender.observe(result.maxStamp);
    for (const name of result.damaged) this.damaged.add(name);
    if (result.purged) this.afterPurge(ownPurge);
    if (result.replayed > 0) {
      this.listeners.emitChange();
      this.scheduleConsolidation();
    }
    return result;
  }

  /** Writes the bookkeeping when it moved past what the groups' transactions wrote (a segment's last lines). */
  private saveState(): void {
    const key = stateKey(this.state);
    if (key === this.saved) return;
    const db = this.file.db;
    db.exec('BEGIN');
    try {
      recordState(db, this.state);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
    this.saved = key;
  }

  /** An older version renamed its snapshot over the file (it took the lock over): that file is the store now. */
  private reopenIfReplaced(): void {
    if (sameFile(this.paths.db, this.file.id)) return;
    this.options.onMessage?.(`${this.paths.db} was replaced by another process; it is opened again and the event log applied to it.`);
    forgetStatements(this.file.db);
    this.file.db.close();
    // A store already served is kept serving: "as found" concerns only whether to take it on.
    this.file = openStoreFile(this.paths, [], false);
    this.schemaChecked = false;
    const state = readState(this.file.db);
    this.state.offsets = state.offsets;
    this.state.purgeHorizon = state.purgeHorizon;
    this.saved = stateKey(state);
  }

  /**
   * After "delete all data": this process's old segment holds deleted events, and the file their
   * bytes in free pages until the next consolidation vacuums it: soon, once the other processes
   * have read the purge, when another process deleted (a window of the sql.js version cannot
   * rewrite the file itself).
   */
  private afterPurge(ownPurge: boolean): void {
    this.appender.endSegment();
    this.purgeDue = true;
    if (ownPurge) return;
    clearTimeout(this.consolidateTimer);
    this.consolidateTimer = setTimeout(() => void this.snapshotNow(), PURGE_SNAPSHOT_DELAY_MS);
    this.consolidateTimer.unref();
  }

  private scheduleConsolidation(): void {
    const now = Date.now();
    if (this.firstUnconsolidatedAt === 0) this.firstUnconsolidatedAt = now;
    const due = this.walBytes() > (this.options.walCheckpointBytes ?? WAL_EARLY_CHECKPOINT_BYTES) ? now : Math.min(now + (this.options.compactDelayMs ?? 5000), this.firstUnconsolidatedAt + (this.options.compactMaxDelayMs ?? 30_000));
    clearTimeout(this.consolidateTimer);
    this.consolidateTimer = setTimeout(() => void this.snapshotNow(), Math.max(0, due - now));
    this.consolidateTimer.unref();
  }

  private walBytes(): number {
    try {
      return fs.statSync(`${this.paths.db}-wal`).size;
    } catch {
      return 0;
    }
  }

  /**
   * Applies the whole log, makes the job's change, checkpoints (the file then durably holds every
   * event applied), and only then removes the finished segments the file holds.
   */
  private async consolidate(job: RewriteJob & { repairLog?: boolean }): Promise<SnapshotReport> {
    const started = performance.now();
    if (this.readOnlyReason) throw new Error(this.readOnlyReason);
    this.firstUnconsolidatedAt = 0;
    clearTimeout(this.consolidateTimer);
    const purged = this.purgeDue;
    this.purgeDue = false;
    const report = emptyReport(this.paths.db);
    const replayed = this.applyLog({ fromStart: job.repairLog, salvage: job.repairLog });
    report.replayed = replayed?.replayed ?? 0;
    report.invalidLines = replayed?.invalid ?? 0;
    report.damagedSegments = [...(replayed?.damaged ?? [])].sort();
    const db = this.file.db;
    const manager = new MigrationManager(db, this.options.migrationsDir);
    if (job.operation?.needed(db, manager)) {
      report.backup = this.file.backup(job.operation.label);
      this.schemaChecked = false;
      job.operation.run(db, manager);
    }
    const clean = purged || this.purgeDue || job.vacuum === true;
    if (clean) db.exec('VACUUM');
    this.file.checkpoint();
    syncDirectory(path.dirname(this.paths.db));
    this.removeFilesHeld(report, clean, job);
    report.bytes = fs.statSync(this.paths.db).size;
    report.durationMs = performance.now() - started;
    return report;
  }

  /** What the checkpointed file makes unnecessary: finished segments it holds, stale temporary files, and after a purge the previous snapshot. */
  private removeFilesHeld(report: SnapshotReport, clean: boolean, job: RewriteJob & { repairLog?: boolean }): void {
    for (const file of removeStaleTempFiles(this.paths.db)) report.removedFiles.push(file);
    if (clean && fs.existsSync(this.paths.previous)) {
      fs.rmSync(this.paths.previous, { force: true });
      report.removedFiles.push(this.paths.previous);
    }
    if (job.repairLog) {
      report.setAside = setAsideDamaged(this.paths, report.damagedSegments);
      for (const name of report.damagedSegments) this.damaged.delete(name);
    }
    const grace = clean ? 0 : (job.segmentGraceMs ?? SEGMENT_GRACE_MS);
    const removed = deleteFinishedSegments(this.paths, this.state.offsets, grace, this.damaged);
    report.deletedSegments = removed.length;
    for (const file of removed) report.removedFiles.push(file);
    dropMissingSegments(this.paths, this.state.offsets);
    this.saveState();
  }

  private failedConsolidation(err: Error): undefined {
    this.options.onMessage?.(`Could not bring ${this.paths.db} up to date: ${err.message}. Events stay safe in ${this.paths.eventsDir}.`);
    return undefined;
  }

  private reportProblem(problem: LogProblem): void {
    const text = describeProblem(problem);
    if (text) this.options.onMessage?.(text);
  }
}

/**
 * Refuses another application's file, upgrades an older schema after a backup, and says why the
 * store is read-only when a newer Session Buddy wrote it.
 */
function prepareSchema(file: OpenedFile, paths: StorePaths, options: FileStoreOptions, report: StoreOpenReport): string | undefined {
  const kind = databaseKind(file.db);
  if (kind.kind === 'foreign') throw new ForeignDatabaseError(paths.db, kind.tables);
  const manager = new MigrationManager(file.db, options.migrationsDir);
  const newer = manager.newerVersion();
  if (newer) {
    const reason = new NewerDatabaseError(paths.db, newer, manager.latestKnown()).message;
    report.messages.push(reason);
    return reason;
  }
  if (manager.pendingCount() === 0) return undefined;
  if (options.asFound) throw outdatedAsFound(paths, manager.pendingCount(), manager.latestKnown());
  if (kind.kind === 'store') report.backup = file.backup(`before-${manager.files.at(-1)!.version}`);
  report.migrated = manager.migrate().versions;
  if (report.backup) report.messages.push(`Upgraded ${paths.db} to ${report.migrated.at(-1)}; the previous version is saved as ${report.backup}.`);
  return undefined;
}

function sameFile(file: string, id: string): boolean {
  try {
    const st = fs.statSync(file);
    return `${st.dev}:${st.ino}` === id;
  } catch {
    return false;
  }
}

function stateKey(state: LogState): string {
  let key = String(state.purgeHorizon);
  for (const [segment, bytes] of state.offsets) key += `\u0000${segment}\u0000${bytes}`;
  return key;
}

function emptyReport(file: string): SnapshotReport {
  return { path: file, migrated: [], replayed: 0, invalidLines: 0, deletedSegments: 0, removedFiles: [], damagedSegments: [], setAside: [], bytes: 0, durationMs: 0, messages: [] };
}
