import type { AddressInfo } from 'node:net';

/** Anything that listens on a port and can be closed: the WebSocket server, the exporter. */
export interface PortListener {
  start(): Promise<AddressInfo>;
  close(): Promise<void>;
}

export type PortState =
  | { kind: 'stopped' }
  | { kind: 'hosting'; port: number }
  /** Another process (usually another VS Code window) holds the port; binding is retried. */
  | { kind: 'standby'; retryMs: number }
  | { kind: 'failed'; message: string };

/**
 * Keeps one listener bound to its port across processes: the first process to bind hosts; the
 * others wait and retry, so one of them takes over when the host goes away. A port held by anyone
 * else looks the same (EADDRINUSE), which is why a standby never fails, it only keeps trying.
 */
export class PortKeeper<T extends PortListener> {
  private current: T | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private attempt: Promise<void> | undefined;
  private state: PortState = { kind: 'stopped' };

  constructor(
    private readonly create: () => T,
    private readonly options: { retryMs?: number; onState?: (state: PortState, listener: T | undefined) => void } = {},
  ) {}

  get listener(): T | undefined {
    return this.current;
  }

  get status(): PortState {
    return this.state;
  }

  /** Binds now if it can; otherwise stands by. Resolves with the first outcome. */
  async start(): Promise<PortState> {
    if (this.running) return this.state;
    this.running = true;
    await this.tryBind();
    return this.state;
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.attempt;
    const listener = this.current;
    this.current = undefined;
    if (listener) await listener.close();
    this.setState({ kind: 'stopped' });
  }

  private tryBind(): Promise<void> {
    this.attempt = (async () => {
      const listener = this.create();
      try {
        const address = await listener.start();
        if (!this.running) {
          await listener.close();
          return;
        }
        this.current = listener;
        this.setState({ kind: 'hosting', port: address.port });
      } catch (err) {
        await listener.close().catch(() => undefined);
        const error = err as NodeJS.ErrnoException;
        if (error.code !== 'EADDRINUSE') {
          this.setState({ kind: 'failed', message: error.message });
          return;
        }
        const retryMs = this.options.retryMs ?? 5000;
        this.setState({ kind: 'standby', retryMs });
        if (this.running) {
          this.timer = setTimeout(() => void this.tryBind(), retryMs);
          this.timer.unref();
        }
      }
    })();
    return this.attempt;
  }

  private setState(state: PortState): void {
    const changed = JSON.stringify(state) !== JSON.stringify(this.state);
    this.state = state;
    if (changed) this.options.onState?.(state, this.current);
  }
}
