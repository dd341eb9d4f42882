import { recommendFromSimilarUsers } from '../analytics/collaborative';
import { limitParam } from './parameters';
import { defineTool } from './tool';

interface Args {
  user_id: string;
  limit: number;
}

export const getCollaborativeRecommendationsTool = defineTool<Args>({
  name: 'get_collaborative_recommendations',
  title: 'Skills similar users succeed with',
  description:
    'Skills that users with a similar skill history (Jaccard similarity of completed skills) use successfully and this user has not tried; falls back to the community baselines when no similar user is known. Each item has a score, a completion rate (0..1) and its source.',
  writes: 'never',
  inputSchema: {
    type: 'object',
    properties: {
      user_id: { type: 'string', description: 'The user to recommend for', minLength: 1, maxLength: 200 },
      limit: limitParam(5, 1000, 'recommendations'),
    },
    required: ['user_id'],
    additionalProperties: false,
  },
  handler({ store }, args) {
    const recommendations = recommendFromSimilarUsers(store, args.user_id, { limit: args.limit });
    return {
      user_id: args.user_id,
      recommendations: recommendations.map((r) => ({ skill_name: r.skill_name, score: r.score, completion_rate: r.completion_rate, source: r.source, evidence: r.evidence ?? null })),
      message: `Generated ${recommendations.length} recommendations for ${args.user_id}`,
    };
  },
});
