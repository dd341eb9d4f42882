import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { closeHttp, httpOrigin, listenHttp } from '../realtime/httpListener';
import { bearerToken, hostHeaderAllowed, isLoopbackHost, originAllowed } from '../realtime/requestGuards';
import { tokensMatch } from '../realtime/token';
import type { CommandLineRecogniser } from '../tracking/taskSkill';
import { ValidationError } from '../validation';
import { runsFromLogRecord, runsFromSpan, type AgentToolRun, type MappingResult } from './agentMapping';
import type { AgentRunRecorder } from './agentRecorder';
import { decodeLogs, decodeSpans, encodeExportResponse, encodeStatus, OtlpDecodeError, type OtlpEncoding, type OtlpSignal } from './otlpDecode';
import { appendAll } from '../collections';

/**
 * 4318 is OTLP/HTTP's registered port, where exporters send by default. The other limits bound
 * what misbehaving exporters can hold, across all their connections: requests being read or
 * answered, body bytes held, and how long a request's headers and whole request may take (the
 * real-time server's timeouts). Exporters send small batches often, so none of these is near.
 */
export const OTLP_DEFAULTS = {
  host: '127.0.0.1',
  port: 4318,
  maxBodyBytes: 16 * 1024 * 1024,
  maxRequestsInFlight: 16,
  /**
   * Room for one body of the largest size, or many of the usual ones (exporters batch a few
   * hundred KB): what a parked body holds stays in the process until the next garbage collection.
   */
  maxHeldBodyBytes: 16 * 1024 * 1024,
  headersTimeoutMs: 5000,
  requestTimeoutMs: 10_000,
} as const;

/** How often Node looks for requests past their time limits (its default, 30 s, would let them hold far longer). */
const TIMEOUT_CHECK_MS = 1000;

export interface OtlpReceiverOptions {
  host?: string;
  port?: number;
  /** The bearer token exporters must send; null turns the check off, which only a loopback host allows. */
  token: string | null;
  /** Browser origins allowed to post (none by default: exporters send no Origin, a web page always does). */
  allowedOrigins?: readonly string[];
  /** The most bytes a request body may have, before and after gzip. */
  maxBodyBytes?: number;
  /** Requests read or answered at once; past it a request is refused at once with Retry-After. */
  maxRequestsInFlight?: number;
  /** Body bytes held at once, all requests together (at least maxBodyBytes). */
  maxHeldBodyBytes?: number;
  headersTimeoutMs?: number;
  /** For the whole request, body included. */
  requestTimeoutMs?: number;
  /** How a Bash tool call's command line becomes skills: the terminal's rules (built-in ones by default). */
  recognise?: CommandLineRecogniser;
  /** false drops what arrives, answered as accepted so the exporter does not retry (tracking paused). */
  mayRecord?: () => boolean;
  onLog?: (message: string) => void;
}

/**
 * `GET /session-buddy/identity?nonce=<32 hex>` answers {"proof": identityProof(token, nonce)}: a
 * window that finds the port taken learns whether the holder is a Session Buddy receiver with the
 * same token, without sending it (the port may be held by another program, e.g. an OTel collector).
 */
export const IDENTITY_PATH = '/session-buddy/identity';

/** Bound to the port too, so that a program on another port cannot relay a receiver's proof as its own. */
export function identityProof(token: string, nonce: string, port: number): string {
  return crypto.createHmac('sha256', token).update(`otlp-identity\0${port}\0${nonce}`).digest('hex');
}

const NONCE = /^[0-9a-f]{32}$/;

const PATHS: Readonly<Record<string, OtlpSignal>> = { '/v1/logs': 'logs', '/v1/traces': 'traces' };
const CONTENT_TYPES: Readonly<Record<OtlpEncoding, string>> = { protobuf: 'application/x-protobuf', json: 'application/json' };

/** google.rpc.Code values for the Status body of a refused request. */
const RPC_CODE = { invalidArgument: 3, permissionDenied: 7, resourceExhausted: 8, unimplemented: 12, internal: 13, unavailable: 14, unauthenticated: 16 } as const;

