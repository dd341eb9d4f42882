import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { nowTimestamp } from '../time';
import type { MetricsSource } from './metricsFeed';
import { isProtocolError, parseClientMessage, V1_SUBPROTOCOL, type AnchorPayload, type Dialect, type ErrorCode, type MetricsPayload, type ServerMessage } from './protocol';
import { hostHeaderAllowed, isLoopbackHost, originAllowed, requestToken } from './requestGuards';
import { tokensMatch } from './token';

export const REALTIME_DEFAULTS = {
  host: '127.0.0.1',
  port: 8765,
  maxPayloadBytes: 64 * 1024,
  maxClients: 100,
  /** Connections still to present their token are kept apart from the admitted ones, and few. */
  maxPending: 16,
  intervalMs: 1000,
  authTimeoutMs: 3000,
  heartbeatMs: 20_000,
  /** A client with this much unsent data (of any message type) is not reading: it is closed. */
  maxBufferedBytes: 4 * 1024 * 1024,
} as const;

/**
 * Close codes: 4001 is the anchor's "Authentication failed"; 1013 is the standard "try again later";
 * 1008 "policy violation" for a client that does not read what it is sent.
 */
export const CLOSE = { authFailed: 4001, tooManyClients: 1013, goingAway: 1001, notReading: 1008 } as const;

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
  maxPending?: number;
  maxBufferedBytes?: number;
  intervalMs?: number;
  authTimeoutMs?: number;
  heartbeatMs?: number;
  onLog?: (message: string) => void;
}

