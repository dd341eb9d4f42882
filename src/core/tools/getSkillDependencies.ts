import { getSkillDependencies } from '../analytics/dependencies';
import { freshDependencies } from './freshness';
import { limitParam, skillNameParam } from './parameters';
import { defineTool } from './tool';

interface Args {
  skill_name: string;
  limit: number;
  min_lift: number;
}

export const getSkillDependenciesTool = defineTool<Args>({
  name: 'get_skill_dependencies',
  title: 'Skills used together',
  description:
    'Skills that co-occur with the given skill in the same sessions more often than chance: lift = P(A and B) / (P(A) P(B)) over sessions, strongest first, with the co-occurrence count and a relationship label. Recomputed when older than an hour.',
  writes: 'derived',
  inputSchema: {
    type: 'object',
    properties: {
      skill_name: skillNameParam(),
      limit: limitParam(10, 1000, 'related skills'),
      min_lift: { type: 'number', description: 'Smallest lift reported (1 = independent; default 1.5)', minimum: 0, maximum: 1_000_000, default: 1.5 },
    },
    required: ['skill_name'],
    additionalProperties: false,
  },
  async handler(ctx, args) {
    const { store } = ctx;
    await freshDependencies(ctx);
    const dependencies = getSkillDependencies(store, args.skill_name, { limit: args.limit, minLift: args.min_lift });
    return {
      skill_name: args.skill_name,
      dependencies,
      message: `Found ${dependencies.length} skills with lift >= ${args.min_lift}`,
    };
  },
});