/** A refusal: the HTTP status, the google.rpc code and what to tell the exporter. */
class Refusal extends Error {
  constructor(readonly status: number, readonly code: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

/**
 * OTLP/HTTP receiver for agent telemetry (`POST /v1/logs`, `POST /v1/traces`, protobuf or JSON,
 * gzip allowed): tool calls become skill runs with the source `agent`. Whatever a web page could
 * send is refused (Origin, DNS-rebound Host), a token is required unless turned off on loopback, and
 * a body is capped before and after decompression. A bad request gets its error and the server
 * goes on serving.
 */
export class OtlpReceiver {
  private readonly http: http.Server;
  private readonly host: string;
  private readonly port: number;
  private readonly maxBodyBytes: number;
  private readonly maxRequestsInFlight: number;
  private readonly held: BodyBudget;
  private inFlight = 0;

  constructor(private readonly recorder: AgentRunRecorder, private readonly options: OtlpReceiverOptions) {
    this.host = options.host ?? OTLP_DEFAULTS.host;
    this.port = options.port ?? OTLP_DEFAULTS.port;
    this.maxBodyBytes = options.maxBodyBytes ?? OTLP_DEFAULTS.maxBodyBytes;
    this.maxRequestsInFlight = options.maxRequestsInFlight ?? OTLP_DEFAULTS.maxRequestsInFlight;
    const maxHeld = options.maxHeldBodyBytes ?? Math.max(OTLP_DEFAULTS.maxHeldBodyBytes, this.maxBodyBytes);
    const headersTimeout = options.headersTimeoutMs ?? OTLP_DEFAULTS.headersTimeoutMs;
    const requestTimeout = options.requestTimeoutMs ?? OTLP_DEFAULTS.requestTimeoutMs;
    if (!Number.isInteger(this.port) || this.port < 0 || this.port > 65535) throw new RangeError(`OTLP port must be 0..65535 (got ${this.port})`);
    for (const [name, value] of Object.entries({ maxBodyBytes: this.maxBodyBytes, maxRequestsInFlight: this.maxRequestsInFlight, maxHeldBodyBytes: maxHeld, headersTimeoutMs: headersTimeout, requestTimeoutMs: requestTimeout })) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer (got ${value})`);
    }
    if (maxHeld < this.maxBodyBytes) throw new RangeError(`maxHeldBodyBytes (${maxHeld}) must hold one body of maxBodyBytes (${this.maxBodyBytes})`);
    if (headersTimeout > requestTimeout) throw new RangeError(`headersTimeoutMs (${headersTimeout}) must not be longer than requestTimeoutMs (${requestTimeout})`);
    if (!options.token && !isLoopbackHost(this.host)) {
      throw new Error(`refusing to receive OTLP without a token on ${this.host}: the token may only be left off on a loopback address`);
    }
    this.held = new BodyBudget(maxHeld);
    this.http = http.createServer({ headersTimeout, requestTimeout, connectionsCheckingInterval: TIMEOUT_CHECK_MS }, (req, res) => this.admitRequest(req, res));
  }

  async start(): Promise<AddressInfo> {
    return listenHttp(this.http, this.port, this.host, (err) => this.options.onLog?.(`OTLP receiver error: ${err.message}`));
  }

  /** The base URL exporters take as OTEL_EXPORTER_OTLP_ENDPOINT (they append /v1/logs and /v1/traces). */
  get endpoint(): string {
    return httpOrigin(this.http, this.host);
  }

  async close(): Promise<void> {
    await closeHttp(this.http);
  }

  /** Counts the request while it is read and answered; past the cap it is refused before anything is read. */
  private admitRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.inFlight >= this.maxRequestsInFlight) {
      res.setHeader('Connection', 'close');
      const encoding = encodingOf(req.headers['content-type']) ?? 'json';
      send(res, 503, encodeStatus(RPC_CODE.unavailable, `the receiver is busy (${this.maxRequestsInFlight} requests at once); retry later`, encoding), encoding, { 'Retry-After': '1' });
      return;
    }
    this.inFlight++;
    res.once('close', () => this.inFlight--);
    void this.handle(req, res);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const encoding = encodingOf(req.headers['content-type']) ?? 'json';
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === IDENTITY_PATH && req.method === 'GET') return this.identity(req, res, url);
      const signal = this.admit(req);
      const requestEncoding = encodingOf(req.headers['content-type']);
      if (!requestEncoding) throw new Refusal(415, RPC_CODE.invalidArgument, 'Content-Type must be application/x-protobuf or application/json');
      const body = await this.readBody(req);
      const { rejected, message } = await this.accept(signal, body, requestEncoding);
      send(res, 200, encodeExportResponse(signal, rejected, message, requestEncoding), requestEncoding);
    } catch (err) {
      const refusal = err instanceof Refusal ? err : this.failure(err);
      // The rest of a refused body is not read: the connection goes with the answer.
      if (refusal.status === 413 || refusal.status === 503) res.setHeader('Connection', 'close');
      if (!res.headersSent && !res.destroyed) send(res, refusal.status, encodeStatus(refusal.code, refusal.message, encoding), encoding, refusal.headers);
    }
  }

  private identity(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    requireHost(req);
    if (!hostHeaderAllowed(req, this.host) || !originAllowed(req, this.options.allowedOrigins ?? [])) throw new Refusal(403, RPC_CODE.permissionDenied, 'not from a browser');
    const nonce = url.searchParams.get('nonce') ?? '';
    if (!NONCE.test(nonce)) throw new Refusal(400, RPC_CODE.invalidArgument, 'nonce must be 32 lower-case hex digits');
    const token = this.options.token;
    if (!token) throw new Refusal(404, RPC_CODE.unimplemented, 'this receiver has no token to prove');
    const { port } = this.http.address() as AddressInfo;
    send(res, 200, Buffer.from(JSON.stringify({ proof: identityProof(token, nonce, port) })), 'json');
  }

  /** The checks that need no body: who may post, where, and how. */
  private admit(req: http.IncomingMessage): OtlpSignal {
    requireHost(req);
    if (!hostHeaderAllowed(req, this.host)) throw new Refusal(403, RPC_CODE.permissionDenied, 'Host is not a loopback name');
    if (!originAllowed(req, this.options.allowedOrigins ?? [])) throw new Refusal(403, RPC_CODE.permissionDenied, `Origin ${String(req.headers.origin).slice(0, 100)} is not allowed`);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const signal = Object.hasOwn(PATHS, path) ? PATHS[path] : undefined;
    if (!signal) throw new Refusal(404, RPC_CODE.unimplemented, 'not found: this receiver takes POST /v1/logs and /v1/traces');
    if (req.method !== 'POST') throw new Refusal(405, RPC_CODE.unimplemented, 'method not allowed: use POST', { Allow: 'POST' });
    const token = this.options.token;
    if (token && !tokensMatch(token, bearerToken(req))) {
      throw new Refusal(401, RPC_CODE.unauthenticated, 'a bearer token is required (Authorization: Bearer <token>)', { 'WWW-Authenticate': 'Bearer realm="session-buddy"' });
    }
    return signal;
  }

  private async readBody(req: http.IncomingMessage): Promise<Buffer> {
    const contentEncoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (contentEncoding !== 'identity' && contentEncoding !== 'gzip') throw new Refusal(415, RPC_CODE.invalidArgument, `Content-Encoding ${contentEncoding.slice(0, 40)} is not supported (gzip or none)`);
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.maxBodyBytes) throw this.tooLarge();
    const hold = this.held.open(Number.isFinite(declared) ? declared : 0);
    if (!hold) throw busy('body bytes');
    try {
      const raw = await readCapped(req, this.maxBodyBytes, hold, () => this.tooLarge());
      if (contentEncoding === 'identity') return raw;
      try {
        return await gunzip(raw, this.maxBodyBytes);
      } catch (err) {
        // A small body that inflates past the cap (a zip bomb) stops at the cap.
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw this.tooLarge();
        throw new Refusal(400, RPC_CODE.invalidArgument, `the body is not valid gzip: ${(err as Error).message}`);
      }
    } finally {
      hold.release();
    }
  }

  private tooLarge(): Refusal {
    return new Refusal(413, RPC_CODE.resourceExhausted, `the body is larger than ${this.maxBodyBytes} bytes (also after gzip); send smaller batches`);
  }

  private async accept(signal: OtlpSignal, body: Buffer, encoding: OtlpEncoding): Promise<{ rejected: number; message: string }> {
    const recognise = this.options.recognise;
    let results: MappingResult[];
    try {
      results = signal === 'logs' ? decodeLogs(body, encoding).map((r) => runsFromLogRecord(r, recognise)) : decodeSpans(body, encoding).map((s) => runsFromSpan(s, recognise));
    } catch (err) {
      if (err instanceof OtlpDecodeError) throw new Refusal(400, RPC_CODE.invalidArgument, err.message);
      throw err;
    }
    const runs: AgentToolRun[] = [];
    const reasons = new Map<string, number>();
    for (const result of results) {
      if (result.kind === 'runs') appendAll(runs, result.runs);
      else if (result.kind === 'refused') reasons.set(result.reason, (reasons.get(result.reason) ?? 0) + 1);
    }
    if (this.options.mayRecord?.() !== false) await this.record(runs);
    const rejected = [...reasons.values()].reduce((a, b) => a + b, 0);
    return { rejected, message: reasonsMessage(reasons) };
  }

  private async record(runs: AgentToolRun[]): Promise<void> {
    try {
      await this.recorder.record(runs);
    } catch (err) {
      // A run the tracker refuses would be refused again: the exporter must not retry the batch.
      if (err instanceof ValidationError) throw new Refusal(400, RPC_CODE.invalidArgument, `a run could not be recorded: ${err.message}`);
      throw err;
    }
  }

  /** An unexpected error: the store may be busy or read-only, so the exporter should retry later. */
  private failure(err: unknown): Refusal {
    this.options.onLog?.(`OTLP request failed: ${(err as Error).message}`);
    return new Refusal(503, RPC_CODE.unavailable, 'the store could not record the batch; retry later', { 'Retry-After': '5' });
  }
}

/** The most distinct reasons a response lists; tool names make them many in a hostile batch. */
const MAX_REASONS = 5;

function reasonsMessage(reasons: ReadonlyMap<string, number>): string {
  const listed = [...reasons].slice(0, MAX_REASONS).map(([reason, n]) => `${n} × ${reason}`);
  const more = reasons.size > MAX_REASONS ? `; and ${reasons.size - MAX_REASONS} other reasons` : '';
  return `${listed.join('; ')}${more}`;
}

function encodingOf(header: string | undefined): OtlpEncoding | undefined {
  const type = header?.split(';')[0].trim().toLowerCase();
  if (type === CONTENT_TYPES.protobuf) return 'protobuf';
  if (type === CONTENT_TYPES.json) return 'json';
  return undefined;
}

/** A request without Host is refused (HTTP/1.1 requires one; an HTTP/1.0 client may leave it out). */
function requireHost(req: http.IncomingMessage): void {
  if (!req.headers.host) throw new Refusal(400, RPC_CODE.invalidArgument, 'a Host header is required');
}

function busy(what: string): Refusal {
  return new Refusal(503, RPC_CODE.unavailable, `the receiver holds as many ${what} as it takes at once; retry later`, { 'Retry-After': '1' });
}

/**
 * Body bytes held by every request together. A request reserves its declared length up front
 * (a body that will not fit is refused before a byte is read) and what a body without a length
 * brings as it arrives; it gives all back when it is done, however it ended.
 */
class BodyBudget {
  private used = 0;

  constructor(private readonly max: number) {}

  open(reserve: number): BodyHold | undefined {
    if (this.used + reserve > this.max) return undefined;
    this.used += reserve;
    let held = reserve;
    let released = false;
    return {
      grow: (total) => {
        if (released || total <= held) return true;
        if (this.used + total - held > this.max) return false;
        this.used += total - held;
        held = total;
        return true;
      },
      release: () => {
        if (released) return;
        released = true;
        this.used -= held;
      },
    };
  }
}

interface BodyHold {
  /** Makes room for a body grown to `total` bytes; false when every request's bytes together would pass the budget. */
  grow(total: number): boolean;
  release(): void;
}

/**
 * The body, refused as soon as it passes `max` bytes or the bytes held by all requests pass their
 * budget (the rest is not read); a request cut off (closed, timed out) rejects and drops what it held.
 */
function readCapped(req: http.IncomingMessage, max: number, hold: BodyHold, tooLarge: () => Refusal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    const stop = (refusal: Refusal) => {
      chunks = [];
      req.removeAllListeners('data');
      req.resume();
      reject(refusal);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) return stop(tooLarge());
      if (!hold.grow(size)) return stop(busy('body bytes'));
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) stop(new Refusal(408, RPC_CODE.unavailable, 'the request ended before its body'));
    });
  });
}

function gunzip(raw: Buffer, maxOutputLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => zlib.gunzip(raw, { maxOutputLength }, (err, out) => (err ? reject(err) : resolve(out))));
}

function send(res: http.ServerResponse, status: number, body: Uint8Array, encoding: OtlpEncoding, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': CONTENT_TYPES[encoding], 'Content-Length': String(body.length), ...headers });
  res.end(body);
}
