import fs from 'node:fs';
import type { Database } from 'sql.js';
import type { SqlDatabase } from './sqlDatabase';
import { databaseKind, ForeignDatabaseError } from './databaseKind';
import { CorruptDatabaseError, openDatabaseBytes } from './engine';
import { lineNumberAt, type LogProblem } from './eventLog';
import { deleteFinishedSegments, dropMissingSegments, SEGMENT_GRACE_MS, setAsideDamaged } from './segmentRetirement';
import { withLock, type HeldLock } from './locks';
import { MigrationManager, NewerDatabaseError } from './migrations';
import { corruptPath, type StorePaths } from './paths';
import { replayLog } from './replay';
import { removeStaleTempFiles } from './atomicFile';
import { backupSnapshot, readSnapshot, writeSnapshotAtomic } from './snapshotFile';
import { readState, writeState, type LogState } from './storeState';

export interface SnapshotReport {
  path: string;
  /** Backup written before a schema change, if any. */
  backup?: string;
  /** Where a damaged snapshot was moved, if one was found. */
  movedAside?: string;
  migrated: string[];
  replayed: number;
  invalidLines: number;
  deletedSegments: number;
  /** Every file this rebuild removed: finished segments, stale temporary files, the previous snapshot after a purge. */
  removedFiles: string[];
  /** Segments with parts that could not be read or applied, kept (until repair sets them aside). */
  damagedSegments: string[];
  /** Where repair moved finished damaged segments, once the snapshot held everything readable in them. */
  setAside: string[];
  bytes: number;
  durationMs: number;
  messages: string[];
}

const SNAPSHOT_LOCK = { purpose: 'the snapshot', staleMs: 30_000 } as const;

/** Runs `work` while holding the store's snapshot lock; a lock left by a dead process goes stale. */
export async function withSnapshotLock<T>(paths: StorePaths, work: (lock: HeldLock) => Promise<T> | T, budgetMs?: number): Promise<T> {
  fs.mkdirSync(paths.eventsDir, { recursive: true, mode: 0o700 });
  return withLock(paths.lock, { ...SNAPSHOT_LOCK, budgetMs }, work);
}

export interface LoadedSnapshot {
  db: Database;
  /** Why the snapshot file could not be used, when it is damaged (then `db` is the previous snapshot or empty). */
  damaged?: string;
}

/**
 * Reads the snapshot without changing anything on disk. A damaged file is reported and the
 * previous snapshot (or an empty database) is loaded in its place; repairing is the caller's
 * decision (only `compact` moves a damaged file aside, after its replacement is written).
 */
export async function loadSnapshot(paths: StorePaths, messages: string[]): Promise<LoadedSnapshot> {
  const bytes = readSnapshot(paths.db);
  if (!bytes) return { db: await openDatabaseBytes() };
  try {
    return { db: await openDatabaseBytes(bytes) };
  } catch (err) {
    if (!(err instanceof CorruptDatabaseError)) throw err;
    const previous = readSnapshot(paths.previous);
    if (previous) {
      try {
        return { db: await openDatabaseBytes(previous), damaged: err.message };
      } catch {
        messages.push(`The previous snapshot ${paths.previous} is damaged too.`);
      }
    }
    return { db: await openDatabaseBytes(), damaged: err.message };
  }
}

/** What a read-only opener says about a damaged snapshot: nothing is changed, and how to repair it. */
export function damageNotice(paths: StorePaths, reason: string): string {
  return `The database ${paths.db} is damaged (${reason}). Nothing was changed: \`session-buddy repair\` (or opening it in VS Code) moves it aside and rebuilds it from ${paths.previous} and the event log ${paths.eventsDir}.`;
}

export function hasSchema(db: SqlDatabase): boolean {
  return db.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'skill_invocation'").length > 0;
}

/** "line 12 of /x/seg.jsonl: invocation event: row.completed: ...", each problem said once per process. */
const reportedProblems = new Set<string>();
export function describeProblem(problem: LogProblem): string | undefined {
  const line = lineNumberAt(problem.file, problem.at);
  const text = `Skipped line ${line} of ${problem.file}: ${problem.problem}`;
  if (reportedProblems.has(text)) return undefined;
  reportedProblems.add(text);
  if (reportedProblems.size > 10_000) reportedProblems.clear();
  return text;
}

export interface CompactOptions {
  /** Upgrade to the latest schema first (opening for work); false for the migration commands. */
  migrate: boolean;
  migrationsDir?: string;
  /** A change (a migration, a rollback) to make to the loaded, replayed database before it is written. */
  operation?: SnapshotOperation;
  /**
   * How long a finished, fully snapshotted segment stays so that other processes can still read
   * its tail (default 60 s). After "delete all data" nothing in old segments is needed: 0.
   */
  segmentGraceMs?: number;
  /** Rewrite the file without free pages even without a purge in this rebuild. */
  vacuum?: boolean;
  /** Turn another application's SQLite file into a store (`migrate --adopt`). */
  adopt?: boolean;
  /** How long to wait for the snapshot lock (default: long enough to recover a stale one). */
  lockBudgetMs?: number;
  /**
   * Repair the log: read every segment again from its start, skipping what cannot be read, and
   * move finished segments with unreadable or inapplicable parts to `<events>/damaged/` once the
   * snapshot holds the rest.
   */
  repairLog?: boolean;
}

