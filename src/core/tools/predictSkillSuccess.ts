import { predictSkillSuccess } from '../analytics/predictor';
import { skillNameParam } from './parameters';
import { defineTool } from './tool';

interface Args {
  skill_name: string;
  workflow_phase?: string;
  session_id?: string;
}

export const predictSkillSuccessTool = defineTool<Args>({
  name: 'predict_skill_success',
  title: 'Predict skill success',
  description:
    "Probability (0..1) that a skill completes if run now, from the k nearest past invocations in the trained predictor (time of day, recent success of the skill, session age, phase). Needs a trained model (`session-buddy predictor train` or the editor's Train Predictor command).",
  writes: 'never',
  inputSchema: {
    type: 'object',
    properties: {
      skill_name: skillNameParam(),
      workflow_phase: { type: 'string', description: 'Workflow phase it would run in (setup, execution, verification, deployment...)', minLength: 1, maxLength: 64 },
      session_id: { type: 'string', description: 'Current session (its age and earlier completions count); default the caller’s session', minLength: 1, maxLength: 200 },
    },
    required: ['skill_name'],
    additionalProperties: false,
  },
  async handler(ctx, args) {
    // A prediction reads: without a session yet, it is one that starts now (none is created).
    const sessionId = args.session_id ?? ctx.existingSession();
    const prediction = predictSkillSuccess(ctx.store, args.skill_name, { phase: args.workflow_phase ?? null, sessionId });
    return {
      skill_name: prediction.skill_name,
      probability: prediction.probability,
      neighbours: prediction.neighbours,
      model_trained_at: prediction.model_trained_at,
      message: `${prediction.skill_name} completes with probability ${prediction.probability.toFixed(2)} (${prediction.neighbours} similar past runs)`,
    };
  },
});
