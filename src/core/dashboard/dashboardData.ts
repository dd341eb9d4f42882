import { compareAgentAndHuman, type SourceComparison } from '../analytics/agentVsHuman';
import { getOpenAnomalies, type StoredAnomaly } from '../analytics/anomalies';
import { getSkillTrend, getTrendSeries, type SkillTrend, type TrendSeries } from '../analytics/trend';
import { maxOf } from '../collections';
import { lastDays, type CalendarDay, type DayBoundary } from '../days';
import { DEMO_SOURCE } from '../demo/demoHistory';
import { completionRate, meanDuration } from '../measures';
import { all, one } from '../store/statements';
import type { Store } from '../store/storeInterface';
import { projectCondition } from '../tracking/project';
import { anomalyMessage } from './alerts';
import { chartChanges, openRegressions, regressionReport, type ChangeMark, type ChartChange } from './changeMarks';

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
  /** Its change points in the range, and its open regressions from before it. */
  changes: ChartChange[];
}

/** An open anomaly and the skill's last run: detected_at is when it was noticed, not when the skill ran. */
export interface DashboardAnomaly extends StoredAnomaly {
  lastRunAt: string | null;
  /** The sentence its notification says too (alerts.ts). */
  message: string;
}

/** Whose runs the dashboard counts: every workspace's, or only those of the window's workspace. */
export type WorkspaceScope = 'all' | 'workspace';

export interface DashboardData {
  generatedAt: string;
  /** The store holds the generated demo history (npm start), which the page says. */
  demo: boolean;
  /** Anything was ever recorded, in any range or workspace: the empty state says how to begin when not. */
  recorded: boolean;
  /** The runs counted; `available` is false when the window has no folder to filter by. */
  scope: { workspace: WorkspaceScope; available: boolean };
  range: { days: number; boundary: DayBoundary; from: string; to: string };
  /** Over the range. */
  totals: { invocations: number; completionRate: number | null; skills: number; timeSpentSeconds: number };
  topSkills: TopSkillRow[];
  /** Every skill together, one point per day of the range. */
  timeline: DayPoint[];
  /** The most active skills of the range, busiest first. */
  series: SkillSeries[];
  /** The busiest day of any charted skill: one scale for every per-skill chart. */
  maxDailyRuns: number;
  /** Anomalies are detected over every run of a skill, so they are not filtered by workspace. */
  anomalies: DashboardAnomaly[];
  /** Open regressions, newest first; like anomalies, found over every run of a skill, so not filtered by workspace. */
  regressions: ChangeMark[];
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
  /** The window's workspace (tracking/project.ts), when it has a folder. */
  projectHash?: string;
  /** 'workspace' counts only that workspace's runs (default: all). */
  workspace?: WorkspaceScope;
}

/**
 * What every section reads: the range's days and bounds, and which runs count. A new section is a
 * function of this query and a field of DashboardData.
 */
interface RangeQuery {
  store: Store;
  days: CalendarDay[];
  since: string;
  until: string;
  now: Date;
  /** Set when only one workspace's runs count. */
  projectHash: string | undefined;
}

/** `invoked_at` in the range (and the workspace's sessions), for an invocation table aliased `alias`. */
function runsIn(q: RangeQuery, alias = ''): { sql: string; params: string[] } {
  const column = alias ? `${alias}.invoked_at` : 'invoked_at';
  const project = projectCondition(q.projectHash, alias);
  return { sql: `${column} >= ? AND ${column} < ?${project.sql}`, params: [q.since, q.until, ...project.params] };
}

/** One VALUES table of the days' bounds, so each day is one range of an index. */
function daysTable(days: CalendarDay[]): { sql: string; params: string[] } {
  return { sql: `d(date, start, finish) AS (VALUES ${days.map(() => '(?, ?, ?)').join(', ')})`, params: days.flatMap((d) => [d.date, d.start, d.end]) };
}

function dailyPoints(q: RangeQuery, skill?: string): DayPoint[] {
  const table = daysTable(q.days);
  const project = projectCondition(q.projectHash, 'i');
  const rows = all<{ date: string; invocations: number; completed: number | null; rate: number | null; spent: number | null }>(
    q.store.db,
    `WITH ${table.sql}
     SELECT d.date AS date, COUNT(i.invoked_at) AS invocations, SUM(i.completed = 1) AS completed,
            ${completionRate('i')} AS rate, SUM(i.duration_seconds) AS spent
     FROM d LEFT JOIN skill_invocation i ON ${skill === undefined ? '' : 'i.skill_name = ? AND '}i.invoked_at >= d.start AND i.invoked_at < d.finish${project.sql}
     GROUP BY d.date ORDER BY d.date`,
    // The CTE's parameters come first in the statement, then the join's.
    [...table.params, ...(skill === undefined ? [] : [skill]), ...project.params],
  );
  return rows.map((r) => ({
    date: r.date,
    invocations: r.invocations,
    completed: Number(r.completed ?? 0),
    completionRate: r.invocations > 0 ? r.rate : null,
    timeSpentSeconds: Number(r.spent ?? 0),
  }));
}

