/**
 * Candidate sources of the recommendation engine. Each is one small function from the store and
 * the context to scored candidates with a reason; the engine merges them. New strategies
 * (collaborative filtering, the predictor) are added as further sources.
 */
import { recommendFromSimilarUsers } from '../analytics/collaborative';
import { companionsOf, getSkillDependencies } from '../analytics/dependencies';
import { PredictorNotTrainedError, predictSkillSuccess } from '../analytics/predictor';
import { rateFromPercent } from '../measures';
import { all, one } from '../store/statements';
import type { Store } from '../store/storeInterface';
import type { Candidate, SuccessFigures } from './types';
import { maxOf } from '../collections';

/** Fewer shared sessions than this is too little evidence to call two skills related. */
const MIN_SHARED_SESSIONS = 2;
/** Below this lift, "used together" is indistinguishable from chance. */
const MIN_LIFT = 1.2;

function percent(rate: number): string {
  return `${Math.round(rate * 100)}%`;
}

function runs(n: number): string {
  return n === 1 ? '1 run' : `${n} runs`;
}

/**
 * What usually goes with the last skill, by lift over sessions (analytics/dependencies.ts): from the
 * dependency network once it has been computed (the extension refreshes it hourly), live before
 * that, when a new store is small enough for the live self-join to be cheap. The score grows with
 * the lift and with the number of shared sessions, so a lift seen twice weighs less than the same
 * lift seen twenty times.
 */
export function dependencyCandidates(store: Store, lastSkill: string | undefined, limit: number): Candidate[] {
  if (!lastSkill) return [];
  const rows = networkComputed(store)
    ? getSkillDependencies(store, lastSkill, { limit: limit * 4, minLift: MIN_LIFT })
        .filter((d) => d.co_occurrence_count >= MIN_SHARED_SESSIONS)
        .map((d) => ({ skill_name: d.skill_b, co: d.co_occurrence_count, lift: d.lift_score }))
    : companionsOf(store, lastSkill, { minShared: MIN_SHARED_SESSIONS, limit: limit * 4 });
  return rows
    .filter((r) => r.lift >= MIN_LIFT)
    .map((r) => ({
      skill: r.skill_name,
      score: (1 - 1 / r.lift) * (r.co / (r.co + 3)),
      reason: `Used in ${r.co} sessions together with ${lastSkill}, ${r.lift.toFixed(1)}× as often as chance.`,
      source: 'dependency' as const,
    }))
    .slice(0, limit);
}

/** Whether updateSkillDependencies has run: measured rows have a co-occurrence above the seeds' 1. */
function networkComputed(store: Store): boolean {
  return one(store.db, 'SELECT 1 AS x FROM skill_dependencies WHERE co_occurrence_count > 1 LIMIT 1') !== undefined;
}

/**
 * The skills used most, weighted by how often they complete: a popular skill that usually fails
 * is a weaker suggestion than one that usually works. Scores stay below the dependency scores of
 * a strong relation (at most 0.5), because popularity ignores what the user is doing now.
 */
export function popularityCandidates(store: Store, exclude: string | undefined, limit: number): Candidate[] {
  const rows = all<{ skill_name: string; total: number; rate: number }>(
    store.db,
    `SELECT skill_name, total_invocations AS total, ${rateFromPercent('completion_rate')} AS rate
     FROM skill_metrics WHERE total_invocations > 0
     ORDER BY total_invocations DESC, skill_name LIMIT ?`,
    [limit + 1],
  );
  const most = maxOf(rows.map((r) => r.total), 1);
  return rows
    .filter((r) => r.skill_name !== exclude)
    .map((r) => ({
      skill: r.skill_name,
      score: 0.5 * (Math.log1p(r.total) / Math.log1p(most)) * r.rate,
      reason: `One of your most used skills: ${runs(r.total)}, ${percent(r.rate)} completed.`,
      source: 'popularity' as const,
    }))
    .slice(0, limit);
}

/** A skill that failed a moment ago is worth running again once the cause is fixed. */
export function retryCandidates(recentFailures: readonly string[] | undefined): Candidate[] {
  return (recentFailures ?? []).slice(0, 3).map((skill, i) => ({
    skill,
    score: 0.7 - 0.1 * i,
    reason: `It failed recently; run it again to check your fix.`,
    source: 'retry' as const,
  }));
}

