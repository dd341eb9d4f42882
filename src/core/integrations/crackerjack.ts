import type { Store } from '../store/storeInterface';
import type { InvocationInput } from '../tracking/runRecorder';
import { SkillTracker } from '../tracking/tracker';
import { ValidationError, optionalDuration } from '../validation';
import { dailySessionId, ensureSession } from './sessions';
import type { WorkflowPhase } from './workflowPhases';

/** Crackerjack's phases and the workflow phase each maps to (the anchor's mapping). */
export const CRACKERJACK_PHASES = {
  fast_hooks: 'setup',
  tests: 'execution',
  comprehensive_hooks: 'verification',
  ai_fix: 'execution',
} as const satisfies Record<string, WorkflowPhase>;
export type CrackerjackPhase = keyof typeof CRACKERJACK_PHASES;

export function parseCrackerjackPhase(value: string): CrackerjackPhase {
  if (Object.hasOwn(CRACKERJACK_PHASES, value)) return value as CrackerjackPhase;
  throw new ValidationError('phase', `must be one of ${Object.keys(CRACKERJACK_PHASES).join(', ')} (got "${value}")`);
}

export interface CrackerjackRun {
  phase: string;
  skill: string;
  completed: boolean;
  durationSeconds: number;
  errorType?: string;
  /** Default: one crackerjack session per UTC day. */
  sessionId?: string;
}

/** A crackerjack tool run as an invocation, and the session it goes into (created on first use under that id). */
export interface CrackerjackInvocation {
  sessionId: string;
  input: Omit<InvocationInput, 'sessionId'>;
}

/**
 * Unlike the anchor, the mapped phase goes into workflow_phase (the crackerjack phase name into
 * workflow_step_id) and the real duration is kept.
 */
export function crackerjackInvocation(run: CrackerjackRun): CrackerjackInvocation {
  const phase = parseCrackerjackPhase(run.phase);
  const duration = optionalDuration('duration', run.durationSeconds);
  if (duration === null) throw new ValidationError('duration', 'is required (seconds)');
  return {
    sessionId: run.sessionId ?? dailySessionId('crackerjack'),
    input: {
      skillName: run.skill,
      invokedAt: new Date(Date.now() - duration * 1000),
      completed: run.completed,
      durationSeconds: duration,
      workflowPath: 'crackerjack',
      workflowPhase: CRACKERJACK_PHASES[phase],
      workflowStepId: phase,
      errorType: run.errorType,
    },
  };
}

/** The session crackerjack runs are recorded in when it does not exist yet. */
export const CRACKERJACK_SOURCE = 'crackerjack';

/** Records one tool run of a crackerjack phase. */
export async function trackCrackerjackPhase(store: Store, userId: string, run: CrackerjackRun): Promise<number> {
  const { sessionId, input } = crackerjackInvocation(run);
  const tracker = new SkillTracker(store, userId);
  await ensureSession(store, tracker, sessionId, CRACKERJACK_SOURCE);
  return tracker.trackInvocation({ ...input, sessionId });
}
