import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { QueryJob, QueryResult } from './queryWorker';

export class QueryTimeoutError extends Error {}

/**
 * Runs one read-only query in a worker thread (dist/query-worker.js beside the bundle) and stops
 * it after `timeoutMs`: terminating the worker interrupts SQLite even inside a long statement.
 * `abort` stops it early (a signal). Resolves with the rows or the query's error, and what opening
 * the store reported (a damaged file, a skipped log line).
 */
export function runQueryInWorker(job: QueryJob, options: { timeoutMs: number; workerFile?: string; abort?: Promise<void> }): Promise<QueryResult> {
  const workerFile = options.workerFile ?? path.join(__dirname, 'query-worker.js');
  if (!fs.existsSync(workerFile)) return Promise.reject(new Error(`the query worker ${workerFile} is missing (run npm run build)`));
  return new Promise<QueryResult>((resolve, reject) => {
    const worker = new Worker(workerFile, { workerData: job });
    const stop = (err: Error) => {
      clearTimeout(timer);
      void worker.terminate();
      reject(err);
    };
    const timer = setTimeout(() => stop(new QueryTimeoutError(`the query ran longer than ${options.timeoutMs / 1000} s and was stopped (raise the limit with --timeout)`)), options.timeoutMs);
    void options.abort?.then(() => stop(new QueryTimeoutError('the query was stopped')));
    worker.once('message', (result: QueryResult) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(result);
    });
    worker.once('error', (err) => stop(err));
    worker.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`the query worker stopped with code ${code}`));
    });
  });
}
