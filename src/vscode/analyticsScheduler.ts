import type * as vscode from 'vscode';
import type { SkillChange } from '../core/analytics/skillChanges';
import type { JobLease } from '../core/store/jobLease';
import { Disposable, intervalDisposable, toDisposable } from './lifecycle';
import type { SettingsWatcher } from './settings';
import type { Core, StoreHost } from './storeHost';

/** How often the true 1 h / 24 h windows and the anomalies are recomputed, and the lease is sought. */
const MONITOR_EVERY_MS = 60_000;
/** How often due A/B tests are completed and dependencies, baselines and the regression history refreshed. */
const HOURLY_MS = 3_600_000;
/** Retention runs a little after the store opens (off the startup path), then daily. */
const RETENTION_DELAY_MS = 30_000;
const DAILY_MS = 86_400_000;
/** Longer than the other windows' poll interval (1 s): each applies one retention step at a time. */
const RETENTION_STEP_PAUSE_MS = 1100;
/** The first run of a job comes this soon at the latest, so a new window's data is current early. */
const FIRST_RUN_MAX_MS = 15_000;

/**
 * Every background job that writes derived data, in one place: the metrics cache, anomaly
 * detection and new runs appended to the regression history every minute (new anomalies turn the
 * status bar's warning on), due A/B tests, dependencies, baselines and the full fits of the
 * regression history hourly, retention daily, and the predictor, retrained when the data
 * has grown by 20 %. Only the window holding the store's job lease runs them (the others read
 * what it writes, as they read each other's runs); every job is awaited before the next one of its
 * kind starts, and none runs on a caller's path. While tracking is paused none of them runs:
 * pausing stops every write.
 */
export class AnalyticsScheduler extends Disposable {
  private readonly busy = new Set<string>();
  private lease: JobLease | undefined;
  /** Unknown until the lease is first sought, so each window says once which role it has. */
  private leading: boolean | undefined;

  constructor(
    host: StoreHost,
    private readonly settings: SettingsWatcher,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    void host.ready.then((core) => this.start(core), () => undefined);
  }

  private start(core: Core): void {
    if (this.isDisposed) return;
    const lease = new core.lib.JobLease(core.store.paths.db, core.store.paths.jobsLock);
    this.lease = lease;
    this.register(toDisposable(() => void lease.dispose()));
    const changes = new core.lib.SkillChangeTracker();
    this.every('monitor', FIRST_RUN_MAX_MS, MONITOR_EVERY_MS, async () => {
      await core.lib.refreshMetricsCache(core.store);
      const found = await core.lib.detectAnomalies(core.store, {});
      for (const a of found) this.log.warn(`Anomaly: ${a.skill_name} ${a.anomaly_type} of ${a.metric} (baseline ${a.baseline_value}, now ${a.observed_value})`);
      this.logRegressions(await changes.update(core.store));
    });
    this.every('hourly', FIRST_RUN_MAX_MS, HOURLY_MS, async () => {
      for (const test of await core.lib.completeDueAbTests(core.store)) this.log.info(`A/B test "${test.test_name}" reached its end date and is completed`);
      await core.jobs.run(core.store, { kind: 'dependencies' });
      await core.jobs.run(core.store, { kind: 'baselines' });
      const refreshed = await core.jobs.run(core.store, { kind: 'changes', refit: changes.stale() });
      changes.adopt(refreshed.summary.states);
      this.logRegressions(refreshed.summary.found);
    });
    this.every('retention', RETENTION_DELAY_MS, DAILY_MS, async () => {
      const retentionDays = this.settings.current.retentionDays;
      const r = await core.lib.applyRetention(core.store, { retentionDays, stepPauseMs: RETENTION_STEP_PAUSE_MS });
      if (r.removed > 0 || r.anomalies_removed > 0) this.log.info(`Retention (${retentionDays} days): rolled up and removed ${r.removed} invocations and ${r.anomalies_removed} resolved anomalies from before ${r.before}`);
      if (r.unpushed_removed > 0) this.log.warn(`Retention removed ${r.unpushed_removed} invocations the team store had not received yet (they were older than ${retentionDays} days)`);
    });
    this.register(new core.lib.PredictorService(core.store, {
      mayWrite: () => this.settings.current.trackingEnabled && lease.held,
      train: async (days) => (await core.jobs.run(core.store, { kind: 'predictor', days })).summary,
      onTrained: (r) => this.log.info(`Predictor retrained on ${r.samples} runs: accuracy ${r.accuracy.toFixed(3)} against ${r.baselineAccuracy.toFixed(3)} for the majority outcome`),
      onError: (err) => this.log.info(`Predictor not trained: ${err.message}`),
    }).start());
  }

  private logRegressions(found: readonly SkillChange[]): void {
    for (const r of found) this.log.warn(`Regression: ${r.skill_name} ${r.change} since ${r.started_at} (run ${r.start_run_number})`);
  }

  /** Whether this window runs the shared jobs now: it holds the lease, or has just taken it. */
  private async isLeader(): Promise<boolean> {
    const held = (await this.lease?.tryAcquire()) ?? false;
    if (held !== this.leading) this.log.info(held ? 'This window runs the background analytics for the store' : 'Another window runs the background analytics; this one reads its results');
    this.leading = held;
    return held;
  }

  private every(name: string, firstMs: number, intervalMs: number, job: () => Promise<void>): void {
    const run = async () => {
      if (this.busy.has(name) || this.isDisposed || !this.settings.current.trackingEnabled) return;
      this.busy.add(name);
      try {
        if (await this.isLeader()) await job();
      } catch (err) {
        this.log.warn(`Background ${name} job failed: ${(err as Error).message}`);
      } finally {
        this.busy.delete(name);
      }
    };
    const first = setTimeout(() => void run(), Math.min(intervalMs, firstMs));
    this.register(toDisposable(() => clearTimeout(first)));
    this.register(intervalDisposable(intervalMs, () => void run()));
  }
}
