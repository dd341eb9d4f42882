import { getRecommendationList } from '../recommend/recommendationList';
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
    "What this user is likely to run next, as the Recommendations sidebar lists it: `up-next` items (the next-skill model learned from the user's recorded runs, most probable first, each with the calibrated probability 0..1 that it is the very next run), then `discover` items (skills users with a similar history run that this user has not tried, with the probability that it is the next one tried), then `more` (skills used in the same sessions as `last_skill` far more often than chance, or by teammates; no probability; which of these follows the user's group when an A/B test is running). Each has a one-line reason with the counts behind it and, when known, how to run it. Also: how often up-next was right on the user's newest runs (top 1, top 3).",
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
    const list = await getRecommendationList(store, {
      userId,
      lastSkill: args.last_skill,
      languageId: args.language_id,
      isTestFile: args.is_test_file,
      recentFailures: args.recent_failures,
      limit: args.limit,
    });
    return {
      strategy: list.choice.strategy,
      ab_test: list.choice.abTest ? { test_id: list.choice.abTest.testId, group: list.choice.abTest.group } : null,
      up_next_accuracy: { runs: list.accuracy.runs, top1: list.accuracy.top1, top3: list.accuracy.top3 },
      recommendations: list.items.map((r) => ({
        skill_name: r.skill,
        section: r.section,
        rank: r.rank,
        probability: r.probability,
        reason: r.reason,
        source: r.source,
        action: r.action,
      })),
      message: `Generated ${list.items.length} recommendations`,
    };
  },
});
