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

  constructor(workerFile: string = path.join(__dirname, 'analytics-worker.js'), private readonly migrationsDir?: string) {
    this.jobs = new WorkerJobs(workerFile, 'analytics', (name, message) => (name === 'PredictorRefusal' ? new PredictorRefusal(message) : new Error(message)));
  }

  async run<K extends AnalyticsJob['kind']>(store: Store, job: Extract<AnalyticsJob, { kind: K }>): Promise<Extract<AnalyticsJobResult, { kind: K }>> {
    const result = await this.jobs.run({ dbPath: store.paths.db, migrationsDir: this.migrationsDir, job });
    if (result.events.length) await store.commit(result.events);
    return result as Extract<AnalyticsJobResult, { kind: K }>;
  }

  dispose(): void {
    this.jobs.dispose();
  }
}
