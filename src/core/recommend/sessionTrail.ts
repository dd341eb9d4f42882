/**
 * Where a user is in their work: the last runs of the current session with their outcomes, when the
 * last run ended, and which session it belonged to.
 *
 * A question asked (or a run started) after more than 30 idle minutes, or under another session id
 * than the last run's, starts a new session: its context is the session start alone, so the model
 * predicts what this user opens a session with rather than what followed yesterday's last run.
 */
import { SESSION_START } from './skillVocabulary';

export const SESSION_IDLE_MS = 30 * 60_000;

/** Outcome codes of a step, as kept in context keys. */
export const OUTCOME_UNKNOWN = 0;
export const OUTCOME_COMPLETED = 1;
export const OUTCOME_FAILED = 2;

/** Pause bands (upper bounds, ms) before a run; index PAUSE_NEW_SESSION: the session is new. */
const PAUSE_LIMITS_MS = [10_000, 60_000, 300_000, SESSION_IDLE_MS];
export const PAUSE_NEW_SESSION = PAUSE_LIMITS_MS.length;

export interface Step {
  id: number;
  outcome: number;
}

/** The context for one question or run: the session's last steps (oldest first) and the pause band. */
export interface TrailView {
  steps: readonly Step[];
  pause: number;
}

export function outcomeCode(completed: boolean | undefined): number {
  if (completed === undefined) return OUTCOME_UNKNOWN;
  return completed ? OUTCOME_COMPLETED : OUTCOME_FAILED;
}

function pauseBand(pauseMs: number): number {
  for (let band = 0; band < PAUSE_LIMITS_MS.length; band++) if (pauseMs <= PAUSE_LIMITS_MS[band]) return band;
  return PAUSE_NEW_SESSION;
}

const EMPTY: readonly Step[] = [];

export class SessionTrail {
  private steps: Step[] = [];
  private session: string | undefined;
  private lastEndMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly keep: number) {}

  /** The context at `atMs` (absent: right after the last run) for a run in `session` (absent: unknown). */
  view(atMs: number | undefined, session: string | undefined): TrailView {
    if (this.lastEndMs === Number.NEGATIVE_INFINITY) return { steps: EMPTY, pause: PAUSE_NEW_SESSION };
    if (session !== undefined && this.session !== undefined && session !== this.session) return { steps: EMPTY, pause: PAUSE_NEW_SESSION };
    const pause = atMs === undefined ? 0 : pauseBand(Math.max(0, atMs - this.lastEndMs));
    if (pause === PAUSE_NEW_SESSION && (session === undefined || session !== this.session)) return { steps: EMPTY, pause };
    return { steps: this.steps, pause: Math.min(pause, PAUSE_NEW_SESSION - 1) };
  }

  /** Records a run seen in `view` (the view the same run was predicted in). */
  record(view: TrailView, step: Step, endMs: number, session: string | undefined): void {
    this.steps = view.steps === EMPTY ? [] : this.steps;
    this.steps.push(step);
    if (this.steps.length > this.keep) this.steps.shift();
    this.lastEndMs = Math.max(this.lastEndMs, endMs);
    this.session = session;
  }
}

/**
 * The ids of the order-`order` context of a view: its last `order` steps, or the session start and
 * all the steps when the session has exactly `order − 1`; undefined when the session is too short.
 */
export function contextIds(view: TrailView, order: number): number[] | undefined {
  const steps = view.steps;
  if (order > steps.length + 1) return undefined;
  const ids: number[] = [];
  if (order === steps.length + 1) ids.push(SESSION_START);
  for (let i = Math.max(0, steps.length - order); i < steps.length; i++) ids.push(steps[i].id);
  return ids;
}

/** The last step of a view, or the session start. */
export function lastStep(view: TrailView): Step {
  const steps = view.steps;
  return steps.length > 0 ? steps[steps.length - 1] : { id: SESSION_START, outcome: OUTCOME_UNKNOWN };
}
