import { getRecommendations } from '../recommend/engine';
import { limitParam, skillNameParam } from './parameters';
import { defineTool } from './tool';

interface Args {
  last_skill?: string;
  language_id?: string;
  is_test_file?: boolean;
  recent_failures?: string[];
  limit: number;
}

export const getRecommendationsTool = defineTool<Args>({
  name: 'get_recommendations',
  title: 'What to run next',
  description:
    "Ranked suggestions of the skill to run next for this user: skills that usually follow the last one (lift), popular skills, what similar users run, retries of recent failures and skills that suit the active file (which sources are used follows the user's group when an A/B test is running). Each has a score (0..1), the estimated success (0..1) with what it is estimated from (the trained model, or the observed share smoothed), the observed completed runs and runs, a one-line reason and, when known, how to run it.",
  writes: 'never',
  inputSchema: {
    type: 'object',
    properties: {
      last_skill: skillNameParam('The skill run last, e.g. ruff-check'),
      language_id: { type: 'string', description: 'Editor language id of the active file, e.g. typescript', minLength: 1, maxLength: 64 },
      is_test_file: { type: 'boolean', description: 'Whether the active file is a test file' },
      recent_failures: { type: 'array', description: 'Skills that failed recently, newest first', items: { type: 'string', maxLength: 200 }, maxItems: 20 },
      limit: limitParam(5, 100, 'recommendations'),
    },
    additionalProperties: false,
  },
  async handler({ store, userId }, args) {
    const recommendations = await getRecommendations(store, {
      userId,
      lastSkill: args.last_skill,
      languageId: args.language_id,
      isTestFile: args.is_test_file,
      recentFailures: args.recent_failures,
      limit: args.limit,
    });
    const first = recommendations[0];
    return {
      strategy: first?.strategy ?? null,
      ab_test: first?.abTest ? { test_id: first.abTest.testId, group: first.abTest.group } : null,
      recommendations: recommendations.map((r) => ({
        skill_name: r.skill,
        score: r.score,
        success_probability: r.successProbability,
        success_estimated_from: r.success.estimateFrom,
        observed: r.success.observed && { completed: r.success.observed.completed, runs: r.success.observed.runs, scope: r.success.observed.scope },
        reason: r.reason,
        source: r.source,
        action: r.action,
      })),
      message: `Generated ${recommendations.length} recommendations`,
    };
  },
});
