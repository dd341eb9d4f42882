import type { Store } from '../store/storeInterface';
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

/**
 * Records one tool run of a crackerjack phase. Unlike the anchor, the mapped phase goes into
 * workflow_phase (the crackerjack phase name into workflow_step_id) and the real duration is kept.
 */
export async function trackCrackerjackPhase(store: Store, userId: string, run: CrackerjackRun): Promise<number> {
  const phase = parseCrackerjackPhase(run.phase);
  const duration = optionalDuration('duration', run.durationSeconds);
  if (duration === null) throw new ValidationError('duration', 'is required (seconds)');
  const tracker = new SkillTracker(store, userId);
  const sessionId = await ensureSession(store, tracker, run.sessionId ?? dailySessionId('crackerjack'), 'crackerjack');
  return tracker.trackInvocation({
    sessionId,
    skillName: run.skill,
    invokedAt: new Date(Date.now() - duration * 1000),
    completed: run.completed,
    durationSeconds: duration,
    workflowPath: 'crackerjack',
    workflowPhase: CRACKERJACK_PHASES[phase],
    workflowStepId: phase,
    errorType: run.errorType,
  });
}
