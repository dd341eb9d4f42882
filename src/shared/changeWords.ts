/**
 * Where a change began, said the same way by the dashboard (its markers and Regressions list) and the
 * notification: "since Tue, Mar 3, 2:02 PM (run 201)". Imports nothing outside src/shared, so the
 * browser bundle may load it (test/unit/architecture.test.ts).
 */

/** The metrics of a skill's regression history (core/analytics/skillChanges.ts), by name. */
export type ChangeMetricName = 'duration' | 'failure_rate' | 'runs';

export interface ChangeStart {
  metric: ChangeMetricName;
  /** Canonical UTC: the first run of the new segment, or the start of its first UTC day (runs). */
  startedAt: string;
  /** That run's 1-based position among the skill's runs. */
  startRun: number | null;
}

/**
 * A moment in the reader's time zone and language: "Tue, Mar 3, 2:02 PM"; with the year when it is not
 * this year's. A runs-per-day change begins with a UTC day (the detector counts UTC days), so it is
 * that day's date alone, read in UTC: in local time it would be the evening before, west of Greenwich.
 */
export function formatMoment(timestamp: string, metric: ChangeMetricName = 'duration', now: Date = new Date()): string {
  const at = new Date(timestamp);
  const year = at.getFullYear() === now.getFullYear() ? undefined : 'numeric';
  if (metric === 'runs') return at.toLocaleDateString(undefined, { weekday: 'short', month: 'short', day: 'numeric', year, timeZone: 'UTC' });
  return at.toLocaleString(undefined, { weekday: 'short', month: 'short', day: 'numeric', year, hour: 'numeric', minute: '2-digit' });
}

/** "Tue, Mar 3, 2:02 PM (run 201)": the moment, and the run a user can find in their history. */
export function changeStartWords(c: ChangeStart, now: Date = new Date()): string {
  const moment = formatMoment(c.startedAt, c.metric, now);
  return c.startRun === null ? moment : `${moment} (run ${c.startRun})`;
}

const METRIC_WORDS: Record<ChangeMetricName, string> = { duration: 'duration', failure_rate: 'failure rate', runs: 'runs per day' };

/** What a metric measures, in words: "duration", "failure rate", "runs per day". */
export function metricWords(metric: ChangeMetricName): string {
  return METRIC_WORDS[metric];
}
