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

/** 4318 is OTLP/HTTP's registered port, where exporters send by default. */
export const OTLP_DEFAULTS = { host: '127.0.0.1', port: 4318, maxBodyBytes: 16 * 1024 * 1024 } as const;

export interface OtlpReceiverOptions {
  host?: string;
  port?: number;
  /** The bearer token exporters must send; null turns the check off, which only a loopback host allows. */
  token: string | null;
  /** Browser origins allowed to post (none by default: exporters send no Origin, a web page always does). */
  allowedOrigins?: readonly string[];
  /** The most bytes a request body may have, before and after gzip. */
  maxBodyBytes?: number;
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

  constructor(private readonly recorder: AgentRunRecorder, private readonly options: OtlpReceiverOptions) {
    this.host = options.host ?? OTLP_DEFAULTS.host;
    this.port = options.port ?? OTLP_DEFAULTS.port;
    this.maxBodyBytes = options.maxBodyBytes ?? OTLP_DEFAULTS.maxBodyBytes;
    if (!Number.isInteger(this.port) || this.port < 0 || this.port > 65535) throw new RangeError(`OTLP port must be 0..65535 (got ${this.port})`);
    if (!Number.isInteger(this.maxBodyBytes) || this.maxBodyBytes < 1) throw new RangeError(`maxBodyBytes must be a positive integer (got ${this.maxBodyBytes})`);
    if (!options.token && !isLoopbackHost(this.host)) {
      throw new Error(`refusing to receive OTLP without a token on ${this.host}: the token may only be left off on a loopback address`);
    }
    this.http = http.createServer((req, res) => void this.handle(req, res));
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
      if (refusal.status === 413) res.setHeader('Connection', 'close');
      send(res, refusal.status, encodeStatus(refusal.code, refusal.message, encoding), encoding, refusal.headers);
    }
  }

  private identity(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
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
    const raw = await readCapped(req, this.maxBodyBytes, () => this.tooLarge());
    if (contentEncoding === 'identity') return raw;
    try {
      return await gunzip(raw, this.maxBodyBytes);
    } catch (err) {
      // A small body that inflates past the cap (a zip bomb) stops at the cap.
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw this.tooLarge();
      throw new Refusal(400, RPC_CODE.invalidArgument, `the body is not valid gzip: ${(err as Error).message}`);
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

/** The body, refused as soon as it passes `max` bytes (the rest is not read). */
function readCapped(req: http.IncomingMessage, max: number, tooLarge: () => Refusal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function gunzip(raw: Buffer, maxOutputLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => zlib.gunzip(raw, { maxOutputLength }, (err, out) => (err ? reject(err) : resolve(out))));
}

function send(res: http.ServerResponse, status: number, body: Uint8Array, encoding: OtlpEncoding, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': CONTENT_TYPES[encoding], 'Content-Length': String(body.length), ...headers });
  res.end(body);
}
