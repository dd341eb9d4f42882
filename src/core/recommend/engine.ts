import { compareAgentAndHuman, comparisonSentence } from '../analytics/agentVsHuman';
import type { Store } from '../store/storeInterface';
import { hoursAgo, nowTimestamp } from '../time';
import { positiveInteger, requireName } from '../validation';
import { actionForSkill } from './skillCommands';
import {
  collaborativeCandidates,
  contextCandidates,
  dependencyCandidates,
  popularityCandidates,
  predictedSuccess,
  retryCandidates,
  observedSuccess,
  smoothedSuccess,
  userSkillRates,
} from './sources';
import { chooseStrategy, type StrategyName } from './strategy';
import type { Candidate, Recommendation, RecommendationContext, SuccessFigures } from './types';
import { appendAll } from '../collections';

/**
 * Candidates proposed by several sources for one skill are combined by noisy-or
 * (1 − Π(1 − score)): agreement raises the score, which stays within 0..1. The reason and source
 * shown are those of the strongest candidate.
 */
function merge(candidates: Candidate[]): Map<string, { best: Candidate; miss: number }> {
  const merged = new Map<string, { best: Candidate; miss: number }>();
  for (const candidate of candidates) {
    const score = Math.min(1, Math.max(0, candidate.score));
    const entry = merged.get(candidate.skill);
    if (!entry) merged.set(candidate.skill, { best: { ...candidate, score }, miss: 1 - score });
    else {
      entry.miss *= 1 - score;
      if (score > entry.best.score) entry.best = { ...candidate, score };
    }
  }
  return merged;
}

function collectCandidates(store: Store, context: RecommendationContext, limit: number, strategy: StrategyName): Candidate[] {
  const candidates: Candidate[] = [];
  if (strategy !== 'collaborative_context_predictor') {
    appendAll(appendAll(candidates, dependencyCandidates(store, context.lastSkill, limit)), popularityCandidates(store, context.lastSkill, limit));
  }
  if (strategy !== 'popularity_dependencies') {
    appendAll(appendAll(candidates, collaborativeCandidates(store, context.userId, limit)), contextCandidates(context.languageId, context.isTestFile));
  }
  appendAll(candidates, retryCandidates(context.recentFailures));
  return candidates;
}

/**
 * What is known of a candidate's success, and the estimate the ranking uses: the predictor's, once
 * a model is trained, else the observed share smoothed. The predictor strategies also weight the
 * score with it, so that a skill likely to fail right now ranks lower.
 */
function successFor(store: Store, skill: string, usePredictor: boolean, rates: ReturnType<typeof userSkillRates>): SuccessFigures {
  const observed = observedSuccess(store, skill, rates);
  const predicted = usePredictor ? predictedSuccess(store, skill) : undefined;
  return predicted === undefined ? { observed, estimate: smoothedSuccess(observed), estimateFrom: 'smoothed' } : { observed, estimate: predicted, estimateFrom: 'model' };
}

/** Over the last 30 days, for each skill both an agent and the developer ran: the sentence comparing them. */
function agentComparisons(store: Store): Map<string, string> {
  const comparisons = compareAgentAndHuman(store, { since: hoursAgo(30 * 24), until: nowTimestamp(), limit: 1000 });
  return new Map(comparisons.map((c) => [c.skill, comparisonSentence(c)]));
}

/**
 * What the run history alone cannot say, under the strategy: skills used in the same sessions as the
 * last one (lift) and what similar users or teammates run, strongest first, each skill once. The
 * Recommendations list's "More"; none of the success estimates the full ranking computes.
 */
export function relatedCandidates(store: Store, context: Pick<RecommendationContext, 'lastSkill' | 'userId'>, limit: number, strategy: StrategyName): Candidate[] {
  const candidates: Candidate[] = [];
  if (strategy !== 'collaborative_context_predictor') appendAll(candidates, dependencyCandidates(store, context.lastSkill, limit));
  if (strategy !== 'popularity_dependencies') appendAll(candidates, collaborativeCandidates(store, context.userId, limit));
  return [...merge(candidates).values()]
    .map(({ best, miss }) => ({ ...best, score: 1 - miss }))
    .sort((a, b) => b.score - a.score || a.skill.localeCompare(b.skill));
}

/** Ranked recommendations for what to run next, best first, under the user's A/B strategy. */
export async function getRecommendations(store: Store, context: RecommendationContext): Promise<Recommendation[]> {
  const limit = positiveInteger('limit', context.limit, 5, 100);
  const userId = requireName('userId', context.userId);
  const choice = chooseStrategy(store, userId);
  const usePredictor = choice.strategy !== 'popularity_dependencies';
  const merged = merge(collectCandidates(store, { ...context, userId }, limit, choice.strategy));
  const rates = userSkillRates(store, userId);
  const comparisons = agentComparisons(store);
  const scored = [...merged.values()].map(({ best, miss }) => {
    const success = successFor(store, best.skill, usePredictor, rates);
    const score = 1 - miss;
    return { ...best, success, score: choice.strategy === 'collaborative_context_predictor' ? score * (0.5 + 0.5 * success.estimate) : score };
  });
  return scored
    .sort((a, b) => b.score - a.score || a.skill.localeCompare(b.skill))
    .slice(0, limit)
    .map((c) => ({
      skill: c.skill,
      score: c.score,
      successProbability: c.success.estimate,
      success: c.success,
      reason: comparisons.has(c.skill) ? `${c.reason} ${comparisons.get(c.skill)}` : c.reason,
      source: c.source,
      action: actionForSkill(c.skill),
      strategy: choice.strategy,
      ...(choice.abTest ? { abTest: choice.abTest } : {}),
    }));
}
