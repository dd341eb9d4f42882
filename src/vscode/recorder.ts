import * as vscode from 'vscode';
import type { InvocationInput, Outcome, RunningInvocation } from '../core/tracking/tracker';
import { isTracking, type SettingsWatcher, type TrackerSource } from './settings';
import { Disposable } from './lifecycle';
import type { StoreHost } from './storeHost';

/** A run that has started; record its outcome once. Resolves to the invocation id (undefined if not recorded). */
export interface PendingRun {
  readonly skill: string;
  complete(outcome: Outcome): Promise<number | undefined>;
}

export type StartDetails = Omit<InvocationInput, 'sessionId' | 'skillName' | 'completed' | 'durationSeconds' | 'invokedAt'>;

/** Failures newer than this still count as "recent" for recommendations. */
const RECENT_FAILURE_MS = 30 * 60_000;

/**
 * Where every tracker records: checks the privacy switches, waits for the store when it is still
 * opening (the duration is measured from the event, not from when the store was ready), puts the
 * run in the window's current session, and remembers the window's last skill and recent failures
 * for recommendations. Nothing here blocks the caller: recording happens in the background.
 */
export class InvocationRecorder extends Disposable {
  private lastSkillName: string | undefined;
  private failures = new Map<string, number>();
  /** Recommendations run from the view under an A/B test, waiting for their outcome. */
  private abPending = new Map<string, { testId: number; at: number }>();
  private readonly emitter = this.register(new vscode.EventEmitter<void>());
  /** Fires when the last skill or the recent failures change. */
  readonly onDidChangeContext = this.emitter.event;

  constructor(private readonly host: StoreHost, private readonly settings: SettingsWatcher, private readonly log: vscode.LogOutputChannel) {
    super();
  }

  isEnabled(source: TrackerSource): boolean {
    return isTracking(this.settings.current, source);
  }

  get lastSkill(): string | undefined {
    return this.lastSkillName;
  }

  /** Skills that failed in the last half hour and have not completed since, newest first. */
  get recentFailures(): string[] {
    const since = Date.now() - RECENT_FAILURE_MS;
    return [...this.failures].filter(([, at]) => at >= since).sort((a, b) => b[1] - a[1]).map(([skill]) => skill);
  }

  /**
   * Starts a run now, or returns undefined when this source is not tracked. Validation errors (a
   * bad skill name from the API) reject `complete`, so callers that pass outside input see them.
   */
  start(skill: string, source: TrackerSource, details: StartDetails = {}): PendingRun | undefined {
    if (!this.isEnabled(source)) return undefined;
    const started = performance.now();
    const running: Promise<RunningInvocation> = this.host.ready.then(async (core) => {
      const sessionId = await core.session.current();
      return core.tracker.startInvocation({ ...details, sessionId, skillName: skill });
    });
    running.catch(() => undefined);
    let done: Promise<number | undefined> | undefined;
    return {
      skill,
      complete: (outcome) => {
        done ??= running.then(async (run) => {
          const durationSeconds = outcome.durationSeconds ?? Math.round(performance.now() - started) / 1000;
          const id = await run.complete({ ...outcome, durationSeconds });
          this.noteOutcome(run.skillName, outcome.completed !== false, source);
          void this.linkAbOutcome(run.skillName, outcome.completed !== false, durationSeconds);
          return id;
        });
        return done;
      },
    };
  }

  /** Records a finished run in one step (the explicit command, the API, a run seen only at its end). */
  async record(skill: string, source: TrackerSource, input: Omit<InvocationInput, 'sessionId' | 'skillName'>): Promise<number | undefined> {
    if (!this.isEnabled(source)) return undefined;
    const core = await this.host.ready;
    const sessionId = await core.session.current();
    const id = await core.tracker.trackInvocation({ ...input, sessionId, skillName: skill });
    this.noteOutcome(skill.trim(), input.completed === true, source);
    void this.linkAbOutcome(skill.trim(), input.completed === true, input.durationSeconds);
    return id;
  }

  /**
   * The next recorded run of `skill` (within half an hour) is the outcome of a recommendation run
   * under an A/B test: it is recorded for the user's group, which is how the test measures whether
   * a strategy helps.
   */
  expectAbOutcome(skill: string, testId: number): void {
    this.abPending.set(skill, { testId, at: Date.now() });
  }

  private async linkAbOutcome(skill: string, completed: boolean, durationSeconds: number | undefined): Promise<void> {
    const pending = this.abPending.get(skill);
    if (!pending) return;
    this.abPending.delete(skill);
    if (Date.now() - pending.at > RECENT_FAILURE_MS) return;
    try {
      const core = await this.host.ready;
      // The user's exposure is recorded with their first outcome: reading recommendations writes nothing.
      await core.lib.assignUser(core.store, pending.testId, core.userId);
      await core.lib.recordAbOutcome(core.store, pending.testId, core.userId, { skill_name: skill, completed, duration_seconds: durationSeconds ?? null });
      this.log.info(`Recorded the A/B outcome of ${skill} for test ${pending.testId}`);
    } catch (err) {
      this.log.warn(`Could not record the A/B outcome of ${skill}: ${(err as Error).message}`);
    }
  }

  /** Forgets the window's context (after all data was deleted). */
  reset(): void {
    this.lastSkillName = undefined;
    this.failures.clear();
    this.abPending.clear();
    this.emitter.fire();
  }

  private noteOutcome(skill: string, completed: boolean, source: TrackerSource): void {
    this.lastSkillName = skill;
    if (completed) this.failures.delete(skill);
    else this.failures.set(skill, Date.now());
    this.log.info(`Tracked ${skill} (${source}): ${completed ? 'completed' : 'not completed'}`);
    this.emitter.fire();
  }
}
