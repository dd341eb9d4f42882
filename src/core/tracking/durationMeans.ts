/**
 * Each skill's mean duration for the metrics answers (`session-buddy metrics`, the agent and MCP
 * tools). A mean is kept until a run of its skill is applied, an event removes runs, or the data
 * changes outside this process; what is kept is always the value a fresh read gave.
 */
import { meanDuration } from '../measures';
import { DURATION_TOTALS } from '../store/counters';
import { removesRuns, type StoreEvent } from '../store/events';
import { OutsideChanges } from '../store/outsideChanges';
import { perStore } from '../store/perStore';
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

export class DurationMeans {
  private readonly means = new Map<string, number | null>();
  private readonly outside: OutsideChanges;

  constructor(private readonly store: Store) {
    this.outside = new OutsideChanges(store);
    store.onDidApply((events) => this.forget(events));
  }

  of(skill: string): number | null {
    if (this.outside.changed()) this.means.clear();
    const kept = this.means.get(skill);
    if (kept !== undefined) return kept;
    const mean = readMeanDuration(this.store, skill);
    this.means.set(skill, mean);
    return mean;
  }

  private forget(events: readonly StoreEvent[]): void {
    for (const event of events) {
      if (removesRuns(event)) {
        this.means.clear();
        return;
      }
      if (event.t === 'invocation') this.means.delete(event.row.skill_name);
    }
  }
}

/** The store's DurationMeans, made on first use. */
export const durationMeansOf = perStore((store) => new DurationMeans(store));
