import { compareAgentAndHuman, type SourceComparison } from '../analytics/agentVsHuman';
import { getOpenAnomalies, type StoredAnomaly } from '../analytics/anomalies';
import { getSkillTrend, getTrendSeries, type SkillTrend, type TrendSeries } from '../analytics/trend';
import { lastDays, type CalendarDay, type DayBoundary } from '../days';
import { DEMO_SOURCE } from '../demo/demoHistory';
import { completionRate, meanDuration } from '../measures';
import { all, one } from '../store/statements';
import type { Store } from '../store/storeInterface';
import { maxOf } from '../collections';


export interface TopSkillRow {
  skill: string;
  invocations: number;
  /** 0..1 */
  completionRate: number;
  /** Over the runs that recorded one (core/measures.ts); null when none did. */
  avgDurationSeconds: number | null;
  /** Sum of the recorded durations. */
  timeSpentSeconds: number;
  lastInvoked: string | null;
}

export interface DayPoint {
  /** YYYY-MM-DD in the chosen calendar (the user's local day unless set to UTC). */
  date: string;
  invocations: number;
  completed: number;
  /** 0..1; null on a day without runs ("no runs" is not "0% completed"). */
  completionRate: number | null;
  /** Sum of the durations recorded that day. */
  timeSpentSeconds: number;
}

export interface SkillSeries {
  skill: string;
  days: DayPoint[];
}

export interface DashboardData {
  generatedAt: string;
  /** The store holds the generated demo history (npm start), which the page says. */
  demo: boolean;
  range: { days: number; boundary: DayBoundary; from: string; to: string };
  /** Over the range. */
  totals: { invocations: number; completionRate: number | null; skills: number; timeSpentSeconds: number };
  topSkills: TopSkillRow[];
  /** Every skill together, one point per day of the range. */
  timeline: DayPoint[];
  /** The most active skills of the range, in alphabetical order (a stable place for each). */
  series: SkillSeries[];
  /** The busiest day of any charted skill: one scale for every per-skill chart. */
  maxDailyRuns: number;
  anomalies: StoredAnomaly[];
  /** The 7-day completion-rate trend of each charted skill. */
  trends: SkillTrend[];
  /** Skills run in the range, by name: the choice for the trend chart. */
  skills: string[];
  /** The completion trend of the chosen skill over the range, with its daily values and fitted line. */
  trendChart: TrendSeries | null;
  /** Skills both an AI agent and the developer ran in the range: each side's completion rate. */
  agentVsHuman: SourceComparison[];
}

export interface DashboardOptions {
  days?: number;
  boundary?: DayBoundary;
  /** The skill of the trend chart (default: the most active one). */
  trendSkill?: string;
  chartSkills?: number;
  topLimit?: number;
  now?: Date;
}

/** One VALUES table of the days' bounds, so each day is one range of an index. */
function daysTable(days: CalendarDay[]): { sql: string; params: string[] } {
  return { sql: `d(date, start, finish) AS (VALUES ${days.map(() => '(?, ?, ?)').join(', ')})`, params: days.flatMap((d) => [d.date, d.start, d.end]) };
}

function dailyPoints(store: Store, days: CalendarDay[], skill?: string): DayPoint[] {
  const table = daysTable(days);
  const rows = all<{ date: string; invocations: number; completed: number | null; rate: number | null; spent: number | null }>(
    store.db,
    `WITH ${table.sql}
     SELECT d.date AS date, COUNT(i.invoked_at) AS invocations, SUM(i.completed = 1) AS completed,
            ${completionRate('i')} AS rate, SUM(i.duration_seconds) AS spent
     FROM d LEFT JOIN skill_invocation i ON ${skill === undefined ? '' : 'i.skill_name = ? AND '}i.invoked_at >= d.start AND i.invoked_at < d.finish
     GROUP BY d.date ORDER BY d.date`,
    // The CTE's parameters come first in the statement, then the skill of the join.
    skill === undefined ? table.params : [...table.params, skill],
  );
  return rows.map((r) => ({
    date: r.date,
    invocations: r.invocations,
    completed: Number(r.completed ?? 0),
    completionRate: r.invocations > 0 ? r.rate : null,
    timeSpentSeconds: Number(r.spent ?? 0),
  }));
}

