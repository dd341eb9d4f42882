import * as vscode from 'vscode';
import type { SkillStore } from '../core/store/store';
import type { SkillTracker } from '../core/tracking/tracker';
import type { WindowSession } from '../core/tracking/windowSession';
import type { WorkerCompactionRunner } from './compactionRunner';
import { Disposable } from './lifecycle';
import { affects, type SettingsWatcher } from './settings';

export type CoreLibrary = typeof import('./coreServices');

/** The store and what works on it, available once the store is open. */
export interface Core {
  store: SkillStore;
  tracker: SkillTracker;
  session: WindowSession;
  userId: string;
  /** The core's functions, loaded with the store. */
  lib: CoreLibrary;
}

/** Retention runs a little after the store opens (off the startup path), then daily. */
const RETENTION_DELAY_MS = 30_000;
const RETENTION_EVERY_MS = 86_400_000;

/**
 * Loads the core and opens the store after activation has returned (views show a loading state
 * meanwhile) and owns its lifetime: the window's session ends and the store closes when the
 * extension deactivates (close(), after the subscriptions are disposed).
 */
export class StoreHost extends Disposable {
  readonly ready: Promise<Core>;
  private core: Core | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;
  private closing = false;
  private hasRuns: boolean | undefined;

  constructor(
    private readonly settings: SettingsWatcher,
    private readonly log: vscode.LogOutputChannel,
    runner: WorkerCompactionRunner,
  ) {
    super();
    // Activity that is not a run (focus, saves) keeps the window's session alive.
    this.register(vscode.window.onDidChangeWindowState((state) => {
      if (state.focused) this.touch();
    }));
    this.register(vscode.workspace.onDidSaveTextDocument(() => this.touch()));
    this.register(settings.onDidChange((e) => {
      if (!affects(e, 'databasePath', 'userId')) return;
      void vscode.window.showInformationMessage('Session Buddy: reload the window to use the new database or user id.', 'Reload Window').then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.action.reloadWindow');
      });
    }));
    this.ready = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.open(runner));
    this.ready.catch((err: Error) => {
      this.log.error(`Could not open the store: ${err.message}`);
      void vscode.window.showErrorMessage(`Session Buddy could not open its database: ${err.message}`, 'Show Log').then((choice) => {
        if (choice) this.log.show();
      });
    });
  }

  get current(): Core | undefined {
    return this.core;
  }

  touch(): void {
    this.core?.session.touch();
  }

  /** Ends the session and closes the store, writing a last snapshot of this window's events. */
  async close(): Promise<void> {
    this.closing = true;
    const core = this.core ?? (await this.ready.catch(() => undefined));
    if (!core) return;
    this.core = undefined;
    clearTimeout(this.retentionTimer);
    try {
      await core.session.end();
    } catch (err) {
      this.log.warn(`Could not record the end of the session: ${(err as Error).message}`);
    }
    await core.store.close();
  }

  private async open(runner: WorkerCompactionRunner): Promise<Core> {
    const started = performance.now();
    const settings = this.settings.current;
    const lib: CoreLibrary = await import('./coreServices');
    const store = await lib.SkillStore.open({
      path: settings.databasePath || undefined,
      mode: 'work',
      pollMs: 1000,
      compactionRunner: async (paths, job) => {
        const report = await runner.run(paths, job);
        this.log.debug(`Snapshot written in a worker: ${report.replayed} events replayed, ${report.bytes} bytes, ${Math.round(report.durationMs)} ms`);
        return report;
      },
      onMessage: (message) => this.warn(message),
    });
    if (store.report.backup) this.log.info(`Upgraded the database to ${store.report.migrated.at(-1)}; backup: ${store.report.backup}`);
    const userId = lib.resolveUserId(settings.userId);
    const tracker = new lib.SkillTracker(store, userId);
    const session = new lib.WindowSession(store, tracker, {
      idleMs: () => this.settings.current.sessionIdleMinutes * 60_000,
      projectPath: vscode.workspace.workspaceFolders?.[0]?.uri.toString(),
    });
    this.core = { store, tracker, session, userId, lib };
    this.log.info(`Store ${store.paths.db} opened in ${Math.round(performance.now() - started)} ms`);
    this.publishHasRuns(lib.hasRecordedRuns(store));
    store.onDidChange(() => this.publishHasRuns(lib.hasRecordedRuns(store)));
    if (settings.trackingEnabled) await session.current();
    this.scheduleRetention(RETENTION_DELAY_MS);
    return this.core;
  }

  /** Rolls up and removes invocations older than sessionBuddy.retentionDays. */
  private scheduleRetention(delay: number): void {
    this.retentionTimer = setTimeout(() => {
      const core = this.core;
      if (!core) return;
      // Paused tracking writes nothing; retention waits for the next day.
      if (!this.settings.current.trackingEnabled) return this.scheduleRetention(RETENTION_EVERY_MS);
      const retentionDays = this.settings.current.retentionDays;
      core.lib
        .applyRetention(core.store, { retentionDays })
        .then((r) => {
          if (r.removed > 0 || r.anomalies_removed > 0) this.log.info(`Retention (${retentionDays} days): rolled up and removed ${r.removed} invocations and ${r.anomalies_removed} resolved anomalies from before ${r.before}`);
        })
        .catch((err: Error) => this.log.warn(`Retention failed: ${err.message}`))
        .finally(() => {
          if (this.core) this.scheduleRetention(RETENTION_EVERY_MS);
        });
    }, delay);
    this.retentionTimer.unref();
  }

  /** The `sessionBuddy.hasRuns` context key: the walkthrough's first step is done once something was recorded. */
  private publishHasRuns(has: boolean): void {
    if (has === this.hasRuns) return;
    this.hasRuns = has;
    void vscode.commands.executeCommand('setContext', 'sessionBuddy.hasRuns', has);
  }

  /** Problems go to the log, and to a notification unless the window is closing. */
  private warn(message: string): void {
    this.log.warn(message);
    if (!this.closing) void vscode.window.showWarningMessage(`Session Buddy: ${message}`);
  }
}