interface Client {
  socket: WebSocket;
  /** 'v1' when the client asked for the session-buddy.v1 subprotocol, else the anchor's messages. */
  dialect: Dialect;
  /** Past the token check (or no token is required): receives updates. */
  admitted: boolean;
  /** null: all skills. */
  skill: string | null;
  alive: boolean;
  /** An update for a new subscription is being read; more subscribe messages meanwhile add no read. */
  catchingUp: boolean;
  /** Something about this client was logged already: it is not logged again. */
  logged: boolean;
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
      maxPending: options.maxPending ?? REALTIME_DEFAULTS.maxPending,
      maxBufferedBytes: options.maxBufferedBytes ?? REALTIME_DEFAULTS.maxBufferedBytes,
      intervalMs: options.intervalMs ?? REALTIME_DEFAULTS.intervalMs,
      authTimeoutMs: options.authTimeoutMs ?? REALTIME_DEFAULTS.authTimeoutMs,
      heartbeatMs: options.heartbeatMs ?? REALTIME_DEFAULTS.heartbeatMs,
      onLog: options.onLog,
      token: options.token,
      source: options.source,
    };
    checkOptions(this.options);
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.options.maxPayloadBytes,
      perMessageDeflate: false,
      clientTracking: false,
      handleProtocols: (protocols) => (protocols.has(V1_SUBPROTOCOL) ? V1_SUBPROTOCOL : false),
    });
    this.http = http.createServer((_req, res) => {
      res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket' });
      res.end('Session Buddy real-time metrics: connect with a WebSocket client.\n');
    });
    // A connection that never finishes its HTTP request must not hold a socket for long either.
    this.http.headersTimeout = 5000;
    this.http.requestTimeout = 10_000;
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
    const client: Client = { socket, dialect: socket.protocol === V1_SUBPROTOCOL ? 'v1' : 'anchor', admitted: false, skill: null, alive: true, catchingUp: false, logged: false };
    socket.on('error', (err) => this.logOnce(client, `client error: ${err.message}`));
    const expected = this.options.token;
    const presented = expected === null ? undefined : requestToken(request);
    if (presented !== undefined && !tokensMatch(expected!, presented)) {
      socket.close(CLOSE.authFailed, 'Authentication failed');
      return;
    }
    const admitNow = expected === null || presented !== undefined;
    if (admitNow && this.admittedCount() >= this.options.maxClients) {
      socket.close(CLOSE.tooManyClients, `Too many clients (limit ${this.options.maxClients})`);
      return;
    }
    if (!admitNow) this.makeRoomForPending();
    this.clients.add(client);
    socket.on('pong', () => (client.alive = true));
    socket.on('message', (data) => this.onMessage(client, data));
    socket.on('close', () => this.remove(client));
    if (admitNow) return this.admit(client, expected !== null);
    client.authTimer = setTimeout(() => this.refuse(client), this.options.authTimeoutMs);
  }

  private admittedCount(): number {
    let n = 0;
    for (const c of this.clients) if (c.admitted) n++;
    return n;
  }

  /**
   * Connections that have not presented their token yet live in a small pool of their own; when it
   * is full the one that has waited longest makes room, so sockets that never authenticate cannot
   * keep a token holder out.
   */
  private makeRoomForPending(): void {
    const pending = [...this.clients].filter((c) => !c.admitted);
    if (pending.length < this.options.maxPending) return;
    const oldest = pending[0];
    clearTimeout(oldest.authTimer);
    this.clients.delete(oldest);
    oldest.socket.close(CLOSE.tooManyClients, 'Too many connections waiting to authenticate');
  }

  private admit(client: Client, authenticated: boolean): void {
    clearTimeout(client.authTimer);
    if (this.admittedCount() >= this.options.maxClients) {
      client.socket.close(CLOSE.tooManyClients, `Too many clients (limit ${this.options.maxClients})`);
      return;
    }
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

  /** One read of the source for all `targets` (one payload per dialect and subscription), then one message each. */
  private async pushTo(targets: Client[]): Promise<void> {
    // A client still catching up skips updates; one that stops reading altogether is closed by send().
    const ready = targets.filter((c) => c.socket.readyState === WebSocket.OPEN && c.socket.bufferedAmount < this.options.maxBufferedBytes / 4);
    if (ready.length === 0) return;
    const wanted = (dialect: Dialect) => new Set(ready.filter((c) => c.dialect === dialect).map((c) => c.skill));
    let v1: Map<string | null, MetricsPayload>;
    let anchor: Map<string | null, AnchorPayload>;
    try {
      const [v1Skills, anchorSkills] = [wanted('v1'), wanted('anchor')];
      v1 = v1Skills.size ? await this.options.source.collect(v1Skills) : new Map();
      anchor = anchorSkills.size ? await this.options.source.collectAnchor(anchorSkills) : new Map();
    } catch (err) {
      this.log(`could not read metrics: ${(err as Error).message}`);
      for (const client of ready) this.sendError(client, 'server_error', 'metrics are temporarily unavailable');
      return;
    }
    const timestamp = nowTimestamp();
    for (const client of ready) {
      if (client.dialect === 'anchor') {
        const data = anchor.get(client.skill);
        if (data) this.send(client, { type: 'metrics_update', timestamp, data });
        continue;
      }
      const data = v1.get(client.skill);
      if (data) this.send(client, { type: 'metrics_update', timestamp, skill: client.skill, window_hours: this.options.source.windowHours, data });
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

  /** One outbound budget per client for every message type: past it the client is closed (1008). */
  private send(client: Client, message: ServerMessage): void {
    if (client.socket.readyState !== WebSocket.OPEN) return;
    if (client.socket.bufferedAmount > this.options.maxBufferedBytes) return this.dropNonReader(client);
    client.socket.send(JSON.stringify(message), (err) => {
      if (err) this.logOnce(client, `could not send to a client: ${err.message}`);
    });
  }

  private dropNonReader(client: Client): void {
    this.logOnce(client, `closed a client that does not read its messages (${Math.round(client.socket.bufferedAmount / 1024)} KiB unsent)`);
    client.socket.close(CLOSE.notReading, 'Not reading messages');
    // The close frame waits behind the unsent data, which this client will not read.
    setTimeout(() => client.socket.terminate(), 1000).unref();
  }

  private logOnce(client: Client, message: string): void {
    if (client.logged) return;
    client.logged = true;
    this.log(message);
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
    maxPending: options.maxPending,
    maxBufferedBytes: options.maxBufferedBytes,
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
