import { getOpenAnomalies, type StoredAnomaly } from '../analytics/anomalies';
import { getOpenRegressions } from '../analytics/skillChanges';
import { dayOf, type CalendarDay, type DayBoundary } from '../days';
import { one } from '../store/statements';
import { dayCountsOf } from './dayCounts';
import type { Store } from '../store/storeInterface';
import { sumOf } from '../collections';
import { changeMark, type ChangeMark } from './changeMarks';

export interface SkillCount {
  skill: string;
  invocations: number;
  /** 0..1 */
  completionRate: number;
}

/** Today's activity (the local day unless UTC days are chosen), for the status bar. */
export interface TodaySummary {
  invocations: number;
  completed: number;
  /** 0..1; null when nothing ran today. */
  completionRate: number | null;
  topSkills: SkillCount[];
  /** Distinct skills run today (topSkills lists the first three). */
  skills: number;
  openAnomalies: number;
  latestAnomaly: StoredAnomaly | undefined;
  /** Open regressions, newest first (dashboard/changeMarks.ts). */
  openRegressions: ChangeMark[];
}

export function getTodaySummary(store: Store, now: Date = new Date(), boundary: DayBoundary = 'local'): TodaySummary {
  return summaryOfDay(store, dayOf(now, boundary), now);
}

/**
 * The summary of a day given as its range of stored timestamps: the store host answers a window
 * with it, so that the day is the window's (its time zone and setting), not the host's.
 */
export function summaryOfDay(store: Store, day: Pick<CalendarDay, 'start' | 'end'>, now: Date = new Date()): TodaySummary {
  // The day's runs per skill (kept current as runs arrive: dayCounts.ts), most run first; the totals and the top three come from it.
  const perSkill = dayCountsOf(store).of(day);
  const invocations = sumOf(perSkill.map((r) => r.invocations));
  const completed = sumOf(perSkill.map((r) => r.completed));
  const topSkills = perSkill
    .slice(0, 3)
    .map((r) => ({ skill: r.skill, invocations: r.invocations, completionRate: r.completed / r.invocations }));
  const open = one<{ n: number }>(store.db, 'SELECT COUNT(*) AS n FROM skill_anomalies WHERE resolved_at IS NULL')?.n ?? 0;
  return {
    invocations,
    completed,
    completionRate: invocations > 0 ? completed / invocations : null,
    topSkills,
    skills: perSkill.length,
    openAnomalies: open,
    latestAnomaly: open > 0 ? getOpenAnomalies(store, { limit: 1 })[0] : undefined,
    openRegressions: getOpenRegressions(store, now).map(changeMark),
  };
}

