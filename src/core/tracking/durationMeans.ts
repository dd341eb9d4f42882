/**
 * Each skill's mean duration for the metrics answers (`session-buddy metrics`, the agent and MCP
 * tools), read from V13's totals, which are kept with the runs: no cache of its own is needed.
 */
import { meanDuration } from '../measures';
import { DURATION_TOTALS } from '../store/counters';
import { one } from '../store/statements';
import type { Store } from '../store/storeInterface';

/**
 * The mean duration of the skill's stored runs that have one (null: none has): from V13's totals,
 * else (a store not yet migrated, opened read-only) averaged over the runs.
 */
export function readMeanDuration(store: Pick<Store, 'db'>, skill: string): number | null {
  if (!one(store.db, "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ?", [DURATION_TOTALS])) {
    return one<{ mean: number | null }>(store.db, `SELECT ${meanDuration()} AS mean FROM skill_invocation WHERE skill_name = ?`, [skill])?.mean ?? null;
  }
  return one<{ mean: number | null }>(store.db, 'SELECT CASE WHEN timed_runs > 0 THEN duration_sum / timed_runs END AS mean FROM skill_duration_totals WHERE skill_name = ?', [skill])?.mean ?? null;
}
