import { connectToHost, HostGoneError, HostRequestFailedError, HostUnavailableError, type HostConnection } from './hostClient';
import type { JobsAnswer, JobsRequest } from './hostJobs';

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

const DEFAULT_RECONNECT_MS = 1000;

/**
 * A client's background jobs handed to the store host: the client stays connected (the host runs
 * the jobs while someone who asked is connected), tells it its settings, and hands the jobs to the
 * next host when one goes away (killed, retired by a newer version). When no host can serve, the
 * client is told once and runs the jobs itself.
 */
export class JobsDelegation {
  private connection: HostConnection | undefined;
  private disposed = false;
  private gaveUp = false;

  constructor(private readonly options: JobsDelegationOptions) {}

  start(): this {
    void this.run();
    return this;
  }

  /** The settings changed: the host is told at once. */
  settingsChanged(): void {
    const connection = this.connection;
    if (connection) void this.tell(connection).catch(() => undefined);
  }

  dispose(): void {
    this.disposed = true;
    this.connection?.close();
    this.connection = undefined;
  }

  private async run(): Promise<void> {
    while (!this.disposed) {
      let connection: HostConnection;
      try {
        connection = await connectToHost({ db: this.options.db, hostScript: this.options.hostScript, execPath: this.options.execPath });
      } catch (err) {
        this.giveUp(err as Error);
        return;
      }
      if (this.disposed) {
        connection.close();
        return;
      }
      this.connection = connection;
      try {
        await this.tell(connection);
      } catch (err) {
        if (!(err instanceof HostGoneError)) {
          connection.close();
          this.giveUp(err as Error);
          return;
        }
      }
      const reason = await connection.closed;
      this.connection = undefined;
      if (this.disposed) return;
      this.options.log(`the store host went away (${reason}); handing the background jobs to a new one`);
      await new Promise((resolve) => setTimeout(resolve, this.options.reconnectMs ?? DEFAULT_RECONNECT_MS));
    }
  }

  private async tell(connection: HostConnection): Promise<void> {
    const answer = (await connection.request('runJobs', { ...this.options.settings() })) as JobsAnswer;
    this.options.log(`the store host (pid ${connection.hello.pid}, ${connection.hello.engine}) runs the background jobs${answer.running ? '' : ' (paused: tracking is off)'}`);
  }

  private giveUp(err: Error): void {
    if (this.gaveUp || this.disposed) return;
    if (!(err instanceof HostUnavailableError || err instanceof HostRequestFailedError)) this.options.log(`unexpected: ${err.message}`);
    this.gaveUp = true;
    this.options.onUnavailable(err.message);
  }
}
