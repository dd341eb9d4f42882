import { TREND_METRICS, getSkillTrend, type TrendMetric } from '../analytics/trend';
import { skillNameParam } from './parameters';
import { defineTool } from './tool';

interface Args {
  skill_name: string;
  days: number;
  metric: TrendMetric;
}

export const getSkillTrendTool = defineTool<Args>({
  name: 'get_skill_trend',
  title: 'Skill trend',
  description:
    "Whether a skill is improving, declining or stable over the last days: a least-squares line through its daily values, with the slope's p-value (a trend needs p < 0.05). The metric is the completion rate (0..1) unless asked otherwise.",
  writes: 'never',
  inputSchema: {
    type: 'object',
    properties: {
      skill_name: skillNameParam(),
      days: { type: 'integer', description: 'Days to look back (default 7)', minimum: 1, maximum: 3660, default: 7 },
      metric: { type: 'string', description: 'Daily value to fit (default completion_rate)', enum: [...TREND_METRICS], default: 'completion_rate' },
    },
    required: ['skill_name'],
    additionalProperties: false,
  },
  handler({ store }, args) {
    const trend = getSkillTrend(store, args.skill_name, { days: args.days, metric: args.metric });
    const summary =
      trend.trend === 'insufficient_data'
        ? `No trend of ${trend.skill_name} yet: ${trend.reason}`
        : `${trend.metric} of ${trend.skill_name} is ${trend.trend} over ${args.days} days (slope ${fmt(trend.slope)} per day, p = ${fmt(trend.p_value)})`;
    return {
      skill_name: trend.skill_name,
      metric: trend.metric,
      trend: trend.trend,
      slope: trend.slope,
      start_value: trend.start_value,
      end_value: trend.end_value,
      change_percent: trend.change_percent,
      /** The anchor's name for the slope's p-value (lower is more certain). */
      confidence: trend.p_value,
      p_value: trend.p_value,
      days_with_data: trend.days,
      reason: trend.reason,
      message: summary,
    };
  },
});

function fmt(value: number | null): string {
  return value === null ? 'n/a' : Number(value.toPrecision(3)).toString();
}
