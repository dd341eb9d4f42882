import { maxOf } from '../collections';
import type { AnalyticsJobRunner } from '../analytics/analyticsJobRunner';
import type { BackgroundJobs } from '../analytics/backgroundJobs';
import { HostRequestError } from './hostRequests';
import type { OpenedStore } from './storeHost';

/** What a client that hands its background jobs to the host tells it: its own settings. */
export interface JobsRequest {
  /** False while tracking is paused in that client. */
  trackingEnabled: boolean;
  /** The client's retention setting, in days. */
  retentionDays: number;
}

/** What the host runs the jobs with, once every client's request is taken into account. */
export interface JobsAnswer {
  running: boolean;
  retentionDays: number | null;
}

/** A century: beyond it a retention setting is a typo, not a wish. */
const MAX_RETENTION_DAYS = 36_500;

export function parseJobsRequest(params: Record<string, unknown>): JobsRequest {
  const { trackingEnabled, retentionDays } = params;
  if (typeof trackingEnabled !== 'boolean') throw new HostRequestError('trackingEnabled must be true or false', 'usage');
  if (!Number.isInteger(retentionDays) || (retentionDays as number) < 1 || (retentionDays as number) > MAX_RETENTION_DAYS) {
    throw new HostRequestError(`retentionDays must be an integer from 1 to ${MAX_RETENTION_DAYS}`, 'usage');
  }
  return { trackingEnabled, retentionDays: retentionDays as number };
}

export interface HostJobsLog {
  (line: string): void;
}

/**
 * The background jobs run by the store host for the clients that ask it to (the windows): once per
 * machine, under the store's job lease like any window's, on the file itself. They run while at
 * least one of those clients is connected with tracking on; retention keeps the longest any of them
 * asks for, so that no client loses data it means to keep. When the last of them leaves, the jobs
 * stop and the lease is released for whoever runs them next.
 */
export class HostJobs {
  private readonly requests = new Map<object, JobsRequest>();
  private jobs: Promise<{ jobs: BackgroundJobs; runner: AnalyticsJobRunner }> | undefined;

  constructor(private readonly opened: OpenedStore, private readonly log: HostJobsLog, private readonly migrationsDir?: string) {}

  /** Records (or replaces) one client's request and starts the jobs if they do not run yet. */
  async ask(client: object, request: JobsRequest): Promise<JobsAnswer> {
    this.requests.set(client, request);
    this.jobs ??= this.start();
    await this.jobs;
    return { running: this.mayRun(), retentionDays: this.retentionDays() ?? null };
  }

  /** A client left: its request no longer counts, and without requests the jobs stop. */
  forget(client: object): void {
    if (!this.requests.delete(client) || this.requests.size > 0) return;
    this.stop();
  }

  stop(): void {
    const jobs = this.jobs;
    this.jobs = undefined;
    void jobs?.then(({ jobs: running, runner }) => {
      running.dispose();
      runner.dispose();
    }, () => undefined);
  }

  private mayRun(): boolean {
    return [...this.requests.values()].some((r) => r.trackingEnabled);
  }

  private retentionDays(): number | undefined {
    const asked = [...this.requests.values()].filter((r) => r.trackingEnabled).map((r) => r.retentionDays);
    return asked.length ? maxOf(asked) : undefined;
  }

  /** Loaded with the first request, as the tools are: a host started for track never reads the analytics. */
  private async start(): Promise<{ jobs: BackgroundJobs; runner: AnalyticsJobRunner }> {
    const [{ BackgroundJobs }, { AnalyticsJobRunner }, { JobLease }] = await Promise.all([
      import('../analytics/backgroundJobs'), import('../analytics/analyticsJobRunner'), import('../store/jobLease'),
    ]);
    const { store, engine } = this.opened;
    const log = this.log;
    const runner = new AnalyticsJobRunner({ migrationsDir: this.migrationsDir, engine: engine === 'node:sqlite' ? 'file' : undefined, isolation: 'process' });
    const jobs = new BackgroundJobs({
      store,
      runner,
      lease: new JobLease(store.paths.jobsLock),
      mayRun: () => this.mayRun(),
      retentionDays: () => this.retentionDays(),
      log: { info: log, warn: log },
      onRole: (leading) => log(leading ? 'running the background analytics for the store' : 'another process runs the background analytics (a window of an older version)'),
    }).start();
    return { jobs, runner };
  }
}
