import * as vscode from 'vscode';
import type { SkillStore } from '../core/store/store';
import type { SkillTracker } from '../core/tracking/tracker';
import type { WindowSession } from '../core/tracking/windowSession';
import type { AnalyticsJobRunner } from '../core/analytics/analyticsJobRunner';
import type { WorkerCompactionRunner } from '../core/store/compactionRunner';
import type { WindowData } from '../core/window/windowData';
import { Disposable } from './lifecycle';
import { resolveDatabasePath } from '../core/store/paths';
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
  /** The window's reads and writes answered by this store. */
  window: WindowData;
}

/** What opens the store in this window; `hostScript` is dist/store-host.js, `analyticsWorker` dist/analytics-worker.js. */
export interface StoreHostFiles {
  runner: WorkerCompactionRunner;
  analyticsWorker: string;
  hostScript: string;
}

/**
 * The window's access to the store, opened after activation has returned (views show a loading
 * state meanwhile). `window` is what every part of the window uses (the trackers, the status bar,
 * the Recommendations view, the dashboard, the alerts, the agent tools, the palette's commands,
 * team sync): with `sessionBuddy.storeHost.enabled` (the default), the store host's answers, the
 * window's runs in its own log segment and no copy of the data here; otherwise (or when the host
 * cannot serve) the store opened in this window. `ready` is that store opened here, for what runs
 * in the window when the host cannot (the background jobs, the real-time servers) and for Migrate
 * and Roll Back without the host. The window's session ends and the store closes when the extension
 * deactivates (close(), after the subscriptions are disposed).
 */
export class StoreHost extends Disposable {
  readonly window: Promise<WindowData>;
  private local: Promise<Core> | undefined;
  private core: Core | undefined;
  private served: WindowData | undefined;
  private closing = false;
  private hasRuns: boolean | undefined;

  constructor(
    private readonly settings: SettingsWatcher,
    private readonly log: vscode.LogOutputChannel,
    private readonly files: StoreHostFiles,
  ) {
    super();
    // Activity that is not a run (focus, saves) keeps the window's session alive.
    this.register(vscode.window.onDidChangeWindowState((state) => {
      if (state.focused) this.touch();
    }));
    this.register(vscode.workspace.onDidSaveTextDocument(() => this.touch()));
    this.register(settings.onDidChange((e) => {
      if (!affects(e, 'databasePath', 'userId', 'storeHost')) return;
      void vscode.window.showInformationMessage('Session Buddy: reload the window to use the new database, user id or store host setting.', 'Reload Window').then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.action.reloadWindow');
      });
    }));
    this.window = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.openWindow());
    void this.window.then((window) => {
      this.served = window;
      void this.publishHasRuns();
      this.register(window.onDidChange(() => void this.publishHasRuns()));
    }, () => undefined);
  }

  /** The store opened in this window: at once without the store host, on first use with it. */
  get ready(): Promise<Core> {
    if (!this.local) {
      this.local = this.open();
      this.local.catch((err: Error) => {
        this.log.error(`Could not open the store: ${err.message}`);
        void vscode.window.showErrorMessage(`Session Buddy could not open its database: ${err.message}`, 'Show Log').then((choice) => {
          if (choice) this.log.show();
        });
      });
    }
    return this.local;
  }

  get current(): Core | undefined {
    return this.core;
  }

  /** The window's data once open (undefined while it opens or when it could not). */
  get currentWindow(): WindowData | undefined {
    return this.served;
  }

  /** The store this window uses, as a path (the setting, else the per-user store). */
  databasePath(): string {
    return resolveDatabasePath(this.settings.current.databasePath || undefined);
  }

  touch(): void {
    this.served?.session.touch();
    this.core?.session.touch();
  }

  /** Ends the sessions and closes the store, writing a last snapshot of this window's events. */
  async close(): Promise<void> {
    this.closing = true;
    const window = this.served ?? (await this.window.catch(() => undefined));
    this.served = undefined;
    try {
      await window?.close();
    } catch (err) {
      this.log.warn(`Could not record the end of the session: ${(err as Error).message}`);
    }
    const core = this.core ?? (this.local ? await this.local.catch(() => undefined) : undefined);
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

  private async openWindow(): Promise<WindowData> {
    const settings = this.settings.current;
    if (settings.storeHostEnabled) {
      try {
        const window = await this.openHosted();
        try {
          if (settings.trackingEnabled) await window.session.current();
        } catch (err) {
          await window.close().catch(() => undefined);
          throw err;
        }
        this.log.info(`This window's data is served by the store host; the store is not loaded here`);
        return window;
      } catch (err) {
        this.log.warn(`The store host cannot serve this window (${(err as Error).message}); it opens the store itself`);
      }
    }
    const core = await this.ready;
    if (settings.trackingEnabled) await core.session.current();
    return core.window;
  }

  private async openHosted(): Promise<WindowData> {
    const [{ HostedWindow }, { resolveUserId }] = await Promise.all([import('../core/host/hostedWindow'), import('../core/tracking/identity')]);
    return HostedWindow.open({
      db: this.databasePath(),
      hostScript: this.files.hostScript,
      userId: resolveUserId(this.settings.current.userId),
      session: this.sessionOptions(),
      log: (line) => this.log.info(`Store host: ${line}`),
    });
  }

  private sessionOptions(): { idleMs: () => number; projectPath: string | undefined } {
    return { idleMs: () => this.settings.current.sessionIdleMinutes * 60_000, projectPath: vscode.workspace.workspaceFolders?.[0]?.uri.toString() };
  }

  private async open(): Promise<Core> {
    const started = performance.now();
    const settings = this.settings.current;
    const lib: CoreLibrary = await import('./coreServices');
    const { runner } = this.files;
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
    const session = new lib.WindowSession(store, tracker, this.sessionOptions());
    const jobs = new lib.AnalyticsJobRunner({ workerFile: this.files.analyticsWorker });
    this.core = { store, tracker, session, userId, lib, jobs, window: new lib.LocalWindowData(store, tracker, session, userId, jobs) };
    this.log.info(`Store ${store.paths.db} opened in ${Math.round(performance.now() - started)} ms`);
    return this.core;
  }

  /** The `sessionBuddy.hasRuns` context key: the walkthrough's first step is done once something was recorded. */
  private async publishHasRuns(): Promise<void> {
    const window = this.served;
    if (!window) return;
    let has: boolean;
    try {
      has = (await window.runState()).hasRuns;
    } catch {
      return;
    }
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