/** Everything the dashboard shows, read from the replica in one go. */
export function getDashboardData(store: Store, options: DashboardOptions = {}): DashboardData {
  const now = options.now ?? new Date();
  const boundary = options.boundary ?? 'local';
  const count = options.days ?? 14;
  const days = lastDays(count, now, boundary);
  const since = days[0].start;
  const until = days[days.length - 1].end;
  const totals = one<{ n: number; ok: number | null; skills: number; spent: number | null }>(
    store.db,
    'SELECT COUNT(*) AS n, SUM(completed = 1) AS ok, COUNT(DISTINCT skill_name) AS skills, SUM(duration_seconds) AS spent FROM skill_invocation WHERE invoked_at >= ? AND invoked_at < ?',
    [since, until],
  ) ?? { n: 0, ok: 0, skills: 0, spent: 0 };
  const topSkills = all<TopSkillRow>(
    store.db,
    `SELECT skill_name AS skill, COUNT(*) AS invocations, ${completionRate()} AS completionRate, ${meanDuration()} AS avgDurationSeconds,
            COALESCE(SUM(duration_seconds), 0) AS timeSpentSeconds, MAX(invoked_at) AS lastInvoked
     FROM skill_invocation WHERE invoked_at >= ? AND invoked_at < ?
     GROUP BY skill_name ORDER BY invocations DESC, skill_name LIMIT ?`,
    [since, until, options.topLimit ?? 10],
  );
  const skills = all<{ skill_name: string }>(store.db, 'SELECT DISTINCT skill_name FROM skill_invocation WHERE invoked_at >= ? AND invoked_at < ? ORDER BY skill_name', [since, until]).map((r) => r.skill_name);
  const charted = topSkills.slice(0, options.chartSkills ?? 5).map((r) => r.skill).sort();
  const series = charted.map((skill) => ({ skill, days: dailyPoints(store, days, skill) }));
  const trendSkill = options.trendSkill && skills.includes(options.trendSkill) ? options.trendSkill : topSkills[0]?.skill;
  return {
    generatedAt: now.toISOString(),
    demo: isDemoStore(store),
    range: { days: count, boundary, from: days[0].date, to: days[days.length - 1].date },
    totals: { invocations: totals.n, completionRate: totals.n > 0 ? Number(totals.ok ?? 0) / totals.n : null, skills: totals.skills, timeSpentSeconds: Number(totals.spent ?? 0) },
    topSkills,
    timeline: dailyPoints(store, days),
    series,
    maxDailyRuns: maxOf(series.flatMap((s) => s.days.map((d) => d.invocations)), 0),
    anomalies: getOpenAnomalies(store, { limit: 20 }),
    trends: charted.map((skill) => getSkillTrend(store, skill, { days: 7, metric: 'completion_rate', now })),
    skills,
    trendChart: trendSkill ? getTrendSeries(store, trendSkill, { days: count, metric: 'completion_rate', now }) : null,
    agentVsHuman: compareAgentAndHuman(store, { since, until, limit: 10 }),
  };
}

export function isDemoStore(store: Store): boolean {
  return one<{ x: number }>(store.db, 'SELECT 1 AS x FROM skill_sessions WHERE source = ? LIMIT 1', [DEMO_SOURCE]) !== undefined;
}

/** Whether anything was ever recorded (what the empty states tell a new user). */
export function hasRecordedRuns(store: Store): boolean {
  return one<{ x: number }>(store.db, 'SELECT 1 AS x FROM skill_metrics WHERE total_invocations > 0 LIMIT 1') !== undefined;
}
