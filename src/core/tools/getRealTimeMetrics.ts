import { getRealTimeMetrics } from '../analytics/realtimeMetrics';
import { hoursParam, limitParam } from './parameters';
import { defineTool } from './tool';

interface Args {
  limit: number;
  time_window_hours: number;
}

export const getRealTimeMetricsTool = defineTool<Args>({
  name: 'get_real_time_metrics',
  title: 'Real-time skill metrics',
  description:
    'The most active skills over a recent sliding window: invocations, completions, completion rate (0..1), average duration of completed runs and the last run time. Use it to see what the developer has been running and how it went.',
  writes: 'never',
  inputSchema: {
    type: 'object',
    properties: {
      limit: limitParam(10, 1000, 'skills'),
      time_window_hours: hoursParam(1, 'Window ending now'),
    },
    additionalProperties: false,
  },
  handler({ store }, args) {
    const metrics = getRealTimeMetrics(store, { limit: args.limit, windowHours: args.time_window_hours });
    return {
      top_skills: metrics.map((m) => ({
        skill_name: m.skill_name,
        invocation_count: m.invocation_count,
        completed_count: m.completed_count,
        completion_rate: m.completion_rate,
        avg_duration: m.avg_duration_seconds,
        last_invocation_at: m.last_invocation_at,
      })),
      message: `Found ${metrics.length} skills in the last ${args.time_window_hours} hours`,
    };
  },
});
