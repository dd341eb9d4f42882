import * as vscode from 'vscode';
import { startPendingRun, type PendingRun } from '../core/tracking/pendingRun';
import { RunContext, type ListChoice } from '../core/tracking/runContext';
import type { InvocationInput } from '../core/tracking/runRecorder';
import { Disposable } from './lifecycle';
import { isTracking, type SettingsWatcher, type TrackerSource } from './settings';
import type { StoreHost } from './storeHost';

export type { PendingRun } from '../core/tracking/pendingRun';

export type StartDetails = Omit<InvocationInput, 'sessionId' | 'skillName' | 'completed' | 'durationSeconds' | 'invokedAt'>;

/** The fields of a run chosen from the list. */
function chosen(choice: ListChoice | undefined): Pick<InvocationInput, 'selectionRank' | 'alternativesConsidered'> {
  return choice ? { selectionRank: choice.rank, alternativesConsidered: choice.alternatives } : {};
}

/**
 * Where every tracker records: checks the privacy switches, puts the run in the window's session
 * of the moment it starts (waiting for the store when it is still opening; the run's time and
 * duration are taken from the event, not from when the store was ready), keeps the window's
 * RunContext for recommendations, and records the outcome of a recommendation run under an A/B
 * test. Nothing here blocks the caller: recording happens in the background.
 */
export class InvocationRecorder extends Disposable {
  private readonly context = new RunContext();
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
    return this.context.lastSkill;
  }

  /** Skills that failed in the last half hour and have not completed since, newest first. */
  get recentFailures(): string[] {
    return this.context.recentFailures;
  }

  /**
   * Starts a run now, or returns undefined when this source is not tracked. Validation errors (a
   * bad skill name from the API) reject `complete`, so callers that pass outside input see them.
   */
  start(skill: string, source: TrackerSource, details: StartDetails = {}): PendingRun | undefined {
    if (!this.isEnabled(source)) return undefined;
    const session = this.host.window.then(async (window) => ({ window, sessionId: await window.session.current() }));
    session.catch(() => undefined);
    return startPendingRun(skill, async (run) => {
      const { window, sessionId } = await session;
      const { errorType, followUpActions } = run.outcome;
      const choice = this.context.takeChoice(skill.trim());
      const id = await window.recorder.trackInvocation({ ...details, ...chosen(choice), sessionId, skillName: skill, invokedAt: run.invokedAt, completed: run.completed, durationSeconds: run.durationSeconds, errorType, followUpActions });
      this.finished(skill.trim(), run.completed, source, run.durationSeconds, choice);
      return id;
    });
  }

  /** Records a finished run in one step (the explicit command, the API, a run seen only at its end). */
  async record(skill: string, source: TrackerSource, input: Omit<InvocationInput, 'sessionId' | 'skillName'>): Promise<number | undefined> {
    if (!this.isEnabled(source)) return undefined;
    const window = await this.host.window;
    const sessionId = await window.session.current();
    const choice = this.context.takeChoice(skill.trim());
    const id = await window.recorder.trackInvocation({ ...input, ...chosen(choice), sessionId, skillName: skill });
    this.finished(skill.trim(), input.completed === true, source, input.durationSeconds, choice);
    return id;
  }

  /**
   * The next recorded run of `skill` (within half an hour) was chosen from the Recommendations list:
   * it is recorded with its rank and the list shown (selection_rank, alternatives_considered), and
   * under an A/B test it is the outcome for the user's group, which is how the test measures
   * whether a strategy helps.
   */
  expectChoice(skill: string, choice: ListChoice): void {
    this.context.awaitChoice(skill, choice);
  }

  /** Forgets the window's context (after all data was deleted). */
  reset(): void {
    this.context.reset();
    this.emitter.fire();
  }

  private finished(skill: string, completed: boolean, source: TrackerSource, durationSeconds: number | undefined, choice: ListChoice | undefined): void {
    this.context.noteOutcome(skill, completed);
    this.log.info(`Tracked ${skill} (${source}): ${completed ? 'completed' : 'not completed'}${choice ? `, chosen at rank ${choice.rank} of the Recommendations list` : ''}`);
    this.emitter.fire();
    if (choice?.testId !== undefined) void this.recordAbOutcome(choice.testId, skill, completed, durationSeconds);
  }

  private async recordAbOutcome(testId: number, skill: string, completed: boolean, durationSeconds: number | undefined): Promise<void> {
    try {
      const window = await this.host.window;
      await window.recordAbOutcome(testId, { skill, completed, durationSeconds: durationSeconds ?? null });
      this.log.info(`Recorded the A/B outcome of ${skill} for test ${testId}`);
    } catch (err) {
      this.log.warn(`Could not record the A/B outcome of ${skill}: ${(err as Error).message}`);
    }
  }
}
