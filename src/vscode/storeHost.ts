import * as vscode from 'vscode';
import type { SkillStore } from '../core/store/store';
import type { SkillTracker } from '../core/tracking/tracker';
import type { WindowSession } from '../core/tracking/windowSession';
import type { AnalyticsJobRunner } from '../core/analytics/analyticsJobRunner';
import type { WorkerCompactionRunner } from '../core/store/compactionRunner';
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
  /** Where the long analytics run: a worker thread, off the extension host's. */
  jobs: AnalyticsJobRunner;
}

/**
 * Loads the core and opens the store after activation has returned (views show a loading state
 * meanwhile) and owns its lifetime: the window's session ends and the store closes when the
 * extension deactivates (close(), after the subscriptions are disposed).
 */
export class StoreHost extends Disposable {
  readonly ready: Promise<Core>;
  private core: Core | undefined;
  private closing = false;
  private hasRuns: boolean | undefined;

  constructor(
    private readonly settings: SettingsWatcher,
    private readonly log: vscode.LogOutputChannel,
    runner: WorkerCompactionRunner,
    /** dist/analytics-worker.js */
    private readonly analyticsWorkerFile: string,
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
    try {
      await core.session.end();
    } catch (err) {
      this.log.warn(`Could not record the end of the session: ${(err as Error).message}`);
    }
    core.jobs.dispose();
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
    const jobs = new lib.AnalyticsJobRunner(this.analyticsWorkerFile);
    this.core = { store, tracker, session, userId, lib, jobs };
    this.log.info(`Store ${store.paths.db} opened in ${Math.round(performance.now() - started)} ms`);
    this.publishHasRuns(lib.hasRecordedRuns(store));
    store.onDidChange(() => this.publishHasRuns(lib.hasRecordedRuns(store)));
    if (settings.trackingEnabled) await session.current();
    return this.core;
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
