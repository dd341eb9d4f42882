import { parentPort, Worker } from 'node:worker_threads';

/** What crosses the thread boundary: a job with its id, and its result or error. */
export interface WorkerRequest<Job> {
  id: number;
  job: Job;
}

export type WorkerReply<Result> = { id: number; result: Result } | { id: number; error: string; errorName: string };

/** A worker that has had nothing to do for this long is stopped; the next job starts a new one. */
const IDLE_MS = 60_000;

interface Waiting<Result> {
  resolve(result: Result): void;
  reject(err: Error): void;
}

/**
 * Runs jobs in one worker thread started on demand (snapshot rebuilds, long analytics), so that
 * their work never blocks the calling thread (the editor's extension host). Jobs queue in the
 * worker; an error in one rejects that job only; the worker ending fails what waits on it.
 */
export class WorkerJobs<Job, Result> {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting<Result>>();
  private idleTimer: NodeJS.Timeout | undefined;

  /** `reviveError` turns an error's name back into the caller's error type (e.g. a refusal). */
  constructor(private readonly workerFile: string, private readonly what: string, private readonly reviveError: (name: string, message: string) => Error = (_n, m) => new Error(m)) {}

  run(job: Job): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject });
      clearTimeout(this.idleTimer);
      const request: WorkerRequest<Job> = { id, job };
      this.ensureWorker().postMessage(request);
    });
  }

  dispose(): void {
    clearTimeout(this.idleTimer);
    void this.worker?.terminate();
    this.worker = undefined;
    this.failAll(new Error(`the ${this.what} worker was stopped`));
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerFile);
    worker.unref();
    worker.on('message', (reply: WorkerReply<Result>) => this.settle(reply));
    // An error ends the worker too; only the current worker's end fails the jobs waiting on it.
    worker.on('error', (err) => {
      if (this.worker === worker) this.failAll(err);
    });
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failAll(new Error(`the ${this.what} worker exited with code ${code}`));
    });
    this.worker = worker;
    return worker;
  }

  private settle(reply: WorkerReply<Result>): void {
    const waiting = this.waiting.get(reply.id);
    if (!waiting) return;
    this.waiting.delete(reply.id);
    if ('error' in reply) waiting.reject(this.reviveError(reply.errorName, reply.error));
    else waiting.resolve(reply.result);
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

/** The worker's side: answers every request with `handle`'s result, or its error's name and message. */
export function serveWorkerJobs<Job, Result>(handle: (job: Job) => Promise<Result>): void {
  parentPort?.on('message', (request: WorkerRequest<Job>) => {
    handle(request.job)
      .then((result): WorkerReply<Result> => ({ id: request.id, result }))
      .catch((err: unknown): WorkerReply<Result> => ({ id: request.id, error: err instanceof Error ? err.message : String(err), errorName: err instanceof Error ? err.name : 'Error' }))
      .then((reply) => parentPort?.postMessage(reply, ownedBuffers(reply)));
  });
}

/**
 * The buffers of the typed arrays in a reply that own all of theirs: moved to the caller instead
 * of copied (the regression history's fitted states are typed columns of every run, a copy of
 * 150 MB at a million runs, made twice: serialised, then read back). A view of part of a buffer
 * (a pooled Buffer) is copied as usual.
 */
function ownedBuffers(reply: unknown): ArrayBuffer[] {
  const found = new Set<ArrayBuffer>();
  const visit = (value: unknown): void => {
    if (ArrayBuffer.isView(value)) {
      const { buffer } = value;
      if (buffer instanceof ArrayBuffer && !Buffer.isBuffer(value) && value.byteOffset === 0 && value.byteLength === buffer.byteLength) found.add(buffer);
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (typeof value === 'object' && value !== null) {
      for (const item of Object.values(value)) visit(item);
    }
  };
  visit(reply);
  return [...found];
}
