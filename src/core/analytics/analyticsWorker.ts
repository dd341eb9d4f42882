/**
 * Worker-thread entry (bundled as dist/analytics-worker.js): runs a long analytics job on its own
 * read-only replica of the store (the snapshot and every process's log, as on disk), so the editor's
 * thread only commits the few rows it returns. The replica is opened per job and closed after it:
 * the memory is held only while a job runs.
 */
import { SkillStore } from '../store/store';
import { serveWorkerJobs } from '../store/workerJobs';
import { computeAnalyticsJob, type AnalyticsJob, type AnalyticsJobResult } from './analyticsJobs';

export interface AnalyticsWorkerJob {
  dbPath: string;
  migrationsDir?: string;
  job: AnalyticsJob;
}

serveWorkerJobs<AnalyticsWorkerJob, AnalyticsJobResult>(async ({ dbPath, migrationsDir, job }) => {
  const replica = await SkillStore.open({ path: dbPath, mode: 'read', pollMs: 0, migrationsDir });
  try {
    return await computeAnalyticsJob(replica, job);
  } finally {
    await replica.close();
  }
});
