import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { nowTimestamp } from '../time';
import type { MetricsSource } from './metricsFeed';
import { isProtocolError, parseClientMessage, type ErrorCode, type MetricsPayload, type ServerMessage } from './protocol';
import { hostHeaderAllowed, isLoopbackHost, originAllowed, requestToken } from './requestGuards';
import { tokensMatch } from './token';

export const REALTIME_DEFAULTS = {
  host: '127.0.0.1',
  port: 8765,
  maxPayloadBytes: 64 * 1024,
  maxClients: 100,
  intervalMs: 1000,
  authTimeoutMs: 5000,
  heartbeatMs: 20_000,
} as const;

/** Close codes: 4001 is the anchor's "Authentication failed"; 1013 is the standard "try again later". */
export const CLOSE = { authFailed: 4001, tooManyClients: 1013, goingAway: 1001 } as const;

/** A client whose unsent data exceeds this skips updates until it catches up. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export interface RealtimeServerOptions {
  source: MetricsSource;
  /** The shared secret clients must present; `null` turns authentication off (loopback only). */
  token: string | null;
  host?: string;
  port?: number;
  /** Browser origins allowed to connect; a request without Origin (a local tool) is always allowed. */
  allowedOrigins?: readonly string[];
  maxPayloadBytes?: number;
  maxClients?: number;
  intervalMs?: number;
  authTimeoutMs?: number;
  heartbeatMs?: number;
  onLog?: (message: string) => void;
}

interface Client {
  socket: WebSocket;
  /** Past the token check (or no token is required): receives updates. */
  admitted: boolean;
  /** null: all skills. */
  skill: string | null;
  alive: boolean;
  /** An update for a new subscription is being read; more subscribe messages meanwhile add no read. */
  catchingUp: boolean;
  authTimer?: NodeJS.Timeout;
}

/**
 * The real-time metrics WebSocket server. It reads the store only while at least one admitted
 * client is connected, once per tick for all clients together (one payload per subscription).
 */
export class RealtimeServer {
  private readonly http: http.Server;
  private readonly wss: WebSocketServer;
  private readonly clients = new Set<Client>();
  private readonly options: Required<Omit<RealtimeServerOptions, 'onLog' | 'token' | 'source'>> &
    Pick<RealtimeServerOptions, 'onLog' | 'token' | 'source'>;
  private ticker: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private ticking = false;
  private closed = false;

