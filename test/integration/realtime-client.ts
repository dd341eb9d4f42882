import { WebSocket } from 'ws';

export interface Message {
  type: string;
  [key: string]: unknown;
}

/** A WebSocket test client that queues what it receives, with bounded waits. */
export class TestClient {
  readonly messages: Message[] = [];
  closed: { code: number; reason: string } | undefined;
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as Message);
      this.wake();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      this.wake();
    });
    socket.on('error', () => this.wake());
  }

  /** Connects; resolves once the handshake is done (or the connection is refused). */
  /** Connects speaking this project's protocol (session-buddy.v1) unless `protocols` says otherwise ([] = none, as the anchor's clients). */
  static connect(url: string, options: { headers?: Record<string, string>; origin?: string; protocols?: string[] } = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, options.protocols ?? ['session-buddy.v1'], { headers: options.headers, origin: options.origin });
      const client = new TestClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      socket.once('error', reject);
    });
  }

  send(value: unknown): void {
    this.socket.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  /** The next message of `type` not yet taken (earlier messages of other types are kept). */
  async next(type: string, timeoutMs = 5000, where: (m: Message) => boolean = () => true): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.messages.findIndex((m) => m.type === type && where(m));
      if (index >= 0) return this.messages.splice(index, 1)[0];
      if (this.closed) throw new Error(`closed (${this.closed.code} ${this.closed.reason}) while waiting for ${type}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type} within ${timeoutMs} ms (got: ${this.messages.map((m) => m.type).join(', ') || 'nothing'})`);
      await this.wait(left);
    }
  }

  /** Resolves with the close code once the server closes the connection. */
  async closedWith(timeoutMs = 8000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`still open after ${timeoutMs} ms`);
      await this.wait(left);
    }
    return this.closed;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.socket.close();
    return this.closedWith().then(() => undefined);
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
