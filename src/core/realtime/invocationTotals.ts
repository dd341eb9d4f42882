import { removesRuns, type InvocationRow, type StoreEvent } from '../store/events';
import { all } from '../store/statements';
import type { Store } from '../store/storeInterface';

/** The anchor's histogram buckets (seconds). */
export const DURATION_BUCKETS = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300] as const;

/** Totals of every stored invocation with one skill, phase and outcome. */
export interface InvocationTotal {
  skill_name: string;
  workflow_phase: string | null;
  completed: 0 | 1;
  /** Invocations. */
  n: number;
  /** Invocations with a duration, their sum, and how many took at most each bucket's bound. */
  timed: number;
  duration_sum: number;
  buckets: number[];
}

/**
 * Running totals for the Prometheus counters. Counting every stored invocation at each scrape costs
 * a full scan (a quarter of a second at 100k invocations in sql.js); instead the totals are read
 * once and then kept up to date from the events the store applies, which is what a counter is.
 * Retention and "delete all data" remove rows, so after either the totals are read again.
 */
export class InvocationTotals {
  private totals = new Map<string, InvocationTotal>();
  private loaded = false;
  private readonly subscription: { dispose(): void };

  constructor(private readonly store: Store) {
    this.subscription = store.onDidApply((events) => this.observe(events));
  }

  current(): InvocationTotal[] {
    if (!this.loaded) this.load();
    return [...this.totals.values()];
  }

  dispose(): void {
    this.subscription.dispose();
  }

  private load(): void {
    const bucketColumns = DURATION_BUCKETS.map((_, i) => `SUM(duration_seconds <= ?) AS b${i}`).join(', ');
    const rows = all<Record<string, number | string | null>>(
      this.store.db,
      `SELECT skill_name, workflow_phase, completed, COUNT(*) AS n, COUNT(duration_seconds) AS timed,
              COALESCE(SUM(duration_seconds), 0) AS duration_sum, ${bucketColumns}
       FROM skill_invocation GROUP BY skill_name, workflow_phase, completed`,
      [...DURATION_BUCKETS],
    );
    this.totals.clear();
    for (const row of rows) {
      const total = this.entry(String(row.skill_name), row.workflow_phase === null ? null : String(row.workflow_phase), Number(row.completed) === 1 ? 1 : 0);
      total.n = Number(row.n);
      total.timed = Number(row.timed);
      total.duration_sum = Number(row.duration_sum);
      total.buckets = DURATION_BUCKETS.map((_, i) => Number(row[`b${i}`] ?? 0));
    }
    this.loaded = true;
  }

  private observe(events: readonly StoreEvent[]): void {
    if (!this.loaded) return;
    for (const event of events) {
      if (event.t === 'invocation') this.add(event.row);
      else if (removesRuns(event)) {
        this.loaded = false;
        return;
      }
    }
  }

  private add(row: InvocationRow): void {
    const total = this.entry(row.skill_name, row.workflow_phase, row.completed);
    total.n++;
    const duration = row.duration_seconds;
    if (duration === null || duration === undefined) return;
    total.timed++;
    total.duration_sum += duration;
    DURATION_BUCKETS.forEach((bound, i) => {
      if (duration <= bound) total.buckets[i]++;
    });
  }

  private entry(skill: string, phase: string | null, completed: 0 | 1): InvocationTotal {
    const key = `${skill}\u0000${phase ?? '\u0001'}\u0000${completed}`;
    let total = this.totals.get(key);
    if (!total) {
      total = { skill_name: skill, workflow_phase: phase, completed, n: 0, timed: 0, duration_sum: 0, buckets: DURATION_BUCKETS.map(() => 0) };
      this.totals.set(key, total);
    }
    return total;
  }
}
