/**
 * Worker-thread entry (bundled as dist/compact-worker.js): rebuilds the snapshot off the calling
 * thread, so that a long compaction never blocks the editor's extension host. One job at a time;
 * the caller queues them.
 */
import { parentPort } from 'node:worker_threads';
import { compact, type SnapshotReport } from './compactor';
import type { StorePaths } from './paths';
import type { CompactionJob } from './store';

export interface CompactJob extends CompactionJob {
  id: number;
  paths: StorePaths;
}

export type CompactResult = { id: number; report: SnapshotReport } | { id: number; error: string };

parentPort?.on('message', (job: CompactJob) => {
  compact(job.paths, { migrate: true, migrationsDir: job.migrationsDir, segmentGraceMs: job.segmentGraceMs, lockBudgetMs: job.lockBudgetMs })
    .then((report): CompactResult => ({ id: job.id, report }))
    .catch((err: unknown): CompactResult => ({ id: job.id, error: err instanceof Error ? err.message : String(err) }))
    .then((result) => parentPort?.postMessage(result));
});
