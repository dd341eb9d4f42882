import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SnapshotReport } from './compactor';
import type { CompactJob, CompactResult } from './compactWorker';
import type { StorePaths } from './paths';
import type { CompactionJob, CompactionRunner } from './store';

/** A worker that has had nothing to do for this long is stopped; the next job starts a new one. */
const IDLE_MS = 60_000;

interface Waiting {
  resolve(report: SnapshotReport): void;
  reject(err: Error): void;
}

/**
 * Rebuilds snapshots in a worker thread (dist/compact-worker.js), so that loading, replaying and
 * writing a large database never blocks the extension host. One worker, started on demand.
 */
export class WorkerCompactionRunner {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly workerFile: string = path.join(__dirname, 'compact-worker.js')) {}

  readonly run: CompactionRunner = (paths: StorePaths, options: CompactionJob) =>
    new Promise<SnapshotReport>((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject });
      clearTimeout(this.idleTimer);
      const job: CompactJob = { ...options, id, paths };
      this.ensureWorker().postMessage(job);
    });

  dispose(): void {
    clearTimeout(this.idleTimer);
    void this.worker?.terminate();
    this.worker = undefined;
    this.failAll(new Error('the compaction worker was stopped'));
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerFile);
    worker.unref();
    worker.on('message', (result: CompactResult) => this.settle(result));
    // An error ends the worker too; only the current worker's end fails the jobs waiting on it.
    worker.on('error', (err) => {
      if (this.worker === worker) this.failAll(err);
    });
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failAll(new Error(`the compaction worker exited with code ${code}`));
    });
    this.worker = worker;
    return worker;
  }

  private settle(result: CompactResult): void {
    const waiting = this.waiting.get(result.id);
    if (!waiting) return;
    this.waiting.delete(result.id);
    if ('error' in result) waiting.reject(new Error(result.error));
    else waiting.resolve(result.report);
    if (this.waiting.size === 0) this.scheduleStop();
  }

  private scheduleStop(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.waiting.size > 0) return;
      void this.worker?.terminate();
      this.worker = undefined;
    }, IDLE_MS);
    this.idleTimer.unref();
  }

  private failAll(err: Error): void {
    for (const waiting of this.waiting.values()) waiting.reject(err);
    this.waiting.clear();
  }
}
