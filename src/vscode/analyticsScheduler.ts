import type * as vscode from 'vscode';
import { Disposable, toDisposable, type IDisposable } from './lifecycle';
import { affects, type SettingsWatcher } from './settings';
import type { Core, StoreHost } from './storeHost';

/**
 * The background jobs (BackgroundJobs in the core): run by this window while it holds the store's
 * job lease (another window may hold it, and this one then reads what that one writes), or, with
 * `sessionBuddy.storeHost.enabled`, handed to the store host, which runs them once for every
 * window. While tracking is paused none of them runs: pausing stops every write.
 */
export class AnalyticsScheduler extends Disposable {
  private running: IDisposable | undefined;
  private delegation: { settingsChanged(): void } | undefined;
  /** Moves with every start, so that a store that finishes opening after a newer start does not undo it. */
  private generation = 0;

  constructor(
    private readonly host: StoreHost,
    private readonly settings: SettingsWatcher,
    private readonly log: vscode.LogOutputChannel,
    /** dist/store-host.js */
    private readonly hostScript: string,
  ) {
    super();
    this.register(toDisposable(() => this.stop()));
    void host.window.then(() => {
      if (this.isDisposed) return;
      this.start();
      this.register(settings.onDidChange((e) => {
        if (affects(e, 'storeHost')) this.start();
        else if (affects(e, 'tracking', 'retentionDays')) this.delegation?.settingsChanged();
      }));
    }, () => undefined);
  }

  private start(): void {
    this.stop();
    this.generation++;
    if (this.settings.current.storeHostEnabled) void this.delegate();
    else void this.runHere();
  }

  private stop(): void {
    this.running?.dispose();
    this.running = undefined;
    this.delegation = undefined;
  }

  /** Hands the jobs to the host; the store is not opened here unless the host cannot run them. */
  private async delegate(): Promise<void> {
    const { log, settings } = this;
    const generation = this.generation;
    const { JobsDelegation } = await import('../core/host/jobsDelegation');
    if (this.isDisposed || generation !== this.generation) return;
    const delegation = new JobsDelegation({
      db: this.host.databasePath(),
      hostScript: this.hostScript,
      settings: () => ({ trackingEnabled: settings.current.trackingEnabled, retentionDays: settings.current.retentionDays }),
      onUnavailable: (reason) => {
        log.warn(`The store host cannot run the background analytics (${reason}); this window runs them`);
        if (this.running === delegation) void this.runHere();
      },
      log: (line) => log.info(`Store host: ${line}`),
    });
    this.stop();
    this.running = delegation;
    this.delegation = delegation;
    delegation.start();
  }

  private async runHere(): Promise<void> {
    const generation = this.generation;
    const core = await this.host.ready.catch(() => undefined);
    if (!core || this.isDisposed || generation !== this.generation) return;
    this.run(core);
  }

  private run(core: Core): void {
    this.stop();
    const { log, settings } = this;
    this.running = new core.lib.BackgroundJobs({
      store: core.store,
      runner: core.jobs,
      lease: new core.lib.JobLease(core.store.paths.jobsLock),
      mayRun: () => settings.current.trackingEnabled,
      retentionDays: () => settings.current.retentionDays,
      log,
      onRole: (leading) => log.info(leading ? 'This window runs the background analytics for the store' : 'Another window runs the background analytics (or the store host does); this one reads its results'),
    }).start();
  }
}
