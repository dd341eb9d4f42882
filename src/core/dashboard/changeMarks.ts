/**
 * The regression history (analytics/skillChanges.ts) as the dashboard shows it: the open regressions
 * (a change that made a skill slower or fail more often, whose segment is still the latest), and the
 * change points of each charted skill placed on the chart's days. Read from the stored history only:
 * the window holding the job lease keeps it current, and a view must not wait on a fit.
 */
import { getSkillChanges, type SkillChange, type SkillChangeMetric, type SkillChangeReport } from '../analytics/skillChanges';
import type { CalendarDay } from '../days';
import type { Store } from '../store/storeInterface';

/** A change point in the page's terms. */
export interface ChangeMark {
  skill: string;
  metric: SkillChangeMetric;
  /** Its size with the levels before and after: "1.6× slower (30 s → 48 s)", "failure rate 4% → 31%". */
  change: string;
  /** The first run of the new segment, or the start of its first UTC day (runs per day). */
  startedAt: string;
  /** That run's 1-based position among the skill's runs. */
  startRun: number | null;
  /** Slower, or failing more often. */
  regression: boolean;
  /** Still so: the latest segment of its metric. */
  open: boolean;
}

export interface ChartChange extends ChangeMark {
  /**
   * Where it began on the chart: the index of its day among the range's days plus the share of that
   * day gone by then; null when it began before the range (an open regression the chart still shows).
   */
  offset: number | null;
}

/** Every stored change of every skill, whatever its age: an open regression can be older than any range. */
export function regressionReport(store: Store, now: Date): SkillChangeReport {
  return getSkillChanges(store, { days: Infinity, now });
}

export function changeMark(c: SkillChange): ChangeMark {
  return { skill: c.skill_name, metric: c.metric, change: c.change, startedAt: c.started_at, startRun: c.start_run_number, regression: c.regression, open: c.open };
}

/** The open regressions, newest first. */
export function openRegressions(report: SkillChangeReport): ChangeMark[] {
  return report.open_regressions.map(changeMark);
}

/** Where `at` falls on `days`: day index plus the share of that day gone; null outside them. */
export function dayOffset(at: string, days: readonly CalendarDay[]): number | null {
  const i = days.findIndex((d) => at >= d.start && at < d.end);
  if (i < 0) return null;
  const start = Date.parse(days[i].start);
  return i + (Date.parse(at) - start) / (Date.parse(days[i].end) - start);
}

/**
 * A charted skill's changes: every change that began in the range, at its place, and each open
 * regression that began before it (without a place), oldest first as the chart reads.
 */
export function chartChanges(report: SkillChangeReport, skill: string, days: readonly CalendarDay[]): ChartChange[] {
  const first = days[0]?.start ?? '';
  const marks: ChartChange[] = [];
  for (const c of report.changes) {
    if (c.skill_name !== skill) continue;
    const offset = dayOffset(c.started_at, days);
    if (offset !== null) marks.push({ ...changeMark(c), offset });
    else if (c.started_at < first && c.open && c.regression) marks.push({ ...changeMark(c), offset: null });
  }
  return marks.sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.metric.localeCompare(b.metric));
}
