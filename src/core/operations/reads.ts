import type { SqlDatabase } from '../store/sqlDatabase';
import type { Store } from '../store/storeInterface';
import { SkillTracker, type SkillCount, type SkillMetrics, type TopSkill } from '../tracking/tracker';

/**
 * The reads the CLI asks of a store, written once so that an answer is the same whether the store
 * host gives it or the CLI opens the store itself.
 */

/** The caller named something that is not there (a skill never recorded): exit 1 in the CLI, not a usage error. */
export class NotFoundError extends Error {}

export interface MetricsQuery {
  skill?: string;
  limit: number;
}

export type MetricsAnswer = { skill: SkillMetrics } | { skills: TopSkill[] };

/** Whether anything was ever recorded for the skill (counters or rows). */
export function isKnownSkill(db: SqlDatabase, skill: string): boolean {
  const name = skill.trim();
  return db.exec('SELECT 1 FROM skill_metrics WHERE skill_name = ? AND total_invocations > 0 UNION ALL SELECT 1 FROM skill_invocation WHERE skill_name = ? LIMIT 1', [name, name]).length > 0;
}

export function unknownSkill(skill: string): NotFoundError {
  return new NotFoundError(`no invocations of "${skill}" recorded`);
}

/** `metrics`: one skill's metrics, or the most used skills. Metrics are the same for every user, so no user is needed. */
export function readMetrics(store: Store, query: MetricsQuery): MetricsAnswer {
  const tracker = new SkillTracker(store, '');
  if (query.skill === undefined) return { skills: tracker.getTopSkills(query.limit) };
  if (!isKnownSkill(store.db, query.skill)) throw unknownSkill(query.skill);
  const metrics = tracker.getSkillMetrics(query.skill);
  if (!metrics) throw unknownSkill(query.skill);
  return { skill: metrics };
}

/** The most used skills with their counters (no mean duration: a pick list of many skills reads only the counters). */
export function readSkillCounts(store: Store, limit: number): SkillCount[] {
  return new SkillTracker(store, 'reader').getSkillCounts(limit);
}
