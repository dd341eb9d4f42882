import { getOpenAnomalies, type StoredAnomaly } from '../analytics/anomalies';
import { getSkillTrend, type SkillTrend } from '../analytics/trend';
import { all, one } from '../store/statements';
import type { SkillStore } from '../store/store';

export interface TopSkillRow {
  skill: string;
  invocations: number;
  /** 0..1 */
  completionRate: number;
  avgDurationSeconds: number | null;
  lastInvoked: string | null;
}

export interface DayPoint {
  /** YYYY-MM-DD (UTC) */
  date: string;
  invocations: number;
  /** 0..1; null on a day without runs. */
  completionRate: number | null;
}

export interface SkillSeries {
  skill: string;
  days: DayPoint[];
}


export interface DashboardData {
  generatedAt: string;
  totals: { invocations: number; completionRate: number | null; skills: number };
  topSkills: TopSkillRow[];
  /** Daily invocations and completion of the most active skills of the window. */
  series: SkillSeries[];
  anomalies: StoredAnomaly[];
  /** The 7-day completion-rate trend of each charted skill. */
  trends: SkillTrend[];
}

export interface DashboardOptions {
  days?: number;
  chartSkills?: number;
  topLimit?: number;
  now?: Date;
}

function dayList(days: number, now: Date): string[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: days }, (_, i) => new Date(today - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

function skillSeries(store: SkillStore, skill: string, dates: string[]): SkillSeries {
  const rows = all<{ day: string; n: number; rate: number }>(
    store.db,
    `SELECT substr(invoked_at, 1, 10) AS day, COUNT(*) AS n, AVG(CASE WHEN completed = 1 THEN 1.0 ELSE 0.0 END) AS rate
     FROM skill_invocation WHERE skill_name = ? AND invoked_at >= ? GROUP BY day`,
    [skill, `${dates[0]}T00:00:00.000Z`],
  );
  const byDay = new Map(rows.map((r) => [r.day, r]));
  return {
    skill,
    days: dates.map((date) => {
      const row = byDay.get(date);
      return { date, invocations: row?.n ?? 0, completionRate: row ? row.rate : null };
    }),
  };
}

/** Everything the dashboard shows, read from the replica in one go. */
export function getDashboardData(store: SkillStore, options: DashboardOptions = {}): DashboardData {
  const now = options.now ?? new Date();
  const dates = dayList(options.days ?? 14, now);
  const since = `${dates[0]}T00:00:00.000Z`;
  const totals = one<{ n: number; ok: number; skills: number }>(
    store.db,
    'SELECT COALESCE(SUM(total_invocations), 0) AS n, COALESCE(SUM(completed_invocations), 0) AS ok, COUNT(*) AS skills FROM skill_metrics WHERE total_invocations > 0',
  ) ?? { n: 0, ok: 0, skills: 0 };
  const topSkills = all<TopSkillRow>(
    store.db,
    `SELECT skill_name AS skill, total_invocations AS invocations, completion_rate / 100.0 AS completionRate,
            avg_duration_seconds AS avgDurationSeconds, last_invoked AS lastInvoked
     FROM skill_metrics WHERE total_invocations > 0 ORDER BY total_invocations DESC, skill_name LIMIT ?`,
    [options.topLimit ?? 10],
  );
  const active = all<{ skill_name: string }>(
    store.db,
    'SELECT skill_name FROM skill_invocation WHERE invoked_at >= ? GROUP BY skill_name ORDER BY COUNT(*) DESC, skill_name LIMIT ?',
    [since, options.chartSkills ?? 5],
  ).map((r) => r.skill_name);
  return {
    generatedAt: now.toISOString(),
    totals: { invocations: totals.n, completionRate: totals.n > 0 ? totals.ok / totals.n : null, skills: totals.skills },
    topSkills,
    series: active.map((skill) => skillSeries(store, skill, dates)),
    anomalies: getOpenAnomalies(store, { limit: 20 }),
    trends: active.map((skill) => getSkillTrend(store, skill, { days: 7, metric: 'completion_rate', now })),
  };
}

/** Whether anything was ever recorded (what the empty states tell a new user). */
export function hasRecordedRuns(store: SkillStore): boolean {
  return one<{ x: number }>(store.db, 'SELECT 1 AS x FROM skill_metrics WHERE total_invocations > 0 LIMIT 1') !== undefined;
}
