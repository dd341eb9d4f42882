import path from 'node:path';
import type { Store } from '../store/storeInterface';
import { WorkerJobs } from '../store/workerJobs';
import type { AnalyticsJob, AnalyticsJobResult } from './analyticsJobs';
import type { AnalyticsWorkerJob } from './analyticsWorker';
import { PredictorRefusal } from './predictor';

/**
 * Runs the long analytics jobs (dependencies, baselines, predictor training) in a worker thread
 * (dist/analytics-worker.js) and commits what they computed to the caller's store, so the
 * extension host's thread only applies the result rows: at 1M invocations these jobs took 0.7 to
 * 3.5 s of it each.
 */
export class AnalyticsJobRunner {
  private readonly jobs: WorkerJobs<AnalyticsWorkerJob, AnalyticsJobResult>;

  /**
   * `engine` 'file': the caller is the store host on node:sqlite, whose file holds the data; the
   * worker then reads the file rather than building a sql.js replica of it.
   */
  constructor(workerFile: string = path.join(__dirname, 'analytics-worker.js'), private readonly migrationsDir?: string, private readonly engine?: 'file') {
    this.jobs = new WorkerJobs(workerFile, 'analytics', (name, message) => (name === 'PredictorRefusal' ? new PredictorRefusal(message) : new Error(message)));
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
