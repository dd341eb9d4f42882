import { nowTimestamp, type Timestamp } from '../time';
import type { Outcome } from './runRecorder';

/**
 * A run that has started: its time is taken when it starts (not when the store is ready), its
 * duration is measured from then on a monotonic clock, and `complete` records it once. The one
 * running-invocation type of the tracker, the editor's trackers and the extension API.
 */
export interface PendingRun {
  readonly skillName: string;
  readonly invokedAt: Timestamp;
  /** Resolves to the invocation id (undefined when nothing was recorded, e.g. tracking is paused). */
  complete(outcome?: Outcome): Promise<number | undefined>;
}

export interface FinishedRun {
  invokedAt: Timestamp;
  /** The outcome's own duration when it gives one, else the measured one (seconds, ms precision). */
  durationSeconds: number;
  completed: boolean;
  outcome: Outcome;
}

export interface RunClock {
  timestamp(): Timestamp;
  /** Monotonic milliseconds. */
  monotonicMs(): number;
}

const SYSTEM_CLOCK: RunClock = { timestamp: nowTimestamp, monotonicMs: () => performance.now() };

/** When something started, and how long ago: the one way a run's time and duration are measured. */
export interface Timing {
  readonly invokedAt: Timestamp;
  /** Seconds since the start, to the millisecond. */
  elapsedSeconds(): number;
}

export function startTiming(clock: RunClock = SYSTEM_CLOCK): Timing {
  const invokedAt = clock.timestamp();
  const started = clock.monotonicMs();
  return { invokedAt, elapsedSeconds: () => Math.round(clock.monotonicMs() - started) / 1000 };
}

/** Starts the clock now; `record` writes the finished run, once. A second `complete` is refused. */
export function startPendingRun(skillName: string, record: (run: FinishedRun) => Promise<number | undefined>, clock: RunClock = SYSTEM_CLOCK): PendingRun {
  const timing = startTiming(clock);
  let settled = false;
  return {
    skillName,
    invokedAt: timing.invokedAt,
    complete: async (outcome = {}) => {
      if (settled) throw new Error(`invocation of ${skillName} is already recorded: it was already completed once`);
      settled = true;
      return record({ invokedAt: timing.invokedAt, durationSeconds: outcome.durationSeconds ?? timing.elapsedSeconds(), completed: outcome.completed ?? true, outcome });
    },
  };
}

/** What a run started while nothing may be recorded (tracking paused) returns: completes to undefined. */
export function unrecordedRun(skillName: string, clock: RunClock = SYSTEM_CLOCK): PendingRun {
  return startPendingRun(skillName, async () => undefined, clock);
}
