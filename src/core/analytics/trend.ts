/**
 * Trend of one skill: a least-squares line through its daily values with the slope's p-value.
 *
 * "Days" are the 24-hour periods ending now (day 0 is the last 24 hours), so every point covers a
 * whole day: calendar days would make today's invocation count look like a collapse every morning.
 * Days without invocations are gaps for rates and durations, and zeros for the invocation count
 * (from the skill's first day in the window on).
 */
import { one } from '../store/statements';
import type { Store } from '../store/storeInterface';
import { ValidationError, positiveInteger, requireName } from '../validation';
import { referenceTime } from './monitoringOptions';
import { leastSquares } from './statistics';
import { completionRate, meanDuration } from '../measures';
import { projectCondition } from '../tracking/project';
import { plural } from '../../shared/words';

export const TREND_METRICS = ['completion_rate', 'avg_duration_seconds', 'invocation_count'] as const;
export type TrendMetric = (typeof TREND_METRICS)[number];
export type TrendDirection = 'improving' | 'declining' | 'stable' | 'insufficient_data';

export interface SkillTrend {
  skill_name: string;
  metric: TrendMetric;
  trend: TrendDirection;
  /** Change per day (rates 0..1 per day; seconds per day; invocations per day). */
  slope: number | null;
  /** Two-sided p-value of slope ≠ 0; a trend needs p < SIGNIFICANCE. */
  p_value: number | null;
  /** The first and last daily values. */
  start_value: number | null;
  end_value: number | null;
  /** (end − start) / |start| · 100; null when start is 0 or missing. */
  change_percent: number | null;
  /** Daily values used. */
  days: number;
  /** Why there is no trend, when there is none (too little data is an answer, not an error). */
  reason: string | null;
}

export interface TrendOptions {
  days?: number;
  metric?: TrendMetric;
  now?: Date;
  /** Only the runs of one workspace (tracking/project.ts); default every run. */
  projectHash?: string;
}

export const SIGNIFICANCE = 0.05;
export const MIN_TREND_DAYS = 3;
const DAY_MS = 86_400_000;

interface DailyRow {
  day: number;
  invocations: number;
  completion_rate: number;
  avg_duration_seconds: number | null;
}

/** The daily values a trend is fitted through, and the fitted line, for a chart. */
export interface TrendSeries {
  trend: SkillTrend;
  /** x: days since the oldest period with data; y: the metric that day; oldest first. */
  points: { x: number; y: number }[];
  /** How many 24-hour periods the points span back from now (x = span − 1 is the last 24 hours). */
  span: number;
  /** The least-squares line y = intercept + slope·x, when there are enough days for a trend. */
  fit: { intercept: number; slope: number } | null;
}

export function getSkillTrend(store: Store, skill: string, options: TrendOptions = {}): SkillTrend {
  return getTrendSeries(store, skill, options).trend;
}

export function getTrendSeries(store: Store, skill: string, options: TrendOptions = {}): TrendSeries {
  const name = requireName('skill', skill);
  const metric = trendMetric(options.metric);
  const days = positiveInteger('days', options.days, 7, 3660);
  const now = referenceTime(options.now);
  const rows = dailyRows(store, name, days, now, options.projectHash);
  const points = dailyPoints(rows, metric);
  const series = { points: points.map(([x, y]) => ({ x, y })), span: rows.length ? rows[0].day + 1 : 0 };
  const empty: SkillTrend = {
    skill_name: name,
    metric,
    trend: 'insufficient_data',
    slope: null,
    p_value: null,
    start_value: null,
    end_value: null,
    change_percent: null,
    days: points.length,
    reason: `${plural(points.length, 'day')} with runs in the last ${days}; a trend needs ${MIN_TREND_DAYS}`,
  };
  if (points.length < MIN_TREND_DAYS) return { trend: empty, ...series, fit: null };
  const fit = leastSquares(points);
  const start = points[0][1];
  const end = points[points.length - 1][1];
  return {
    trend: {
      ...empty,
      trend: direction(metric, fit.slope, fit.p_value ?? 1),
      slope: fit.slope,
      p_value: fit.p_value,
      start_value: start,
      end_value: end,
      change_percent: start === 0 ? null : ((end - start) / Math.abs(start)) * 100,
      reason: null,
    },
    ...series,
    fit: { intercept: fit.intercept, slope: fit.slope },
  };
}

function trendMetric(value: unknown): TrendMetric {
  if (value === undefined) return 'completion_rate';
  if (typeof value === 'string' && (TREND_METRICS as readonly string[]).includes(value)) return value as TrendMetric;
  throw new ValidationError('metric', `must be one of ${TREND_METRICS.join(', ')} (got ${JSON.stringify(value)})`);
}

/**
 * One aggregate per 24-hour period, counted back from now: period k holds (now − (k+1) days,
 * now − k days]. Each is a range of the (skill_name, invoked_at) index with bounds computed here,
 * which is cheaper than deriving a day number from every row. Periods without invocations are left out.
 */
function dailyRows(store: Store, skill: string, days: number, now: Date, projectHash: string | undefined): DailyRow[] {
  const rows: DailyRow[] = [];
  const end = now.getTime();
  const project = projectCondition(projectHash);
  for (let day = days - 1; day >= 0; day--) {
    const row = one<Omit<DailyRow, 'day'>>(
      store.db,
      `SELECT COUNT(*) AS invocations, ${completionRate()} AS completion_rate, ${meanDuration()} AS avg_duration_seconds
       FROM skill_invocation WHERE skill_name = ? AND invoked_at > ? AND invoked_at <= ?${project.sql}`,
      [skill, new Date(end - (day + 1) * DAY_MS).toISOString(), new Date(end - day * DAY_MS).toISOString(), ...project.params],
    );
    if (row && row.invocations > 0) rows.push({ day, ...row });
  }
  return rows;
}

/** [x, y] with x in days since the oldest period with data, oldest first. */
function dailyPoints(rows: DailyRow[], metric: TrendMetric): [number, number][] {
  if (rows.length === 0) return [];
  const oldest = rows[0].day;
  if (metric === 'invocation_count') {
    const counts = new Map(rows.map((r) => [r.day, r.invocations]));
    return Array.from({ length: oldest + 1 }, (_, i) => [i, counts.get(oldest - i) ?? 0]);
  }
  const points: [number, number][] = [];
  for (const r of rows) {
    const y = metric === 'completion_rate' ? r.completion_rate : r.avg_duration_seconds;
    if (y !== null) points.push([oldest - r.day, y]);
  }
  return points;
}

function direction(metric: TrendMetric, slope: number, p: number): TrendDirection {
  if (p >= SIGNIFICANCE || slope === 0) return 'stable';
  const rising = slope > 0;
  // A shorter duration is an improvement.
  return rising === (metric !== 'avg_duration_seconds') ? 'improving' : 'declining';
}
