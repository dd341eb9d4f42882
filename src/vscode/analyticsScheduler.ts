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

  constructor(
    host: StoreHost,
    private readonly settings: SettingsWatcher,
    private readonly log: vscode.LogOutputChannel,
    /** dist/store-host.js */
    private readonly hostScript: string,
  ) {
    super();
    this.register(toDisposable(() => this.stop()));
    void host.ready.then((core) => {
      if (this.isDisposed) return;
      this.start(core);
      this.register(settings.onDidChange((e) => {
        if (affects(e, 'storeHost')) this.start(core);
        else if (affects(e, 'tracking', 'retentionDays')) this.delegation?.settingsChanged();
      }));
    }, () => undefined);
  }

  private start(core: Core): void {
    this.stop();
    if (this.settings.current.storeHostEnabled) this.delegate(core);
    else this.runHere(core);
  }

  private stop(): void {
    this.running?.dispose();
    this.running = undefined;
    this.delegation = undefined;
  }

  private delegate(core: Core): void {
    const { log, settings } = this;
    const delegation = new core.lib.JobsDelegation({
      db: core.store.paths.db,
      hostScript: this.hostScript,
      settings: () => ({ trackingEnabled: settings.current.trackingEnabled, retentionDays: settings.current.retentionDays }),
      onUnavailable: (reason) => {
        log.warn(`The store host cannot run the background analytics (${reason}); this window runs them`);
        if (this.running === delegation) this.runHere(core);
      },
      log: (line) => log.info(`Store host: ${line}`),
    });
    this.running = delegation;
    this.delegation = delegation;
    delegation.start();
  }

  private runHere(core: Core): void {
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
