import type { SnapshotOperation, SnapshotReport } from './compactor';
import type { StoreEvent } from './events';
import type { StorePaths } from './paths';
import type { SqlDatabase } from './sqlDatabase';

/**
 * What the core asks of a store, whichever keeps the data: SkillStore (store.ts: a sql.js copy in
 * memory, rebuilt into the file by snapshots) or FileStore (fileStore.ts: the SQLite file itself,
 * through SQLite's page cache). Both record through the same durable event log.
 */

/**
 * 'work' upgrades the schema on disk, repairs a damaged database and accepts writes. The other two
 * never write anything: 'read' upgrades an older schema in memory only, so that queries see the
 * latest tables; 'inspect' shows the file as it is (status, validate, sql).
 */
export type StoreMode = 'work' | 'read' | 'inspect';

/** What opening the store did: messages for the user, the backup taken and the migrations applied. */
export interface StoreOpenReport {
  messages: string[];
  backup?: string;
  migrated: string[];
  movedAside?: string;
}

/** A change made to the whole file at once: after Delete All Data, or a migration the user asked for. */
export interface RewriteJob {
  /** Leave no free pages (deleted rows keep their bytes in them). */
  vacuum?: boolean;
  /** How long a finished segment the file holds is kept for other processes to read (default 60 s). */
  segmentGraceMs?: number;
  /** A schema change to make, after a backup. */
  operation?: SnapshotOperation;
  /** Turn another application's SQLite file into a store (`migrate --adopt`). */
  adopt?: boolean;
}

export interface Disposable {
  dispose(): void;
}

export interface Store {
  /** The data, every derived row up to date. */
  readonly db: SqlDatabase;
  readonly paths: StorePaths;
  readonly report: StoreOpenReport;
  /** Why this store accepts no writes, when it does not. */
  readonly readOnlyReason: string | undefined;
  readonly mode: StoreMode;
  readonly openedInMs: number;
  /** The greatest log stamp this store has written or applied: a process recording beside it starts its clock past it. */
  readonly latestStamp: number;
  /** Listens for data changes (own writes and other processes' events). */
  onDidChange(listener: () => void): Disposable;
  /** Listens for the events that changed the data, after they are applied. */
  onDidApply(listener: (events: readonly StoreEvent[]) => void): Disposable;
  /** A new invocation id, unique across every process writing to this store. */
  nextId(): Promise<number>;
  /** Resolves once the events are durably in the log and applied; an invalid event rejects them all. */
  commit(events: StoreEvent[]): Promise<void>;
  /** Applies other processes' events now; returns how many were applied. */
  pullEvents(): number;
  /** Runs bulk work (an import of many events). */
  bulk<T>(work: () => Promise<T>): Promise<T>;
  /** Brings the file up to date with the log and removes the segments it holds; undefined when that failed (the user is told). */
  snapshotNow(options?: { segmentGraceMs?: number }): Promise<SnapshotReport | undefined>;
  /** Reads every segment again from its start, skipping what cannot be read, and sets damaged ones aside. */
  repairLog(): Promise<SnapshotReport | undefined>;
  /** Like snapshotNow, with a change to the whole file; throws when it could not be done. */
  rewrite(job: RewriteJob): Promise<SnapshotReport>;
  /** Runs `work` while no process rewrites the database file (the files beside it are then safe to remove). */
  underStoreLock<T>(work: () => T | Promise<T>): Promise<T>;
  /** Flushes, brings the file up to date unless `snapshot` is false, and frees the database. */
  close(options?: { snapshot?: boolean }): Promise<SnapshotReport | undefined>;
}