  constructor(options: RealtimeServerOptions) {
    this.options = {
      host: options.host ?? REALTIME_DEFAULTS.host,
      port: options.port ?? REALTIME_DEFAULTS.port,
      allowedOrigins: options.allowedOrigins ?? [],
      maxPayloadBytes: options.maxPayloadBytes ?? REALTIME_DEFAULTS.maxPayloadBytes,
      maxClients: options.maxClients ?? REALTIME_DEFAULTS.maxClients,
      intervalMs: options.intervalMs ?? REALTIME_DEFAULTS.intervalMs,
      authTimeoutMs: options.authTimeoutMs ?? REALTIME_DEFAULTS.authTimeoutMs,
      heartbeatMs: options.heartbeatMs ?? REALTIME_DEFAULTS.heartbeatMs,
      onLog: options.onLog,
      token: options.token,
      source: options.source,
    };
    checkOptions(this.options);
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.options.maxPayloadBytes, perMessageDeflate: false, clientTracking: false });
    this.http = http.createServer((_req, res) => {
      res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket' });
      res.end('Session Buddy real-time metrics: connect with a WebSocket client.\n');
    });
    this.http.on('upgrade', (request, socket, head) => this.upgrade(request, socket, head));
  }

  /** Listens; rejects with the listen error (EADDRINUSE when another process hosts the port). */
  async start(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.http.once('error', onError);
      this.http.listen(this.options.port, this.options.host, () => {
        this.http.off('error', onError);
        resolve();
      });
    });
    this.http.on('error', (err) => this.log(`real-time server error: ${err.message}`));
    this.heartbeat = setInterval(() => this.checkHeartbeats(), this.options.heartbeatMs);
    this.heartbeat.unref();
    return this.address();
  }

  address(): AddressInfo {
    return this.http.address() as AddressInfo;
  }

  get url(): string {
    const { port } = this.address();
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    return `ws://${host}:${port}`;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopTicker();
    clearInterval(this.heartbeat);
    for (const client of this.clients) {
      clearTimeout(client.authTimer);
      client.socket.close(CLOSE.goingAway, 'Server shutting down');
    }
    const terminate = setTimeout(() => {
      for (const client of this.clients) client.socket.terminate();
    }, 1000);
    terminate.unref();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
    clearTimeout(terminate);
  }

  private upgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.closed) return reject(socket, 503, 'Service Unavailable');
    if (!hostHeaderAllowed(request, this.options.host)) return reject(socket, 403, 'Forbidden');
    if (!originAllowed(request, this.options.allowedOrigins)) {
      this.log(`refused a connection from origin ${String(request.headers.origin).slice(0, 200)} (not in the allow-list)`);
      return reject(socket, 403, 'Forbidden');
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, request));
  }

  private accept(socket: WebSocket, request: http.IncomingMessage): void {
    socket.on('error', (err) => this.log(`client error: ${err.message}`));
    if (this.clients.size >= this.options.maxClients) {
      socket.close(CLOSE.tooManyClients, `Too many clients (limit ${this.options.maxClients})`);
      return;
    }
    const client: Client = { socket, admitted: false, skill: null, alive: true, catchingUp: false };
    this.clients.add(client);
    socket.on('pong', () => (client.alive = true));
    socket.on('message', (data) => this.onMessage(client, data));
    socket.on('close', () => this.remove(client));

    const expected = this.options.token;
    if (expected === null) return this.admit(client, false);
    const presented = requestToken(request);
    if (presented !== undefined) {
      if (tokensMatch(expected, presented)) return this.admit(client, true);
      return this.refuse(client);
    }
    client.authTimer = setTimeout(() => this.refuse(client), this.options.authTimeoutMs);
  }

  private admit(client: Client, authenticated: boolean): void {
    clearTimeout(client.authTimer);
    client.admitted = true;
    this.send(client, { type: 'connected', message: 'Connected to Session-Buddy real-time metrics', authenticated, timestamp: nowTimestamp() });
    this.startTicker();
  }

  private refuse(client: Client): void {
    clearTimeout(client.authTimer);
    client.socket.close(CLOSE.authFailed, 'Authentication failed');
  }

  private remove(client: Client): void {
    clearTimeout(client.authTimer);
    if (!this.clients.delete(client)) return;
    if (![...this.clients].some((c) => c.admitted)) this.stopTicker();
  }

  private onMessage(client: Client, data: RawData): void {
    const message = parseClientMessage(rawText(data));
    if (!client.admitted) {
      if (!isProtocolError(message) && message.type === 'auth' && this.options.token !== null && tokensMatch(this.options.token, message.token)) {
        this.admit(client, true);
      } else {
        this.refuse(client);
      }
      return;
    }
    if (isProtocolError(message)) return this.sendError(client, message.code, message.message);
    switch (message.type) {
      case 'ping':
        return this.send(client, { type: 'pong', timestamp: nowTimestamp() });
      case 'subscribe':
      case 'unsubscribe': {
        client.skill = message.type === 'subscribe' ? message.skill : null;
        this.send(client, { type: 'subscription_confirmed', skill: client.skill, timestamp: nowTimestamp() });
        if (!client.catchingUp) {
          client.catchingUp = true;
          void this.pushTo([client]).finally(() => (client.catchingUp = false));
        }
        return;
      }
      case 'auth':
        return this.sendError(client, 'invalid_message', 'already authenticated; send a message with a "type"');
    }
  }

  private startTicker(): void {
    if (this.ticker || this.closed) return;
    this.ticker = setInterval(() => void this.tick(), this.options.intervalMs);
  }

  private stopTicker(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.pushTo([...this.clients].filter((c) => c.admitted));
    } finally {
      this.ticking = false;
    }
  }

  /** One read of the source for all `targets` (one payload per distinct subscription), then one message each. */
  private async pushTo(targets: Client[]): Promise<void> {
    const ready = targets.filter((c) => c.socket.readyState === WebSocket.OPEN && c.socket.bufferedAmount < MAX_BUFFERED_BYTES);
    if (ready.length === 0) return;
    let payloads: Map<string | null, MetricsPayload>;
    try {
      payloads = await this.options.source.collect(new Set(ready.map((c) => c.skill)));
    } catch (err) {
      this.log(`could not read metrics: ${(err as Error).message}`);
      for (const client of ready) this.sendError(client, 'server_error', 'metrics are temporarily unavailable');
      return;
    }
    const timestamp = nowTimestamp();
    for (const client of ready) {
      const data = payloads.get(client.skill);
      if (!data) continue;
      this.send(client, { type: 'metrics_update', timestamp, skill: client.skill, window_hours: this.options.source.windowHours, data });
    }
  }

  private checkHeartbeats(): void {
    for (const client of this.clients) {
      if (!client.alive) {
        client.socket.terminate();
        continue;
      }
      client.alive = false;
      client.socket.ping();
    }
  }

  private sendError(client: Client, code: ErrorCode, message: string): void {
    this.send(client, { type: 'error', code, message, timestamp: nowTimestamp() });
  }

  private send(client: Client, message: ServerMessage): void {
    if (client.socket.readyState !== WebSocket.OPEN) return;
    client.socket.send(JSON.stringify(message), (err) => {
      if (err) this.log(`could not send to a client: ${err.message}`);
    });
  }

  private log(message: string): void {
    this.options.onLog?.(message);
  }
}

function checkOptions(options: RealtimeServerOptions & { host: string; port: number }): void {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw new RangeError(`port must be 0..65535 (got ${options.port})`);
  if (options.token === null && !isLoopbackHost(options.host)) {
    throw new Error(`refusing to serve without a token on ${options.host}: authentication may only be turned off on a loopback address`);
  }
  for (const [name, value] of Object.entries({
    maxPayloadBytes: options.maxPayloadBytes,
    maxClients: options.maxClients,
    intervalMs: options.intervalMs,
    authTimeoutMs: options.authTimeoutMs,
    heartbeatMs: options.heartbeatMs,
  })) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new RangeError(`${name} must be a positive whole number (got ${value})`);
  }
}

/** Text and binary frames alike are read as UTF-8, as the anchor did. */
function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

function reject(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
