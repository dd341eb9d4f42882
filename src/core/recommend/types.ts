import type { StrategyName } from './strategy';

/** How a recommended skill is run: a workspace task, or a command typed into a terminal. */
export interface RecommendationAction {
  kind: 'task' | 'command';
  /** For 'task': the task's label as a skill fragment (the editor finds the task whose skill matches). */
  label?: string;
  /** For 'command': the command line to run. Neither label nor command: there is nothing to run. */
  command?: string;
}

/** Which candidate source produced a recommendation (the strongest one when several agree). */
export type RecommendationSource = 'dependency' | 'popularity' | 'retry' | 'context' | 'collaborative' | 'community_baseline';

/** What is known of a skill's success, kept apart from what is estimated, so a view can say which is which. */
export interface SuccessFigures {
  /** Completed runs over runs: this user's, or everyone's when the user has none; null when never run. */
  observed: { completed: number; runs: number; scope: 'yours' | 'everyone' } | null;
  /** 0..1: the estimate the ranking uses. */
  estimate: number;
  /**
   * Where the estimate comes from: the trained predictor, or the observed share smoothed with one
   * success and one failure (Laplace; 0.5 for a skill never run).
   */
  estimateFrom: 'model' | 'smoothed';
}

export interface Recommendation {
  skill: string;
  /** 0..1; sources that agree raise it (noisy-or of the candidate scores). */
  score: number;
  /** 0..1: the estimate of `success` (kept for the agent tools' success_probability). */
  successProbability: number;
  success: SuccessFigures;
  /** One plain sentence saying why. */
  reason: string;
  source: RecommendationSource;
  action: RecommendationAction;
  /** The strategy that produced the list (an A/B test's group, or all sources). */
  strategy: StrategyName;
  /** The running A/B test this list belongs to: running it records the outcome for the group. */
  abTest?: { testId: number; group: 'control' | 'treatment' };
}

export interface RecommendationContext {
  /** The skill run last in this window. */
  lastSkill?: string;
  /** The editor language of the active file (VS Code language id). */
  languageId?: string;
  isTestFile?: boolean;
  /** Skills that failed recently in this window, newest first. */
  recentFailures?: string[];
  userId: string;
  /** How many to return (default 5). */
  limit?: number;
}

/** What one candidate source proposes; the engine merges candidates by skill. */
export interface Candidate {
  skill: string;
  /** 0..1 */
  score: number;
  reason: string;
  source: RecommendationSource;
}
