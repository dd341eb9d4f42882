import type * as vscode from 'vscode';
import type { Core, StoreHost } from './storeHost';
import { Disposable, intervalDisposable, toDisposable } from './lifecycle';
import type { SettingsWatcher } from './settings';

/** How often the true 1 h / 24 h windows and the anomalies are recomputed. */
const MONITOR_EVERY_MS = 60_000;
/** How often due A/B tests are completed and dependencies and baselines refreshed. */
const HOURLY_MS = 3_600_000;

/**
 * The analytics that keep themselves current in the background: the metrics cache and anomaly
 * detection every minute (new anomalies turn the status bar's warning on), due A/B tests and the
 * dependency network hourly, and the predictor, retrained when the data has grown by 20 %.
 * Every job is awaited before the next one of its kind starts, and none runs on a caller's path.
 * While tracking is paused none of them runs: pausing stops every write.
 */
export class AnalyticsScheduler extends Disposable {
  private busy = new Set<string>();

  constructor(host: StoreHost, private readonly settings: SettingsWatcher, private readonly log: vscode.LogOutputChannel) {
    super();
    void host.ready.then((core) => this.start(core), () => undefined);
  }

  private start(core: Core): void {
    if (this.isDisposed) return;
    this.every('monitor', MONITOR_EVERY_MS, async () => {
      await core.lib.refreshMetricsCache(core.store);
      const found = await core.lib.detectAnomalies(core.store, {});
      for (const a of found) this.log.warn(`Anomaly: ${a.skill_name} ${a.anomaly_type} of ${a.metric} (baseline ${a.baseline_value}, now ${a.observed_value})`);
    });
    this.every('hourly', HOURLY_MS, async () => {
      for (const test of await core.lib.completeDueAbTests(core.store)) this.log.info(`A/B test "${test.test_name}" reached its end date and is completed`);
      await core.lib.updateSkillDependencies(core.store, {});
      await core.lib.updateCommunityBaselines(core.store);
    });
    this.register(new core.lib.PredictorService(core.store, {
      mayWrite: () => this.settings.current.trackingEnabled,
      onTrained: (r) => this.log.info(`Predictor retrained on ${r.samples} runs: accuracy ${r.accuracy.toFixed(3)} against ${r.baselineAccuracy.toFixed(3)} for the majority outcome`),
      onError: (err) => this.log.info(`Predictor not trained: ${err.message}`),
    }).start());
  }

  private every(name: string, intervalMs: number, job: () => Promise<void>): void {
    const run = async () => {
      if (this.busy.has(name) || this.isDisposed || !this.settings.current.trackingEnabled) return;
      this.busy.add(name);
      try {
        await job();
      } catch (err) {
        this.log.warn(`Background ${name} job failed: ${(err as Error).message}`);
      } finally {
        this.busy.delete(name);
      }
    };
    const first = setTimeout(() => void run(), Math.min(intervalMs, 15_000));
    this.register(toDisposable(() => clearTimeout(first)));
    this.register(intervalDisposable(intervalMs, () => void run()));
  }
}