export interface SnapshotOperation {
  /** Names the backup taken before the change, e.g. "before-rollback". */
  label: string;
  /** Says whether it will change anything, so that a no-op leaves the file and takes no backup. */
  needed(db: SqlDatabase, manager: MigrationManager): boolean;
  run(db: SqlDatabase, manager: MigrationManager): void;
}

/**
 * Rebuilds the snapshot from the file on disk plus the event log, under the lock: load, replay
 * what the file does not hold yet, optionally migrate or run an operation (after a backup), write
 * it (verified, atomically), then delete segments that are wholly in the verified snapshot and
 * whose writer has finished. It never writes a process's in-memory view, so concurrent writers
 * cannot overwrite each other. After a purge the file is vacuumed (deleted rows leave their bytes
 * in free pages) and no previous snapshot is kept, since it holds the deleted data.
 */
export async function compact(paths: StorePaths, options: CompactOptions): Promise<SnapshotReport> {
  const started = performance.now();
  const report: SnapshotReport = {
    path: paths.db, migrated: [], replayed: 0, invalidLines: 0, deletedSegments: 0, removedFiles: [], damagedSegments: [], setAside: [], bytes: 0, durationMs: 0, messages: [],
  };
  await withSnapshotLock(
    paths,
    async (lock) => {
      for (const file of removeStaleTempFiles(paths.db)) report.removedFiles.push(file);
      const existed = fs.existsSync(paths.db);
      const loaded = await loadSnapshot(paths, report.messages);
      const db = loaded.db;
      try {
        const state = prepare(db, paths, options, report, existed && !loaded.damaged);
        const purged = replayInto(db, paths, state, report, options.repairLog === true);
        const operation = options.operation;
        if (operation?.needed(db, new MigrationManager(db, options.migrationsDir))) {
          if (existed && !report.backup && !loaded.damaged) report.backup = backupSnapshot(paths.db, operation.label);
          operation.run(db, new MigrationManager(db, options.migrationsDir));
        }
        dropMissingSegments(paths, state.offsets);
        writeState(db, state);
        const clean = purged || options.vacuum === true;
        if (clean) db.exec('VACUUM');
        const bytes = db.export();
        lock.check();
        const aside = loaded.damaged ? corruptPath(paths.db) : undefined;
        writeSnapshotAtomic(paths.db, bytes, { previous: clean || aside ? undefined : paths.previous, moveAsideTo: aside });
        report.bytes = bytes.length;
        if (aside) {
          report.movedAside = aside;
          report.messages.push(`The database ${paths.db} was damaged (${loaded.damaged}); it was moved to ${aside} and left untouched, and ${paths.db} was rebuilt from the previous snapshot and the event log.`);
        }
        if (clean && fs.existsSync(paths.previous)) {
          fs.rmSync(paths.previous, { force: true });
          report.removedFiles.push(paths.previous);
        }
        lock.check();
        if (options.repairLog) report.setAside = setAsideDamaged(paths, report.damagedSegments);
        const removed = deleteFinishedSegments(paths, state.offsets, options.segmentGraceMs ?? SEGMENT_GRACE_MS, new Set(report.damagedSegments));
        report.deletedSegments = removed.length;
        for (const file of removed) report.removedFiles.push(file);
      } finally {
        db.close();
      }
    },
    options.lockBudgetMs,
  );
  report.durationMs = performance.now() - started;
  return report;
}

/** Refuses what must not be written, migrates (after a backup) when asked; returns the log state. */
function prepare(db: Database, paths: StorePaths, options: CompactOptions, report: SnapshotReport, mayBackUp: boolean): LogState {
  const kind = databaseKind(db);
  if (kind.kind === 'foreign' && !options.adopt) throw new ForeignDatabaseError(paths.db, kind.tables);
  const manager = new MigrationManager(db, options.migrationsDir);
  const newer = manager.newerVersion();
  if (newer) throw new NewerDatabaseError(paths.db, newer, manager.latestKnown());
  if (options.migrate && manager.pendingCount() > 0) {
    if (mayBackUp) report.backup = backupSnapshot(paths.db, `before-${manager.files.at(-1)!.version}`);
    report.migrated = manager.migrate().versions;
  }
  return readState(db);
}

function replayInto(db: Database, paths: StorePaths, state: LogState, report: SnapshotReport, repair: boolean): boolean {
  if (!hasSchema(db)) return false;
  const result = replayLog(db, paths.eventsDir, state, {
    fromStart: repair,
    salvage: repair,
    onProblem: (problem) => {
      const text = describeProblem(problem);
      if (text) report.messages.push(text);
    },
  });
  report.replayed = result.replayed;
  report.invalidLines = result.invalid;
  report.damagedSegments = [...result.damaged].sort();
  return result.purged;
}
