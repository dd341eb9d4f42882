import { MigrationManager, type MigrationStatus } from '../store/migrations';
import { one } from '../store/statements';
import type { Store } from '../store/storeInterface';

export interface StoreStatus {
  path: string;
  currentVersion: string | null;
  /** The schema version in words: "version 7 (batch maintained counters)". */
  currentVersionWords: string;
  pending: string[];
  invocations: number;
  sessions: number;
}

/** What "Show Status" reports: schema version, pending migrations and how much is recorded. */
export function getStoreStatus(store: Store): StoreStatus {
  const status = new MigrationManager(store.db).status();
  const current = status.applied.at(-1);
  return {
    path: store.paths.db,
    currentVersion: status.current_version,
    currentVersionWords: current ? `version ${current.number} (${(current.description ?? current.version.replace(/^V\d+__/, '')).replace(/_/g, ' ').toLowerCase()})` : 'no schema yet',
    pending: status.pending.map((p) => p.version),
    invocations: one<{ n: number }>(store.db, 'SELECT COUNT(*) AS n FROM skill_invocation')?.n ?? 0,
    sessions: one<{ n: number }>(store.db, 'SELECT COUNT(*) AS n FROM skill_sessions')?.n ?? 0,
  };
}

/** What `session-buddy status` reports: the schema's migrations, applied and pending, and how many runs are recorded. */
export interface SchemaStatus extends MigrationStatus {
  path: string;
  invocations: number;
}

export function schemaStatus(store: Store): SchemaStatus {
  return { path: store.paths.db, ...new MigrationManager(store.db).status(), invocations: countInvocations(store) };
}

/** The runs recorded; 0 where there is no table of them (an empty file, another application's database inspected). */
function countInvocations(store: Store): number {
  try {
    return one<{ n: number }>(store.db, 'SELECT count(*) AS n FROM skill_invocation')?.n ?? 0;
  } catch {
    return 0;
  }
}
