import { getCommunityBaselines } from '../analytics/baselines';
import { freshBaselines } from './freshness';
import type { SourceFilter } from '../analytics/sourceFilter';
import { limitParam, sourceParam } from './parameters';
import { defineTool } from './tool';

interface Args {
  limit: number;
  source?: SourceFilter;
}

export const getCommunityBaselinesTool = defineTool<Args>({
  name: 'get_community_baselines',
  title: 'Community skill baselines',
  description:
    'How each skill performs across all users in this store and imported team profiles: users, invocations, global completion rate (0..1), average duration, most common workflow phase and effectiveness percentile (0..100), most effective first. Recomputed when older than an hour. With source "agent" or "human", computed from the local runs of the agent or of the developer only.',
  writes: 'derived',
  inputSchema: {
    type: 'object',
    properties: { limit: limitParam(20, 10_000, 'baselines'), source: sourceParam() },
    additionalProperties: false,
  },
  async handler(ctx, args) {
    const { store } = ctx;
    if (!args.source) await freshBaselines(ctx);
    const baselines = getCommunityBaselines(store, { limit: args.limit, source: args.source });
    return {
      baselines: baselines.map((b) => ({
        skill_name: b.skill_name,
        total_users: b.total_users,
        total_invocations: b.total_invocations,
        global_completion_rate: b.global_completion_rate,
        global_avg_duration_seconds: b.global_avg_duration_seconds,
        most_common_workflow_phase: b.most_common_workflow_phase,
        effectiveness_percentile: b.effectiveness_percentile,
        last_updated: b.last_updated,
      })),
      message: `Retrieved ${baselines.length} community baselines${args.source ? ` of ${args.source} runs` : ''}`,
    };
  },
});
