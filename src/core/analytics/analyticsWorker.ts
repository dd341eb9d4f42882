/**
 * Worker-thread entry (bundled as dist/analytics-worker.js): runs a long analytics job on its own
 * read-only replica of the store, so the calling thread only commits the few rows it returns. The
 * replica is opened per job and closed after it, so memory is held only while a job runs: a sql.js
 * copy of the snapshot and every process's log, or for the store host, whose file is kept up to date
 * with the log, a read-only connection to the file itself (SQLite's page cache, whatever its size).
 */
import { openNodeSqlite } from '../store/nodeSqlite';
import { storePaths } from '../store/paths';
import { SkillStore } from '../store/store';
import { serveWorkerJobs } from '../store/workerJobs';
import { computeAnalyticsJob, type AnalyticsJob, type AnalyticsJobResult } from './analyticsJobs';

export interface AnalyticsWorkerJob {
  dbPath: string;
  migrationsDir?: string;
  /** 'file': read the database file itself (see above); default a sql.js replica. */
  engine?: 'file';
  job: AnalyticsJob;
}

async function onFile(dbPath: string, job: AnalyticsJob): Promise<AnalyticsJobResult> {
  const db = openNodeSqlite(dbPath, { readOnly: true });
  try {
    return await computeAnalyticsJob({ db, paths: storePaths(dbPath) }, job);
  } finally {
    db.close();
  }
}

serveWorkerJobs<AnalyticsWorkerJob, AnalyticsJobResult>(async ({ dbPath, migrationsDir, engine, job }) => {
  if (engine === 'file') return onFile(dbPath, job);
  const replica = await SkillStore.open({ path: dbPath, mode: 'read', pollMs: 0, migrationsDir });
  try {
    return await computeAnalyticsJob(replica, job);
  } finally {
    await replica.close();
  }
});
