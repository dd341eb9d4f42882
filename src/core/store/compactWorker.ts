/**
 * Worker-thread entry (bundled as dist/compact-worker.js): rebuilds the snapshot off the calling
 * thread, so that a long compaction never blocks the editor's extension host. One job at a time;
 * the caller queues them.
 */
import { compact, type SnapshotReport } from './compactor';
import type { StorePaths } from './paths';
import type { CompactionJob } from './store';
import { serveWorkerJobs } from './workerJobs';

export interface CompactJob extends CompactionJob {
  paths: StorePaths;
}

serveWorkerJobs<CompactJob, SnapshotReport>((job) =>
  compact(job.paths, { migrate: true, migrationsDir: job.migrationsDir, segmentGraceMs: job.segmentGraceMs, lockBudgetMs: job.lockBudgetMs, repairLog: job.repairLog }));
