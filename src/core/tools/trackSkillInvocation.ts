import { WORKFLOW_PHASES } from '../integrations/workflowPhases';
import { skillNameParam } from './parameters';
import { defineRecordingTool } from './tool';

interface Args {
  skill_name: string;
  completed: boolean;
  duration_seconds?: number;
  workflow_phase?: string;
  error_type?: string;
  session_id?: string;
}

export const trackSkillInvocationTool = defineRecordingTool<Args>({
  name: 'track_skill_invocation',
  title: 'Record a skill run',
  description:
    'Records that a skill was run (by the agent or the developer) with its outcome and duration, so that metrics, trends and recommendations include it. Record skill names and outcomes only, never command lines, file paths or arguments.',
  inputSchema: {
    type: 'object',
    properties: {
      skill_name: skillNameParam('Skill name, e.g. pytest-run (no command line, no paths)'),
      completed: { type: 'boolean', description: 'Whether the run succeeded (default true)', default: true },
      duration_seconds: { type: 'number', description: 'How long it ran, in seconds', minimum: 0, maximum: 31_536_000 },
      workflow_phase: { type: 'string', description: 'Workflow phase', enum: [...WORKFLOW_PHASES] },
      error_type: { type: 'string', description: 'Short error category when it failed, e.g. test_failure', minLength: 1, maxLength: 200 },
      session_id: { type: 'string', description: 'Session to record in (default: the caller’s session)', minLength: 1, maxLength: 200 },
    },
    required: ['skill_name'],
    additionalProperties: false,
  },
  async handler(ctx, args) {
    if (!ctx.mayWrite()) throw new Error('nothing was recorded: tracking is paused (sessionBuddy.tracking.enabled) or the store is read-only');
    if (args.session_id !== undefined) await ctx.knowSession(args.session_id);
    const sessionId = args.session_id ?? (await ctx.session());
    const id = await ctx.recorder.trackInvocation({
      sessionId,
      skillName: args.skill_name,
      // The run started duration_seconds ago; invocations are dated by their start.
      invokedAt: args.duration_seconds === undefined ? undefined : new Date(Date.now() - args.duration_seconds * 1000),
      completed: args.completed,
      durationSeconds: args.duration_seconds,
      workflowPhase: args.workflow_phase,
      errorType: args.error_type,
      source: ctx.caller,
    });
    return {
      invocation_id: id,
      session_id: sessionId,
      skill_name: args.skill_name,
      completed: args.completed,
      message: `Recorded ${args.skill_name} (${args.completed ? 'completed' : 'failed'}) as invocation ${id}`,
    };
  },
});
