import { MigrationManager } from '../store/migrations';
import { one } from '../store/statements';
import type { SkillStore } from '../store/store';

export interface StoreStatus {
  path: string;
  currentVersion: string | null;
  pending: string[];
  invocations: number;
  sessions: number;
}

/** What "Show Status" reports: schema version, pending migrations and how much is recorded. */
export function getStoreStatus(store: SkillStore): StoreStatus {
  const status = new MigrationManager(store.db).status();
  return {
    path: store.paths.db,
    currentVersion: status.current_version,
    pending: status.pending.map((p) => p.version),
    invocations: one<{ n: number }>(store.db, 'SELECT COUNT(*) AS n FROM skill_invocation')?.n ?? 0,
    sessions: one<{ n: number }>(store.db, 'SELECT COUNT(*) AS n FROM skill_sessions')?.n ?? 0,
  };
}
