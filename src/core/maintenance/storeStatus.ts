import { MigrationManager } from '../store/migrations';
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