const TEST_SKILL_BY_LANGUAGE: Readonly<Record<string, { skill: string; name: string }>> = {
  python: { skill: 'pytest-run', name: 'Python tests' },
  typescript: { skill: 'npm-test', name: 'project tests' },
  typescriptreact: { skill: 'npm-test', name: 'project tests' },
  javascript: { skill: 'npm-test', name: 'project tests' },
  javascriptreact: { skill: 'npm-test', name: 'project tests' },
  rust: { skill: 'cargo-test', name: 'Rust tests' },
  go: { skill: 'go-test', name: 'Go tests' },
};

/** Editing a test file suggests running the tests of its language. */
export function contextCandidates(languageId: string | undefined, isTestFile: boolean | undefined): Candidate[] {
  const test = languageId ? TEST_SKILL_BY_LANGUAGE[languageId] : undefined;
  if (!test || !isTestFile) return [];
  return [{ skill: test.skill, score: 0.6, reason: `You are editing a test file; run the ${test.name}.`, source: 'context' }];
}

/** Users behind a collaborative answer are teammates: imported profiles or the team store's members. */
function teammates(n: number | undefined, unknown: string): string {
  if (n === undefined) return unknown;
  return n === 1 ? '1 teammate' : `${n} teammates`;
}

/**
 * What users with a similar history run and this user has not tried yet (Jaccard neighbours), or,
 * for a user without enough history, what the whole team completes most reliably.
 */
export function collaborativeCandidates(store: Store, userId: string, limit: number): Candidate[] {
  return recommendFromSimilarUsers(store, userId, { limit }).map((r) => ({
    skill: r.skill_name,
    score: Math.min(1, Math.max(0, r.score)),
    reason:
      r.source === 'collaborative_filtering'
        ? `${teammates(r.evidence, 'Several teammates')} with a history like yours run it; they complete it ${percent(r.completion_rate)} of the time.`
        : `Across ${teammates(r.evidence, 'all teammates')} it completes ${percent(r.completion_rate)} of the time; you have not tried it yet.`,
    source: r.source === 'collaborative_filtering' ? ('collaborative' as const) : ('community_baseline' as const),
  }));
}

/**
 * The predictor's probability that a run of the skill completes now (its session features count as
 * unknown); undefined while no model has been trained (too little data yet).
 */
export function predictedSuccess(store: Store, skill: string): number | undefined {
  try {
    return predictSkillSuccess(store, skill).probability;
  } catch (err) {
    if (err instanceof PredictorNotTrainedError) return undefined;
    throw err;
  }
}

/** How often this user's runs of each skill completed: one read of the user's rows per request. */
export function userSkillRates(store: Store, userId: string): Map<string, { n: number; ok: number }> {
  const rows = all<{ skill_name: string; n: number; ok: number | null }>(
    store.db,
    'SELECT skill_name, COUNT(*) AS n, SUM(completed) AS ok FROM skill_user_interactions WHERE user_id = ? GROUP BY skill_name',
    [userId],
  );
  return new Map(rows.map((r) => [r.skill_name, { n: r.n, ok: Number(r.ok ?? 0) }]));
}

/** The completed share of this user's runs of the skill, else of every recorded run; null when never run. */
export function observedSuccess(store: Store, skill: string, userRates: Map<string, { n: number; ok: number }>): SuccessFigures['observed'] {
  const own = userRates.get(skill);
  if (own && own.n > 0) return { completed: own.ok, runs: own.n, scope: 'yours' };
  const overall = one<{ n: number; ok: number }>(store.db, 'SELECT total_invocations AS n, completed_invocations AS ok FROM skill_metrics WHERE skill_name = ?', [skill]);
  return overall && overall.n > 0 ? { completed: overall.ok, runs: overall.n, scope: 'everyone' } : null;
}

/**
 * The chance that a run of the skill completes for this user, when no model says: the observed
 * share smoothed with one success and one failure (Laplace), so that a skill seen once is not
 * promised 100% and a skill never seen gets 0.5.
 */
export function smoothedSuccess(observed: SuccessFigures['observed']): number {
  return observed ? (observed.completed + 1) / (observed.runs + 2) : 0.5;
}
