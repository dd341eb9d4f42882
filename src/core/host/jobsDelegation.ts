import type { JobsAnswer, JobsRequest } from './hostJobs';
import { StandingRequest } from './standingRequest';

export interface JobsDelegationOptions {
  db: string;
  /** The host's entry script (dist/store-host.js). */
  hostScript: string;
  /** The runtime to start the host with (VS Code's own, run as Node). */
  execPath?: string;
  /** The client's settings the jobs depend on, read at every (re)connection and change. */
  settings(): JobsRequest;
  /** The host cannot run the jobs: the client runs them itself from now on. Called at most once. */
  onUnavailable(reason: string): void;
  log(line: string): void;
  /** Pause before handing the jobs to a new host when the previous one went away (default 1 s). */
  reconnectMs?: number;
}

/**
 * A client's background jobs handed to the store host: the host runs them while someone who asked
 * is connected, with the client's settings (`runJobs`).
 */
export class JobsDelegation extends StandingRequest<JobsAnswer> {
  constructor(options: JobsDelegationOptions) {
    super({
      ...options,
      method: 'runJobs',
      what: 'the background jobs',
      params: () => ({ ...options.settings() }),
      onAnswer: (answer, host) => options.log(`the store host (pid ${host.pid}, ${host.engine}) runs the background jobs${answer.running ? '' : ' (paused: tracking is off)'}`),
    });
  }

  /** The settings changed: the host is told at once. */
  settingsChanged(): void {
    this.paramsChanged();
  }
}
