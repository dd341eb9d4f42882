import { all, one } from '../store/statements';
import type { Store } from '../store/storeInterface';
import { rateFromPercent } from '../measures';
import { UnknownSessionError, positiveInteger, requireName } from '../validation';
import { readMeanDuration } from './durationMeans';
import { RunRecorder } from './runRecorder';
import { sessionRow, storeSessions } from './sessionLookup';

export interface SkillMetrics {
  skill_name: string;
  total_invocations: number;
  completed_invocations: number;
  abandoned_invocations: number;
  /** 0..1 (the table stores percent, as the anchor did). */
  completion_rate: number;
  /** Over the runs that recorded a duration (core/measures.ts); null when none did. */
  avg_duration_seconds: number | null;
  total_duration_seconds: number;
  first_invoked: string | null;
  last_invoked: string | null;
  workflow_paths: Record<string, number>;
  common_errors: Record<string, number>;
  follow_up_actions: Record<string, number>;
}

export interface SessionSummary {
  session_id: string;
  user_id: string | null;
  started_at: string | null;
  ended_at: string | null;
  unique_skills: number;
  total_invocations: number;
  completed_count: number;
  abandoned_count: number;
  total_duration_seconds: number;
  first_skill_at: string | null;
  last_skill_at: string | null;
}

/** A skill's counters as skill_metrics keeps them: cheap to read for any number of skills. */
export interface SkillCount {
  skill_name: string;
  total_invocations: number;
  completion_rate: number;
  last_invoked: string | null;
}

export interface TopSkill extends SkillCount {
  avg_duration_seconds: number | null;
}

/** The V3 tracking API on top of the durable store: recording (RunRecorder) and the reads of what was recorded. */
export class SkillTracker extends RunRecorder {
  constructor(private readonly store: Store, defaultUserId: string) {
    super(store, storeSessions(store), defaultUserId);
  }

  getSkillMetrics(skillName: string): SkillMetrics | undefined {
    const name = requireName('skillName', skillName);
    const row = one<Record<string, unknown>>(this.store.db, `SELECT *, ${rateFromPercent('completion_rate')} AS rate FROM skill_metrics WHERE skill_name = ?`, [name]);
    if (!row) return undefined;
    return {
      skill_name: String(row.skill_name),
      total_invocations: Number(row.total_invocations),
      completed_invocations: Number(row.completed_invocations),
      abandoned_invocations: Number(row.abandoned_invocations),
      completion_rate: Number(row.rate),
      avg_duration_seconds: readMeanDuration(this.store, name),
      total_duration_seconds: Number(row.total_duration_seconds),
      first_invoked: row.first_invoked as string | null,
      last_invoked: row.last_invoked as string | null,
      workflow_paths: parseCounts(row.workflow_paths),
      common_errors: parseCounts(row.common_errors),
      follow_up_actions: parseCounts(row.follow_up_actions),
    };
  }

  getSessionSummary(sessionId: string): SessionSummary {
    const id = requireName('sessionId', sessionId);
    const session = sessionRow(this.store, id);
    const stats = one<Omit<SessionSummary, 'user_id' | 'started_at' | 'ended_at'>>(this.store.db, 'SELECT * FROM v_session_skill_summary WHERE session_id = ?', [id]);
    if (!session && !stats) throw new UnknownSessionError(id);
    return {
      session_id: id,
      user_id: session?.user_id ?? null,
      started_at: session?.started_at ?? null,
      ended_at: session?.ended_at ?? null,
      unique_skills: stats?.unique_skills ?? 0,
      total_invocations: stats?.total_invocations ?? 0,
      completed_count: stats?.completed_count ?? 0,
      abandoned_count: stats?.abandoned_count ?? 0,
      total_duration_seconds: stats?.total_duration_seconds ?? 0,
      first_skill_at: stats?.first_skill_at ?? null,
      last_skill_at: stats?.last_skill_at ?? null,
    };
  }

  /** The most-run skills, from the counters alone (what a skill picker shows). */
  getSkillCounts(limit = 10): SkillCount[] {
    const n = positiveInteger('limit', limit, 10, 1000);
    return all<SkillCount>(
      this.store.db,
      `SELECT skill_name, total_invocations, ${rateFromPercent('completion_rate')} AS completion_rate, last_invoked
       FROM skill_metrics WHERE total_invocations > 0 ORDER BY total_invocations DESC, skill_name LIMIT ?`,
      [n],
    );
  }

  /**
   * The most-run skills with their mean duration, which has to read each skill's runs (the counters
   * do not know which runs recorded a duration): use getSkillCounts where the mean is not shown.
   */
  getTopSkills(limit = 10): TopSkill[] {
    return this.getSkillCounts(limit).map((s) => ({
      ...s,
      avg_duration_seconds: readMeanDuration(this.store, s.skill_name),
    }));
  }
}

function parseCounts(value: unknown): Record<string, number> {
  try {
    const parsed = JSON.parse(String(value ?? '{}')) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, number>) : {};
  } catch {
    return {};
  }
}
