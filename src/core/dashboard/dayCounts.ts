/**
 * The day's runs per skill for the status bar, which every window asks after every run. Read from
 * the index (V12) that is still O(the day's runs): 10 ms at a million runs with 30,000 of them
 * today, most of a hosted window's refresh. A run, once stored, never changes (a replayed one is
 * ignored), and only retention and Delete All Data remove runs; so a day read once is kept and
 * each new run is added to the days it falls in. Anything that changes the data without an event
 * (another connection writing the file, a new database object) makes every day be read again.
 */
import { removesRuns, type StoreEvent } from '../store/events';
import { OutsideChanges } from '../store/outsideChanges';
import { perStore } from '../store/perStore';
import { all } from '../store/statements';
import type { Store } from '../store/storeInterface';

export interface SkillDayCount {
  skill: string;
  invocations: number;
  completed: number;
}

/** A day as the range of stored timestamps it covers ([start, end)). */
export interface DayRange {
  start: string;
  end: string;
}

/** Days kept: a day of each time zone the store's windows are in, and yesterday's for a moment after midnight. */
const DAYS_KEPT = 4;

/** The day's runs per skill from the store, most run first (ties in SQLite's order of names). */
export function readDayCounts(store: Pick<Store, 'db'>, day: DayRange): SkillDayCount[] {
  return all<SkillDayCount>(
    store.db,
    `SELECT skill_name AS skill, COUNT(*) AS invocations, SUM(CASE WHEN completed = 1 THEN 1 ELSE 0 END) AS completed
     FROM skill_invocation WHERE invoked_at >= ? AND invoked_at < ?
     GROUP BY skill_name ORDER BY invocations DESC, skill_name`,
    [day.start, day.end],
  );
}

interface KeptDay extends DayRange {
  counts: Map<string, SkillDayCount>;
}

export class DayCounts {
  private readonly days = new Map<string, KeptDay>();
  private readonly outside: OutsideChanges;

  constructor(private readonly store: Store) {
    this.outside = new OutsideChanges(store);
    store.onDidApply((events) => this.apply(events));
  }

  /** The day's runs per skill, as readDayCounts gives them. */
  of(day: DayRange): SkillDayCount[] {
    if (this.outside.changed()) this.days.clear();
    const key = `${day.start}/${day.end}`;
    let kept = this.days.get(key);
    if (!kept) {
      kept = { ...day, counts: new Map(readDayCounts(this.store, day).map((c) => [c.skill, c])) };
      this.days.set(key, kept);
      if (this.days.size > DAYS_KEPT) this.days.delete(this.days.keys().next().value as string);
    }
    return [...kept.counts.values()].map((c) => ({ ...c })).sort(byRunsThenName);
  }

  private apply(events: readonly StoreEvent[]): void {
    for (const event of events) {
      if (removesRuns(event)) this.days.clear();
      if (event.t !== 'invocation') continue;
      const { skill_name: skill, invoked_at: at, completed } = event.row;
      for (const day of this.days.values()) {
        if (at < day.start || at >= day.end) continue;
        const count = day.counts.get(skill) ?? { skill, invocations: 0, completed: 0 };
        count.invocations++;
        count.completed += completed === 1 ? 1 : 0;
        day.counts.set(skill, count);
      }
    }
  }
}

/** Most run first, then by name in SQLite's order (the bytes of the UTF-8 text). */
function byRunsThenName(a: SkillDayCount, b: SkillDayCount): number {
  return b.invocations - a.invocations || Buffer.compare(Buffer.from(a.skill), Buffer.from(b.skill));
}

/** The store's DayCounts, made on first use. */
export const dayCountsOf = perStore((store) => new DayCounts(store));
