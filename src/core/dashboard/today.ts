import { getOpenAnomalies, type StoredAnomaly } from '../analytics/anomalies';
import { all, one } from '../store/statements';
import type { SkillStore } from '../store/store';

export interface SkillCount {
  skill: string;
  invocations: number;
  /** 0..1 */
  completionRate: number;
}

/** Today's activity (the UTC day), for the status bar. */
export interface TodaySummary {
  invocations: number;
  completed: number;
  /** 0..1; null when nothing ran today. */
  completionRate: number | null;
  topSkills: SkillCount[];
  openAnomalies: number;
  latestAnomaly: StoredAnomaly | undefined;
}

/** The start of the UTC day holding `now` and of the next one, as canonical timestamps. */
export function utcDayBounds(now: Date): { start: string; end: string } {
  const start = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return { start: new Date(start).toISOString(), end: new Date(start + 86_400_000).toISOString() };
}

export function getTodaySummary(store: SkillStore, now: Date = new Date()): TodaySummary {
  const { start, end } = utcDayBounds(now);
  const totals = one<{ n: number; ok: number | null }>(
    store.db,
    'SELECT COUNT(*) AS n, SUM(completed) AS ok FROM skill_invocation WHERE invoked_at >= ? AND invoked_at < ?',
    [start, end],
  ) ?? { n: 0, ok: 0 };
  const topSkills = all<{ skill: string; invocations: number; completionRate: number }>(
    store.db,
    `SELECT skill_name AS skill, COUNT(*) AS invocations, AVG(CASE WHEN completed = 1 THEN 1.0 ELSE 0.0 END) AS completionRate
     FROM skill_invocation WHERE invoked_at >= ? AND invoked_at < ?
     GROUP BY skill_name ORDER BY invocations DESC, skill_name LIMIT 3`,
    [start, end],
  );
  const open = one<{ n: number }>(store.db, 'SELECT COUNT(*) AS n FROM skill_anomalies WHERE resolved_at IS NULL')?.n ?? 0;
  const completed = Number(totals.ok ?? 0);
  return {
    invocations: totals.n,
    completed,
    completionRate: totals.n > 0 ? completed / totals.n : null,
    topSkills,
    openAnomalies: open,
    latestAnomaly: open > 0 ? getOpenAnomalies(store, { limit: 1 })[0] : undefined,
  };
}

/** The status bar text: `$(pulse) 3 · 67%` (a codicon, runs today, completed share), `$(pulse) 0 · –` without runs. */
export function statusText(summary: Pick<TodaySummary, 'invocations' | 'completionRate'>): string {
  const rate = summary.completionRate === null ? '–' : `${Math.round(summary.completionRate * 100)}%`;
  return `$(pulse) ${summary.invocations} · ${rate}`;
}
