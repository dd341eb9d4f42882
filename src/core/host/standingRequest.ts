import { connectToHost, HostGoneError, HostRequestFailedError, HostUnavailableError, type HostConnection } from './hostClient';
import type { HostClientOptions } from './hostStarter';
import type { HelloAnswer, HostMethod } from './protocol';

/** How to reach the host, and start one (the window: VS Code's own runtime; `serve`: the CLI's idle time, as found). */
export interface StandingRequestOptions<A> extends HostClientOptions {
  /** What the host keeps doing while the connection stays open (`runJobs`, `serve`). */
  method: HostMethod;
  /** The request's parameters, read at every (re)connection and change. */
  params(): Record<string, unknown>;
  /** The host took the request (again, after a change or a new host). */
  onAnswer(answer: A, host: HelloAnswer): void;
  /** The host cannot do it: the client does it itself from now on. Called at most once. */
  onUnavailable(reason: string): void;
  log(line: string): void;
  /** What the work is, for the log: "the background jobs". */
  what: string;
  /** Pause before asking a new host when the previous one went away (default 1 s). */
  reconnectMs?: number;
}

const DEFAULT_RECONNECT_MS = 1000;

/**
 * Work a client hands to the store host for as long as it stays connected (the background jobs, the
 * real-time servers): the client asks once per connection, asks again when its parameters change,
 * and hands the work to the next host when one goes away (killed, retired by a newer version). When
 * no host can do it, the client is told once and does the work itself.
 */
export class StandingRequest<A> {
  private connection: HostConnection | undefined;
  private disposed = false;
  private gaveUp = false;

  constructor(private readonly options: StandingRequestOptions<A>) {}

  start(): this {
    void this.run();
    return this;
  }

  /** The parameters changed: the host is asked again at once. */
  paramsChanged(): void {
    const connection = this.connection;
    if (connection) void this.ask(connection).catch(() => undefined);
  }

  /** Ends the request: the host stops the work once no other client asks for it. */
  dispose(): void {
    this.disposed = true;
    this.connection?.close();
    this.connection = undefined;
  }

  private async run(): Promise<void> {
    while (!this.disposed) {
      let connection: HostConnection;
      try {
        connection = await connectToHost(this.options);
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
        await this.ask(connection);
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
      this.options.log(`the store host went away (${reason}); handing ${this.options.what} to a new one`);
      await new Promise((resolve) => setTimeout(resolve, this.options.reconnectMs ?? DEFAULT_RECONNECT_MS));
    }
  }

  private async ask(connection: HostConnection): Promise<void> {
    const answer = (await connection.request(this.options.method, this.options.params())) as A;
    this.options.onAnswer(answer, connection.hello);
  }

  private giveUp(err: Error): void {
    if (this.gaveUp || this.disposed) return;
    if (!(err instanceof HostUnavailableError || err instanceof HostRequestFailedError)) this.options.log(`unexpected: ${err.message}`);
    this.gaveUp = true;
    this.options.onUnavailable(err.message);
  }
}
