/**
 * Worker-thread entry (bundled as dist/query-worker.js): runs one read-only query on a store opened
 * for inspection, off the calling thread, so that a runaway query can be stopped by terminating
 * the worker (the CLI's `sql --timeout`, Ctrl+C).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openNodeSqlite } from './nodeSqlite';
import { runReadOnlyQuery } from './readOnlyQuery';
import { SkillStore } from './store';

export interface QueryJob {
  path: string;
  sql: string;
  /**
   * 'file': read the database file itself over a read-only node:sqlite connection, as the store host
   * does (it keeps the file up to date with the log, so nothing else need be read). Default: open
   * the store for inspection (snapshot and log, in memory).
   */
  engine?: 'file';
}

export type QueryResult = { rows: Record<string, unknown>[]; messages: string[] } | { error: string; messages: string[] };

function queryFile(job: QueryJob): QueryResult {
  const db = openNodeSqlite(job.path, { readOnly: true });
  try {
    return { rows: runReadOnlyQuery(db, job.sql), messages: [] };
  } catch (err) {
    return { error: (err as Error).message, messages: [] };
  } finally {
    db.close();
  }
}

async function main(job: QueryJob): Promise<QueryResult> {
  if (job.engine === 'file') return queryFile(job);
  const messages: string[] = [];
  const store = await SkillStore.open({ path: job.path, mode: 'inspect', pollMs: 0, onMessage: (m) => messages.push(m) });
  try {
    return { rows: runReadOnlyQuery(store.db, job.sql), messages };
  } catch (err) {
    return { error: (err as Error).message, messages };
  } finally {
    await store.close();
  }
}

if (parentPort && workerData) {
  main(workerData as QueryJob)
    .catch((err: unknown): QueryResult => ({ error: err instanceof Error ? err.message : String(err), messages: [] }))
    .then((result) => parentPort?.postMessage(result));
}