function totalsOf(q: RangeQuery): DashboardData['totals'] {
  const range = runsIn(q);
  const row = one<{ n: number; ok: number | null; skills: number; spent: number | null }>(
    q.store.db,
    `SELECT COUNT(*) AS n, SUM(completed = 1) AS ok, COUNT(DISTINCT skill_name) AS skills, SUM(duration_seconds) AS spent FROM skill_invocation WHERE ${range.sql}`,
    range.params,
  ) ?? { n: 0, ok: 0, skills: 0, spent: 0 };
  return { invocations: row.n, completionRate: row.n > 0 ? Number(row.ok ?? 0) / row.n : null, skills: row.skills, timeSpentSeconds: Number(row.spent ?? 0) };
}

function topSkillsOf(q: RangeQuery, limit: number): TopSkillRow[] {
  const range = runsIn(q);
  return all<TopSkillRow>(
    q.store.db,
    `SELECT skill_name AS skill, COUNT(*) AS invocations, ${completionRate()} AS completionRate, ${meanDuration()} AS avgDurationSeconds,
            COALESCE(SUM(duration_seconds), 0) AS timeSpentSeconds, MAX(invoked_at) AS lastInvoked
     FROM skill_invocation WHERE ${range.sql}
     GROUP BY skill_name ORDER BY invocations DESC, skill_name LIMIT ?`,
    [...range.params, limit],
  );
}

function skillsOf(q: RangeQuery): string[] {
  const range = runsIn(q);
  return all<{ skill_name: string }>(q.store.db, `SELECT DISTINCT skill_name FROM skill_invocation WHERE ${range.sql} ORDER BY skill_name`, range.params).map((r) => r.skill_name);
}

/** Open anomalies with the last run of their skill (over every run: that is what detection looks at). */
function anomaliesOf(store: Store): DashboardAnomaly[] {
  return getOpenAnomalies(store, { limit: 20 }).map((a) => ({
    ...a,
    message: anomalyMessage(a),
    lastRunAt: one<{ at: string | null }>(store.db, 'SELECT MAX(invoked_at) AS at FROM skill_invocation WHERE skill_name = ?', [a.skill_name])?.at ?? null,
  }));
}

/** Everything the dashboard shows, read from the replica in one go. */
export function getDashboardData(store: Store, options: DashboardOptions = {}): DashboardData {
  const now = options.now ?? new Date();
  const boundary = options.boundary ?? 'local';
  const count = options.days ?? 14;
  const days = lastDays(count, now, boundary);
  const available = options.projectHash !== undefined;
  const workspace: WorkspaceScope = available && options.workspace === 'workspace' ? 'workspace' : 'all';
  const projectHash = workspace === 'workspace' ? options.projectHash : undefined;
  const q: RangeQuery = { store, days, since: days[0].start, until: days[days.length - 1].end, now, projectHash };
  const topSkills = topSkillsOf(q, options.topLimit ?? 10);
  const skills = skillsOf(q);
  const charted = topSkills.slice(0, options.chartSkills ?? 5).map((r) => r.skill);
  const changes = regressionReport(store, now);
  const series = charted.map((skill) => ({ skill, days: dailyPoints(q, skill), changes: chartChanges(changes, skill, days) }));
  const trendSkill = options.trendSkill && skills.includes(options.trendSkill) ? options.trendSkill : topSkills[0]?.skill;
  return {
    generatedAt: now.toISOString(),
    demo: isDemoStore(store),
    recorded: hasRecordedRuns(store),
    scope: { workspace, available },
    range: { days: count, boundary, from: days[0].date, to: days[days.length - 1].date },
    totals: totalsOf(q),
    topSkills,
    timeline: dailyPoints(q),
    series,
    maxDailyRuns: maxOf(series.flatMap((s) => s.days.map((d) => d.invocations)), 0),
    anomalies: anomaliesOf(store),
    regressions: openRegressions(changes),
    trends: charted.map((skill) => getSkillTrend(store, skill, { days: 7, metric: 'completion_rate', now, projectHash })),
    skills,
    trendChart: trendSkill ? getTrendSeries(store, trendSkill, { days: count, metric: 'completion_rate', now, projectHash }) : null,
    agentVsHuman: compareAgentAndHuman(store, { since: q.since, until: q.until, limit: 10, projectHash }),
  };
}

export function isDemoStore(store: Store): boolean {
  return one<{ x: number }>(store.db, 'SELECT 1 AS x FROM skill_sessions WHERE source = ? LIMIT 1', [DEMO_SOURCE]) !== undefined;
}

/** Whether anything was ever recorded (what the empty states tell a new user). */
export function hasRecordedRuns(store: Store): boolean {
  return one<{ x: number }>(store.db, 'SELECT 1 AS x FROM skill_metrics WHERE total_invocations > 0 LIMIT 1') !== undefined;
}
