import { getActiveAbTest, groupOf, type AbGroup, type AbTest } from '../analytics/abTesting';
import type { Store } from '../store/storeInterface';

/**
 * The recommendation strategies; an A/B test names one for each group.
 *   all_sources                      every source below (what is used without a running test)
 *   popularity_dependencies          what usually follows the last skill, and what is used most
 *   collaborative_context_predictor  what similar users run, the editor context, and the predictor's
 *                                    success probability weighting every candidate
 */
export const STRATEGY_NAMES = ['all_sources', 'popularity_dependencies', 'collaborative_context_predictor'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export interface StrategyChoice {
  strategy: StrategyName;
  /** Set when the strategy was chosen by a running A/B test: Run records the outcome for this group. */
  abTest?: { testId: number; group: AbGroup };
}

/** What new tests compare by default, and what a group gets when its test names no known strategy. */
export const STRATEGY_BY_GROUP: Readonly<Record<AbGroup, StrategyName>> = {
  control: 'popularity_dependencies',
  treatment: 'collaborative_context_predictor',
};

/**
 * The strategy for this user: the one the running A/B test names for the user's group, else all
 * sources. A pure function of the test and the user (the hash), so reading recommendations writes
 * nothing; the assignment is recorded with the user's first outcome (when tracking is on).
 */
export function chooseStrategy(store: Store, userId: string): StrategyChoice {
  const test = getActiveAbTest(store);
  if (!test) return { strategy: 'all_sources' };
  const group = groupOf(store, test, userId);
  return { strategy: strategyOf(test, group), abTest: { testId: test.test_id, group } };
}

/** A test imported from the Python tool may name strategies this engine does not have: its group's default stands in. */
function strategyOf(test: AbTest, group: AbGroup): StrategyName {
  const named: string = group === 'control' ? test.control_strategy : test.treatment_strategy;
  return (STRATEGY_NAMES as readonly string[]).includes(named) ? (named as StrategyName) : STRATEGY_BY_GROUP[group];
}
