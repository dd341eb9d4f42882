import path from 'node:path';
import type { SnapshotReport } from './compactor';
import type { CompactJob } from './compactWorker';
import type { StorePaths } from './paths';
import type { CompactionJob, CompactionRunner } from './store';
import { WorkerJobs } from './workerJobs';

/**
 * Rebuilds snapshots in a worker thread (dist/compact-worker.js), so that loading, replaying and
 * writing a large database never blocks the extension host. One worker, started on demand.
 */
export class WorkerCompactionRunner {
  private readonly jobs: WorkerJobs<CompactJob, SnapshotReport>;

  constructor(workerFile: string = path.join(__dirname, 'compact-worker.js')) {
    this.jobs = new WorkerJobs(workerFile, 'compaction');
  }

  readonly run: CompactionRunner = (paths: StorePaths, options: CompactionJob) => this.jobs.run({ ...options, paths });

  dispose(): void {
    this.jobs.dispose();
  }
}
