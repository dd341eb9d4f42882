import type { JobLease } from '../store/jobLease';
import type { Store } from '../store/storeInterface';
import type { AnalyticsJobRunner } from './analyticsJobRunner';
import { completeDueAbTests } from './abTesting';
import { detectAnomalies } from './anomalies';
import { PredictorService } from './predictor';
import { refreshMetricsCache } from './realtimeMetrics';
import { applyRetention } from './retention';
import { ColumnShelf } from './columnShelf';
import { SkillChangeTracker, type ShelvedHistory } from './skillChangeTracker';
import type { SkillChange } from './skillChanges';

/** How often the true 1 h / 24 h windows and the anomalies are recomputed, and the lease is sought. */
const MONITOR_EVERY_MS = 60_000;
/** How often due A/B tests are completed and dependencies, baselines and the regression history refreshed. */
const HOURLY_MS = 3_600_000;
/** Retention runs a little after the store opens (off the startup path), then daily. */
const RETENTION_DELAY_MS = 30_000;
const DAILY_MS = 86_400_000;
/** Longer than the other processes' poll interval (1 s): each applies one retention step at a time. */
const RETENTION_STEP_PAUSE_MS = 1100;
/** The first run of a job comes this soon at the latest, so a new process's data is current early. */
const FIRST_RUN_MAX_MS = 15_000;

export interface BackgroundJobsLog {
  info(line: string): void;
  warn(line: string): void;
}

export interface BackgroundJobsOptions {
  store: Store;
  runner: AnalyticsJobRunner;
  lease: JobLease;
  /** False while tracking is paused: pausing stops every write, derived rows included. */
  mayRun(): boolean;
  /** The retention to apply; undefined: none (only a user's setting removes data). */
  retentionDays(): number | undefined;
  log: BackgroundJobsLog;
  /** Said once per change of role, so that each process tells whether it runs the jobs. */
  onRole?(leading: boolean): void;
}

/**
 * Every background job that writes derived data, in one place: the metrics cache, anomaly
 * detection and new runs appended to the regression history every minute, due A/B tests,
 * dependencies, baselines and the full fits of the regression history hourly, retention daily, and
 * the predictor, retrained when the data has grown by 20 %. Only the process holding the store's
 * job lease runs them (a window, or the store host when windows use it; the others read what it
 * writes); every job is awaited before the next one of its kind starts, and none runs on a
 * caller's path.
 */
export class BackgroundJobs {
  private readonly busy = new Set<string>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly shelf: ColumnShelf<ShelvedHistory>;
  private readonly changes: SkillChangeTracker;
  private readonly predictor: PredictorService;
  private leading: boolean | undefined;
  private disposed = false;

  constructor(private readonly options: BackgroundJobsOptions) {
    const { store, runner, lease, log } = options;
    this.shelf = new ColumnShelf(store.paths.historyDir);
    this.changes = new SkillChangeTracker(this.shelf);
    this.predictor = new PredictorService(store, {
      mayWrite: () => options.mayRun() && lease.held,
      train: async (days) => (await runner.run(store, { kind: 'predictor', days })).summary,
      onTrained: (r) => log.info(`Predictor retrained on ${r.samples} runs: accuracy ${r.accuracy.toFixed(3)} against ${r.baselineAccuracy.toFixed(3)} for the majority outcome`),
      onError: (err) => log.info(`Predictor not trained: ${err.message}`),
    });
  }

  start(): this {
    this.every('monitor', FIRST_RUN_MAX_MS, MONITOR_EVERY_MS, () => this.monitor());
    this.every('hourly', FIRST_RUN_MAX_MS, HOURLY_MS, () => this.hourly());
    this.every('retention', RETENTION_DELAY_MS, DAILY_MS, () => this.retention());
    this.predictor.start();
    return this;
  }

  dispose(): void {
    this.disposed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.predictor.dispose();
    this.shelf.dispose();
    void this.options.lease.dispose();
  }

  private async monitor(): Promise<void> {
    const { store, log } = this.options;
    await refreshMetricsCache(store);
    const found = await detectAnomalies(store, {});
    for (const a of found) log.warn(`Anomaly: ${a.skill_name} ${a.anomaly_type} of ${a.metric} (baseline ${a.baseline_value}, now ${a.observed_value})`);
    this.logRegressions(await this.changes.update(store));
  }

  private async hourly(): Promise<void> {
    const { store, runner, log } = this.options;
    for (const test of await completeDueAbTests(store)) log.info(`A/B test "${test.test_name}" reached its end date and is completed`);
    await runner.run(store, { kind: 'dependencies' });
    await runner.run(store, { kind: 'baselines' });
    const refreshed = await runner.run(store, { kind: 'changes', refit: this.changes.stale(), shelf: this.changes.writerPrefix() });
    this.changes.adopt(refreshed.summary.shelved);
    const { unshelved } = refreshed.summary;
    if (unshelved) log.warn(`The regression history could not be cached in ${store.paths.historyDir} (${unshelved}): skills left out are refreshed hourly instead of with each run`);
    this.logRegressions(refreshed.summary.found);
  }

  private async retention(): Promise<void> {
    const retentionDays = this.options.retentionDays();
    if (retentionDays === undefined) return;
    const { log } = this.options;
    const r = await applyRetention(this.options.store, { retentionDays, stepPauseMs: RETENTION_STEP_PAUSE_MS });
    if (r.removed > 0 || r.anomalies_removed > 0) log.info(`Retention (${retentionDays} days): rolled up and removed ${r.removed} invocations and ${r.anomalies_removed} resolved anomalies from before ${r.before}`);
    if (r.unpushed_removed > 0) log.warn(`Retention removed ${r.unpushed_removed} invocations the team store had not received yet (they were older than ${retentionDays} days)`);
  }

  private logRegressions(found: readonly SkillChange[]): void {
    for (const r of found) this.options.log.warn(`Regression: ${r.skill_name} ${r.change} since ${r.started_at} (run ${r.start_run_number})`);
  }

  /** Whether this process runs the shared jobs now: it holds the lease, or has just taken it. */
  private async isLeader(): Promise<boolean> {
    const held = await this.options.lease.tryAcquire();
    if (held !== this.leading) this.options.onRole?.(held);
    this.leading = held;
    return held;
  }

  private every(name: string, firstMs: number, intervalMs: number, job: () => Promise<void>): void {
    const run = async () => {
      if (this.busy.has(name) || this.disposed || !this.options.mayRun()) return;
      this.busy.add(name);
      try {
        if (await this.isLeader()) await job();
      } catch (err) {
        this.options.log.warn(`Background ${name} job failed: ${(err as Error).message}`);
      } finally {
        this.busy.delete(name);
      }
    };
    const first = setTimeout(() => void run(), Math.min(intervalMs, firstMs));
    const repeat = setInterval(() => void run(), intervalMs);
    first.unref();
    repeat.unref();
    this.timers.push(first, repeat);
  }
}
