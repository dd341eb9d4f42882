import { fork } from 'node:child_process';
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
 * Where the jobs run. 'thread': a worker thread of this process. 'process': a child process on this
 * process's runtime, for a long-lived process (the store host): a worker thread's allocations stay
 * in this process's allocator after the thread ends (at a million runs the host kept 60 MB of the
 * jobs' freed memory for good), while a process that exits returns all of its memory.
 */
export type JobIsolation = 'thread' | 'process';

/** A started worker, whichever kind. */
interface JobChannel {
  send(request: unknown): void;
  stop(): void;
}

interface ChannelEvents {
  message(reply: unknown): void;
  /** The worker failed or exited: what waits on it fails with `err`. */
  end(err: Error): void;
}

function threadChannel(file: string, what: string, on: ChannelEvents): JobChannel {
  const worker = new Worker(file);
  worker.unref();
  worker.on('message', on.message);
  worker.on('error', on.end);
  worker.on('exit', (code) => on.end(new Error(`the ${what} worker exited with code ${code}`)));
  return { send: (request) => worker.postMessage(request), stop: () => void worker.terminate() };
}

function processChannel(file: string, what: string, on: ChannelEvents): JobChannel {
  // ELECTRON_RUN_AS_NODE: under VS Code's runtime the child runs the script as Node, as the host itself does.
  const child = fork(file, [], { serialization: 'advanced', execArgv: [], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  child.unref();
  child.channel?.unref();
  child.on('message', on.message);
  child.on('error', on.end);
  child.on('exit', (code, signal) => on.end(new Error(`the ${what} worker process exited with ${signal ?? `code ${code}`}`)));
  return { send: (request) => child.send(request as object), stop: () => void child.kill() };
}

/**
 * Runs jobs in one worker (a thread, or a child process: JobIsolation) started on demand (snapshot
 * rebuilds, long analytics), so that their work never blocks the calling thread (the extension
 * host, the store host). Jobs queue in the worker; an error in one rejects that job only; the
 * worker ending fails what waits on it.
 */
export class WorkerJobs<Job, Result> {
  private worker: JobChannel | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting<Result>>();
  private idleTimer: NodeJS.Timeout | undefined;

  /** `reviveError` turns an error's name back into the caller's error type (e.g. a refusal). */
  constructor(
    private readonly workerFile: string,
    private readonly what: string,
    private readonly reviveError: (name: string, message: string) => Error = (_n, m) => new Error(m),
    private readonly isolation: JobIsolation = 'thread',
  ) {}

  run(job: Job): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject });
      clearTimeout(this.idleTimer);
      const request: WorkerRequest<Job> = { id, job };
      this.ensureWorker().send(request);
    });
  }

  dispose(): void {
    clearTimeout(this.idleTimer);
    this.worker?.stop();
    this.worker = undefined;
    this.failAll(new Error(`the ${this.what} worker was stopped`));
  }

  private ensureWorker(): JobChannel {
    if (this.worker) return this.worker;
    // Only the current worker's end fails the jobs waiting on it.
    const worker: JobChannel = (this.isolation === 'process' ? processChannel : threadChannel)(this.workerFile, this.what, {
      message: (reply) => this.settle(reply as WorkerReply<Result>),
      end: (err) => {
        if (this.worker !== worker) return;
        this.worker = undefined;
        this.failAll(err);
      },
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
      const worker = this.worker;
      this.worker = undefined;
      worker?.stop();
    }, IDLE_MS);
    this.idleTimer.unref();
  }

  private failAll(err: Error): void {
    for (const waiting of this.waiting.values()) waiting.reject(err);
    this.waiting.clear();
  }
}

/**
 * The worker's side, in a worker thread or a child process: answers every request with `handle`'s
 * result, or its error's name and message. A child process ends with its parent.
 */
export function serveWorkerJobs<Job, Result>(handle: (job: Job) => Promise<Result>): void {
  const answer = (request: WorkerRequest<Job>, reply: (message: WorkerReply<Result>) => void) =>
    handle(request.job)
      .then((result): WorkerReply<Result> => ({ id: request.id, result }))
      .catch((err: unknown): WorkerReply<Result> => ({ id: request.id, error: err instanceof Error ? err.message : String(err), errorName: err instanceof Error ? err.name : 'Error' }))
      .then(reply);
  if (parentPort) {
    const port = parentPort;
    port.on('message', (request: WorkerRequest<Job>) => void answer(request, (reply) => port.postMessage(reply, ownedBuffers(reply))));
  } else if (process.send) {
    process.on('message', (request: WorkerRequest<Job>) => void answer(request, (reply) => process.send?.(reply)));
    process.on('disconnect', () => process.exit(0));
  }
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
