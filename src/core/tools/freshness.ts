import { updateCommunityBaselines } from '../analytics/baselines';
import { updateSkillDependencies } from '../analytics/dependencies';
import { one } from '../store/statements';
import type { Store } from '../store/storeInterface';
import { hoursAgo } from '../time';
import type { ToolContext } from './tool';

/**
 * Derived tables the tools read are recomputed when they are older than this. The anchor rebuilt
 * the dependency table on every call; an hour keeps answers current without rewriting the table
 * (and growing the event log) on each question.
 */
export const MAX_AGE_HOURS = 1;

const NEWEST = {
  skill_dependencies: 'SELECT MAX(last_updated) AS newest FROM skill_dependencies',
  skill_community_baselines: 'SELECT MAX(last_updated) AS newest FROM skill_community_baselines',
} as const;

function isStale(store: Store, table: keyof typeof NEWEST): boolean {
  const newest = one<{ newest: string | null }>(store.db, NEWEST[table])?.newest ?? null;
  return newest === null || newest < hoursAgo(MAX_AGE_HOURS);
}

/**
 * Recomputes lift for every co-occurring pair when the stored network is missing or old, and
 * writing is allowed (never while tracking is paused): otherwise the stored network answers.
 */
export async function freshDependencies({ store, mayWrite }: ToolContext): Promise<boolean> {
  if (!mayWrite() || !isStale(store, 'skill_dependencies')) return false;
  await updateSkillDependencies(store);
  return true;
}

/** Recomputes the community baselines when they are missing or old and writing is allowed. */
export async function freshBaselines({ store, mayWrite }: ToolContext): Promise<boolean> {
  if (!mayWrite() || !isStale(store, 'skill_community_baselines')) return false;
  await updateCommunityBaselines(store);
  return true;
}
