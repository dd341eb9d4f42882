import { getActiveAbTest, groupOf, type AbGroup } from '../analytics/abTesting';
import type { SkillStore } from '../store/store';

/**
 * The recommendation strategies an A/B test compares. Without a running test every source is used.
 *   popularity_dependencies          (control)   what usually follows the last skill, and what is used most
 *   collaborative_context_predictor  (treatment) what similar users run, the editor context, and the
 *                                                predictor's success probability weighting every candidate
 */
export type StrategyName = 'all_sources' | 'popularity_dependencies' | 'collaborative_context_predictor';

export interface StrategyChoice {
  strategy: StrategyName;
  /** Set when the strategy was chosen by a running A/B test: Run records the outcome for this group. */
  abTest?: { testId: number; group: AbGroup };
}

export const STRATEGY_BY_GROUP: Readonly<Record<AbGroup, StrategyName>> = {
  control: 'popularity_dependencies',
  treatment: 'collaborative_context_predictor',
};

/**
 * The strategy for this user: the group of the running A/B test, else all sources. A pure function
 * of the test and the user (the hash), so reading recommendations writes nothing; the assignment is
 * recorded with the user's first outcome (when tracking is on).
 */
export function chooseStrategy(store: SkillStore, userId: string): StrategyChoice {
  const test = getActiveAbTest(store);
  if (!test) return { strategy: 'all_sources' };
  const group = groupOf(store, test, userId);
  return { strategy: STRATEGY_BY_GROUP[group], abTest: { testId: test.test_id, group } };
}
