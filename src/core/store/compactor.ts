import fs from 'node:fs';
import lockfile from 'proper-lockfile';
import type { Database } from 'sql.js';
import { CorruptDatabaseError, openDatabaseBytes } from './engine';
import { applyEvents, type StoreEvent } from './events';
import { listSegments, processIsAlive, readSegment, readSegmentHeader, segmentIsClosed } from './eventLog';
import { MigrationManager } from './migrations';
import { type StorePaths } from './paths';
import { backupSnapshot, moveAside, readSnapshot, writeSnapshotAtomic } from './snapshotFile';
import { readOffsets, writeOffsets } from './storeState';

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
  bytes: number;
  durationMs: number;
  messages: string[];
}

/** A segment that is fully in the snapshot and will never grow again may go after this long. */
const SEGMENT_GRACE_MS = 60_000;

/** Runs `work` while holding the store's snapshot lock; a lock left by a dead process goes stale. */
export async function withSnapshotLock<T>(paths: StorePaths, work: () => Promise<T> | T): Promise<T> {
  fs.mkdirSync(paths.eventsDir, { recursive: true, mode: 0o700 });
  const release = await lockfile.lock(paths.db, {
    realpath: false,
    lockfilePath: `${paths.db}.lock`,
    stale: 30_000,
    retries: { retries: 120, factor: 1.2, minTimeout: 25, maxTimeout: 500 },
  });
  try {
    return await work();
  } finally {
    await release().catch(() => undefined);
  }
}

/**
 * Loads the snapshot for maintenance. A damaged file is moved aside (never overwritten) and the
 * previous snapshot, or an empty database, takes its place; every message names the files.
 */
export async function loadSnapshot(paths: StorePaths, report: Pick<SnapshotReport, 'messages' | 'movedAside'>): Promise<Database> {
  const bytes = readSnapshot(paths.db);
  if (!bytes) return openDatabaseBytes();
  try {
    return await openDatabaseBytes(bytes);
  } catch (err) {
    if (!(err instanceof CorruptDatabaseError)) throw err;
    const aside = moveAside(paths.db);
    report.movedAside = aside;
    report.messages.push(`The database ${paths.db} is damaged (${err.message}); it was moved to ${aside} and left untouched.`);
    return loadPrevious(paths, report);
  }
}

async function loadPrevious(paths: StorePaths, report: Pick<SnapshotReport, 'messages'>): Promise<Database> {
  const previous = readSnapshot(paths.previous);
  if (previous) {
    try {
      const db = await openDatabaseBytes(previous);
      fs.copyFileSync(paths.previous, paths.db);
      report.messages.push(`Restored ${paths.db} from the previous snapshot ${paths.previous}; events logged since are replayed from ${paths.eventsDir}.`);
      return db;
    } catch {
      report.messages.push(`The previous snapshot ${paths.previous} is damaged too.`);
    }
  }
  report.messages.push(`Starting a new database at ${paths.db} and replaying the events still in ${paths.eventsDir}.`);
  return openDatabaseBytes();
}

export function hasSchema(db: Database): boolean {
  return db.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'skill_invocation'").length > 0;
}

/**
 * Applies the unconsumed part of every segment; updates `offsets` in place. `onApplied` hears the
 * events that changed the database.
 */
export function replaySegments(
  db: Database,
  eventsDir: string,
  offsets: Map<string, number>,
  skip?: string,
  onApplied?: (events: readonly StoreEvent[]) => void,
): { replayed: number; invalid: number; purged: boolean } {
  let replayed = 0;
  let invalid = 0;
  let purged = false;
  for (const segment of listSegments(eventsDir)) {
    if (segment.name === skip) continue;
    const from = offsets.get(segment.name) ?? 0;
    if (segment.size <= from) continue;
    const read = readSegment(segment.file, from, segment.size);
    if (read.events.length) {
      const changed = applyEvents(db, read.events);
      if (changed.length) onApplied?.(changed);
    }
    offsets.set(segment.name, read.offset);
    replayed += read.events.length;
    invalid += read.invalid;
    purged = purged || read.events.some((e) => e.t === 'purge');
  }
  return { replayed, invalid, purged };
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
}

export interface SnapshotOperation {
  /** Names the backup taken before the change, e.g. "before-rollback". */
  label: string;
  /** Says whether it will change anything, so that a no-op leaves the file and takes no backup. */
  needed(db: Database, manager: MigrationManager): boolean;
  run(db: Database, manager: MigrationManager): void;
}

/**
 * Rebuilds the snapshot from the file on disk plus the event log, under the lock: load, replay
 * what the file does not hold yet, optionally migrate or run an operation (after a backup), write
 * atomically, then delete segments that are wholly in the snapshot and whose writer has finished.
 * It never writes a process's in-memory view, so concurrent writers cannot overwrite each other.
 */
export async function compact(paths: StorePaths, options: CompactOptions): Promise<SnapshotReport> {
  const started = performance.now();
  const report: SnapshotReport = { path: paths.db, migrated: [], replayed: 0, invalidLines: 0, deletedSegments: 0, bytes: 0, durationMs: 0, messages: [] };
  await withSnapshotLock(paths, async () => {
    const existed = fs.existsSync(paths.db);
    const db = await loadSnapshot(paths, report);
    try {
      const manager = new MigrationManager(db, options.migrationsDir);
      if (options.migrate && manager.pendingCount() > 0) {
        if (existed && !report.movedAside) report.backup = backupSnapshot(paths.db, `before-${manager.files.at(-1)!.version}`);
        report.migrated = manager.migrate().versions;
      }
      const offsets = readOffsets(db);
      if (hasSchema(db)) {
        const { replayed, invalid } = replaySegments(db, paths.eventsDir, offsets);
        report.replayed = replayed;
        report.invalidLines = invalid;
      }
      const operation = options.operation;
      if (operation?.needed(db, manager)) {
        if (existed && !report.backup && !report.movedAside) report.backup = backupSnapshot(paths.db, operation.label);
        operation.run(db, manager);
      }
      dropMissingSegments(paths, offsets);
      writeOffsets(db, offsets);
      const bytes = db.export();
      writeSnapshotAtomic(paths.db, bytes, paths.previous);
      report.bytes = bytes.length;
      report.deletedSegments = deleteFinishedSegments(paths, offsets, options.segmentGraceMs ?? SEGMENT_GRACE_MS);
    } finally {
      db.close();
    }
  });
  report.durationMs = performance.now() - started;
  return report;
}

function dropMissingSegments(paths: StorePaths, offsets: Map<string, number>): void {
  const present = new Set(listSegments(paths.eventsDir).map((s) => s.name));
  for (const name of [...offsets.keys()]) if (!present.has(name)) offsets.delete(name);
}

function deleteFinishedSegments(paths: StorePaths, offsets: Map<string, number>, graceMs: number): number {
  let deleted = 0;
  const now = Date.now();
  for (const segment of listSegments(paths.eventsDir)) {
    if ((offsets.get(segment.name) ?? 0) < segment.size) continue;
    if (now - segment.mtimeMs < graceMs) continue;
    const header = readSegmentHeader(segment.file);
    const finished = segmentIsClosed(segment.file, segment.size) || !header || !processIsAlive(header.pid);
    if (!finished) continue;
    fs.rmSync(segment.file, { force: true });
    deleted++;
  }
  return deleted;
}
