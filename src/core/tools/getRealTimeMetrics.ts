import { getRealTimeMetrics } from '../analytics/realtimeMetrics';
import type { SourceFilter } from '../analytics/sourceFilter';
import { hoursParam, limitParam, sourceParam } from './parameters';
import { defineTool } from './tool';

interface Args {
  limit: number;
  time_window_hours: number;
  source?: SourceFilter;
}

export const getRealTimeMetricsTool = defineTool<Args>({
  name: 'get_real_time_metrics',
  title: 'Real-time skill metrics',
  description:
    'The most active skills over a recent sliding window: invocations, completions, completion rate (0..1), average duration of completed runs and the last run time. Use it to see what the developer has been running and how it went; with source "agent" or "human", the runs of the agent or of the developer only.',
  writes: 'never',
  inputSchema: {
    type: 'object',
    properties: {
      limit: limitParam(10, 1000, 'skills'),
      time_window_hours: hoursParam(1, 'Window ending now'),
      source: sourceParam(),
    },
    additionalProperties: false,
  },
  handler({ store }, args) {
    const metrics = getRealTimeMetrics(store, { limit: args.limit, windowHours: args.time_window_hours, source: args.source });
    return {
      top_skills: metrics.map((m) => ({
        skill_name: m.skill_name,
        invocation_count: m.invocation_count,
        completed_count: m.completed_count,
        completion_rate: m.completion_rate,
        avg_duration: m.avg_duration_seconds,
        last_invocation_at: m.last_invocation_at,
      })),
      message: `Found ${metrics.length} skills in the last ${args.time_window_hours} hours${args.source ? ` (${args.source} runs)` : ''}`,
    };
  },
});
