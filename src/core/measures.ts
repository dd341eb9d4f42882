/**
 * One definition per number, as SQL over skill_invocation rows, used by every view of it (CLI,
 * real-time, dashboard, trend, hourly series, agent tools) so that the same runs always give the
 * same figure:
 * - mean duration: over the runs that recorded a duration, whatever their outcome (NULL, shown as
 *   "–", when none did; a run without a duration is not a run of 0 s);
 * - completion rate: completed runs over all runs, 0..1.
 * The anchor's own skill_metrics columns keep the anchor's definitions (completed runs only, a
 * missing duration counted as 0, percent) for the Python tool and the anchor's WebSocket dialect;
 * rateFromPercent reads such a percent as a rate.
 */
export function meanDuration(alias = ''): string {
  return `AVG(${alias ? `${alias}.` : ''}duration_seconds)`;
}

export function completionRate(alias = ''): string {
  return `AVG(CASE WHEN ${alias ? `${alias}.` : ''}completed = 1 THEN 1.0 ELSE 0.0 END)`;
}

/** Log-scale analytics (anomalies, change points) take a duration of 0 s (rounded timings) as 1 ms, so that its logarithm exists. */
export const MIN_DURATION_SECONDS = 0.001;

/** A percent column (skill_metrics.completion_rate) as a rate 0..1. */
export function rateFromPercent(column: string): string {
  return `(${column} / 100.0)`;
}
