import type { RunLog, RunRecorder } from './runRecorder';

export interface WindowSessionOptions {
  /** How long without activity ends a session (ms); read on every use, so a changed setting applies at once. */
  idleMs: () => number;
  /** Only a hash of it is stored (see SkillTracker.createSession). */
  projectPath?: string;
  source?: string;
  now?: () => number;
}

/**
 * One editor window's working period: it starts when the window starts tracking, and a new one
 * starts when activity resumes after an idle gap. The ended session is closed at its last
 * activity, not at the moment the gap was noticed, so idle time never counts as session time.
 */
export class WindowSession {
  private sessionId: string | undefined;
  private pending: Promise<string> | undefined;
  private lastActivity = 0;
  private readonly now: () => number;

  /** `log`: where the session's end is written (the store, or the window's own log segment when the store host holds the data). */
  constructor(private readonly log: Pick<RunLog, 'commit'>, private readonly tracker: Pick<RunRecorder, 'createSession'>, private readonly options: WindowSessionOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The session id to record activity in now, starting a new session when needed. */
  current(): Promise<string> {
    this.pending = (this.pending ?? Promise.resolve(undefined as string | undefined))
      .catch(() => undefined)
      .then(() => this.rotate());
    return this.pending;
  }

  /** Marks activity that is not an invocation (focus, saves), which keeps the session alive. */
  touch(): void {
    if (this.sessionId) this.lastActivity = this.now();
  }

  /** The current session id without starting one. */
  get id(): string | undefined {
    return this.sessionId;
  }

  /**
   * Ends the session (window closing, tracking paused): now, or at its last activity when it has
   * been idle longer than the gap already. The next `current()` starts a new one.
   */
  async end(): Promise<void> {
    await this.pending?.catch(() => undefined);
    const now = this.now();
    await this.finish(this.isIdle(now) ? this.lastActivity : now);
  }

  /** Drops the session without recording an end (its rows were deleted, e.g. by a purge). */
  forget(): void {
    this.sessionId = undefined;
  }

  private isIdle(now: number): boolean {
    return now - this.lastActivity > this.options.idleMs();
  }

  private async finish(endedAt: number): Promise<void> {
    const id = this.sessionId;
    if (!id) return;
    this.sessionId = undefined;
    await this.log.commit([{ t: 'session_end', session_id: id, ended_at: new Date(endedAt).toISOString() }]);
  }

  private async rotate(): Promise<string> {
    const now = this.now();
    if (this.sessionId && this.isIdle(now)) await this.finish(this.lastActivity);
    if (!this.sessionId) {
      this.sessionId = await this.tracker.createSession({ projectPath: this.options.projectPath, source: this.options.source ?? 'vscode' });
    }
    this.lastActivity = now;
    return this.sessionId;
  }
}
