import type { SqlDatabase } from '../store/sqlDatabase';
import { one } from '../store/statements';

/**
 * Whether this store's community tables (skill_community_baselines, skill_dependencies) hold a team's
 * aggregates: a `team pull` has written them (team_sync, V9). They are then the team's, over every
 * teammate's runs; the local recompute, which knows only this store's runs, must not replace them
 * (it did, hourly, until the next pull). `team leave` removes the team_sync row, and the local
 * recompute takes over again.
 */
export function teamProvidesCommunity(db: SqlDatabase): boolean {
  if (!one(db, "SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'team_sync'")) return false;
  return one(db, 'SELECT 1 AS x FROM team_sync WHERE last_pull_at IS NOT NULL LIMIT 1') !== undefined;
}
