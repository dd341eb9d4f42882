/**
 * A throw-away store that an evaluation replays runs into, through the product's own tracking path
 * (SkillTracker → the event log → the store → the learned recommendations listening to it), so that
 * what is asked of the recommendations is exactly what the sidebar asks. Its log is written without
 * fdatasync (nothing of it must survive a crash) and it is never snapshotted; it is removed at close.
 *
 * Up next and Discover learn online from every applied run; no scheduled job feeds them, so none
 * runs during a replay (the dependency network, baselines and the success predictor the editor
 * schedules do not change what either list says).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LearnedRecommendations } from '../recommend/learnedRecommendations';
import { SkillStore } from '../store/store';
import { SkillTracker } from '../tracking/tracker';
import type { EvaluationRun } from './evaluationInput';

/** The longest delay a timer takes (about 24.8 days; a longer one fires at once): no snapshot while a replay runs. */
const NEVER_MS = 2 ** 31 - 1;

export class ReplayStore {
  private readonly sessions = new Set<string>();

  private constructor(
    private readonly dir: string,
    private readonly store: SkillStore,
    private readonly tracker: SkillTracker,
    readonly recommendations: LearnedRecommendations,
  ) {}

  static async open(migrationsDir?: string): Promise<ReplayStore> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'session-buddy-evaluate-'));
    try {
      const store = await SkillStore.open({ path: path.join(dir, 'skills.db'), migrationsDir, pollMs: 0, durable: false, compactDelayMs: NEVER_MS, compactMaxDelayMs: NEVER_MS });
      return new ReplayStore(dir, store, new SkillTracker(store, 'evaluate'), new LearnedRecommendations(store));
    } catch (err) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * Records runs, in order, as the editor records them: each one's session first (once), then the
   * runs at their own times. Runs between two questions go in one commit, as a busy editor's do.
   */
  async record(runs: readonly EvaluationRun[]): Promise<void> {
    for (const run of runs) {
      const session = this.sessionOf(run);
      if (this.sessions.has(session)) continue;
      await this.tracker.createSession({ sessionId: session, userId: run.user, source: 'evaluate' });
      this.sessions.add(session);
    }
    if (runs.length === 0) return;
    await this.tracker.trackInvocations(runs.map((run) => ({
      sessionId: this.sessionOf(run), skillName: run.skill, invokedAt: run.atMs, completed: run.completed ?? true, durationSeconds: run.durationSeconds,
    })));
  }

  /** The session id the store knows the run's session by (the recommendations are asked with it). */
  sessionOf(run: EvaluationRun): string {
    return `${run.user}/${run.session}`;
  }

  async close(): Promise<void> {
    this.recommendations.dispose();
    try {
      await this.store.close({ snapshot: false });
    } finally {
      fs.rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
