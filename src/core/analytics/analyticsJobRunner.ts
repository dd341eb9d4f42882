import path from 'node:path';
import type { Store } from '../store/storeInterface';
import { WorkerJobs, type JobIsolation } from '../store/workerJobs';
import type { AnalyticsJob, AnalyticsJobResult } from './analyticsJobs';
import type { AnalyticsWorkerJob } from './analyticsWorker';
import { PredictorRefusal } from './predictor';

export interface AnalyticsJobRunnerOptions {
  /** The worker's script (default dist/analytics-worker.js beside this bundle). */
  workerFile?: string;
  migrationsDir?: string;
  /**
   * 'file': the caller is the store host on node:sqlite, whose file holds the data; the worker then
   * reads the file rather than building a sql.js replica of it.
   */
  engine?: 'file';
  /** 'process' for a long-lived caller (the store host): see JobIsolation. */
  isolation?: JobIsolation;
}

/**
 * Runs the long analytics jobs (dependencies, baselines, predictor training, the regression
 * history's full fits) in a worker (dist/analytics-worker.js: a thread, or for the store host a
 * child process) and commits what they computed to the caller's store, so the calling thread only
 * applies the result rows: at 1M invocations these jobs took 0.7 to 3.5 s of it each.
 */
export class AnalyticsJobRunner {
  private readonly jobs: WorkerJobs<AnalyticsWorkerJob, AnalyticsJobResult>;
  private readonly migrationsDir?: string;
  private readonly engine?: 'file';

  constructor(options: AnalyticsJobRunnerOptions = {}) {
    this.migrationsDir = options.migrationsDir;
    this.engine = options.engine;
    const revive = (name: string, message: string) => (name === 'PredictorRefusal' ? new PredictorRefusal(message) : new Error(message));
    this.jobs = new WorkerJobs(options.workerFile ?? path.join(__dirname, 'analytics-worker.js'), 'analytics', revive, options.isolation);
  }

  async run<K extends AnalyticsJob['kind']>(store: Store, job: Extract<AnalyticsJob, { kind: K }>): Promise<Extract<AnalyticsJobResult, { kind: K }>> {
    // The file then holds every run recorded so far, the other processes' too.
    if (this.engine === 'file') store.pullEvents();
    const result = await this.jobs.run({ dbPath: store.paths.db, migrationsDir: this.migrationsDir, ...(this.engine ? { engine: this.engine } : {}), job });
    if (result.events.length) await store.commit(result.events);
    return result as Extract<AnalyticsJobResult, { kind: K }>;
  }

  dispose(): void {
    this.jobs.dispose();
  }
}
