import type { SkillStore } from '../store/store';
import { positiveInteger, requireName } from '../tracking/validation';
import { actionForSkill } from './skillCommands';
import { contextCandidates, dependencyCandidates, popularityCandidates, retryCandidates, successProbability } from './sources';
import type { Candidate, Recommendation, RecommendationContext } from './types';

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

function collectCandidates(store: SkillStore, context: RecommendationContext, limit: number): Candidate[] {
  return [
    ...dependencyCandidates(store, context.lastSkill, limit),
    ...popularityCandidates(store, context.lastSkill, limit),
    ...retryCandidates(context.recentFailures),
    ...contextCandidates(context.languageId, context.isTestFile),
  ];
}

/** Ranked recommendations for what to run next, best first. */
export async function getRecommendations(store: SkillStore, context: RecommendationContext): Promise<Recommendation[]> {
  const limit = positiveInteger('limit', context.limit, 5, 100);
  const userId = requireName('userId', context.userId);
  const merged = merge(collectCandidates(store, context, limit));
  const ranked = [...merged.values()]
    .map(({ best, miss }) => ({ ...best, score: 1 - miss }))
    .sort((a, b) => b.score - a.score || a.skill.localeCompare(b.skill))
    .slice(0, limit);
  return ranked.map((c) => ({
    skill: c.skill,
    score: c.score,
    successProbability: successProbability(store, c.skill, userId),
    reason: c.reason,
    source: c.source,
    action: actionForSkill(c.skill),
  }));
}
