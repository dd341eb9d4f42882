import type { OperationProgress } from '../operations/storeOperations';
import type { SessionAnswer } from '../tracking/sessionLookup';
import type { RunState } from '../window/windowData';

/**
 * The store host's wire protocol: one JSON object per line over a local socket. A connection
 * begins with `hello` (the client's protocol version and the store's token) and the host's answer
 * (its version, engine and pid); then requests `{id, method, params}` are answered in order with
 * `{id, result}` or `{id, error}`. The version lets a newer client retire an older host: two hosts
 * of different versions must never hold the database at once.
 */

/** Raised with every change to the messages below. */
export const HOST_PROTOCOL = 10;
/** The oldest client this host still answers (older clients open the store themselves). */
export const MIN_CLIENT_PROTOCOL = 1;

/** Steps one `recordedSteps` request may ask about (clients ask in batches): their ids fit a request line many times over. */
export const MAX_STEPS_PER_REQUEST = 10_000;

/** Longest request line the host reads: far above any real request, low enough that a flood cannot fill memory. */
export const MAX_REQUEST_LINE_BYTES = 1024 * 1024;

export const HOST_METHODS = ['ping', 'metrics', 'today', 'tool', 'sql', 'session', 'recordedSteps', 'runJobs', 'recommendations', 'ranked', 'dashboard', 'skills', 'alerts', 'changes', 'abOutcome', 'command', 'operation', 'serve', 'retire'] as const;
export type HostMethod = (typeof HOST_METHODS)[number];

export interface HelloRequest {
  type: 'hello';
  protocol: number;
  token: string;
}

export interface HelloAnswer {
  type: 'hello';
  protocol: number;
  minProtocol: number;
  hostVersion: string;
  engine: 'node:sqlite' | 'sql.js';
  pid: number;
}

/** The host refused the connection (wrong token, a client too old): sent once, then the socket closes. */
export interface RefusalAnswer {
  type: 'error';
  error: string;
}

export interface HostRequest {
  id: number;
  method: HostMethod;
  params: Record<string, unknown>;
  /** The client hears how far a long request is: lines `{id, progress}` before its answer (protocol 10). */
  progress?: boolean;
}

/** 'usage': the caller asked for something wrong (exit 2 in the CLI); 'failed': it could not be done. */
export type HostErrorKind = 'usage' | 'failed';

/** The answer to `changes`: the store's version now, whether anything was recorded (the empty states), the clock at the last purge (ChangeFeed.purgedAt). */
export interface ChangesAnswer extends RunState {
  version: string;
  purgedAt: number;
}

/** A progress line's content as a client reads it; undefined when it is not one it knows (a host of another version may send more). */
export function parseProgress(value: Record<string, unknown>): OperationProgress | undefined {
  const { done, total, stage } = value;
  if (!isCount(done) || !isCount(total) || (stage !== undefined && typeof stage !== 'string')) return undefined;
  return stage === undefined ? { done, total } : { stage: stage.slice(0, MAX_STAGE_CHARS), done, total };
}

const MAX_STAGE_CHARS = 200;

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

export interface HostResponse {
  id: number;
  result?: unknown;
  error?: { message: string; kind: HostErrorKind };
  /** How far the request is, when its client asked (not an answer: the answer follows). */
  progress?: Record<string, unknown>;
}

/**
 * The answer to `session`: what the host knows of a session (its row, or whether runs were recorded
 * under it without one), the stamp a recording process starts its clock past, and why the store
 * takes no writes, if it does not.
 */
export interface RecordingContext extends SessionAnswer {
  latestStamp: number;
  readOnlyReason: string | null;
}

export class ProtocolError extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses one line as a JSON object; anything else is a ProtocolError naming what was wrong. */
export function parseLine(line: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ProtocolError('not a JSON line');
  }
  if (!isRecord(value)) throw new ProtocolError('a message must be a JSON object');
  return value;
}

export function parseHello(message: Record<string, unknown>): HelloRequest {
  if (message.type !== 'hello') throw new ProtocolError('the first message must be a hello');
  if (!Number.isInteger(message.protocol)) throw new ProtocolError('hello.protocol must be an integer');
  if (typeof message.token !== 'string') throw new ProtocolError('hello.token must be a string');
  return { type: 'hello', protocol: message.protocol as number, token: message.token };
}

export function parseRequest(message: Record<string, unknown>): HostRequest {
  const { id, method, params, progress } = message;
  if (!Number.isSafeInteger(id)) throw new ProtocolError('a request needs an integer id');
  if (typeof method !== 'string' || !(HOST_METHODS as readonly string[]).includes(method)) {
    throw new ProtocolError(`unknown method ${JSON.stringify(method)} (known: ${HOST_METHODS.join(', ')})`);
  }
  if (params !== undefined && !isRecord(params)) throw new ProtocolError('params must be a JSON object');
  if (progress !== undefined && typeof progress !== 'boolean') throw new ProtocolError('progress must be true or false');
  return { id: id as number, method: method as HostMethod, params: params ?? {}, progress: progress === true };
}

/** What the host answers to hello, as the client reads it (a host of another version may send more). */
export function parseHelloAnswer(message: Record<string, unknown>): HelloAnswer | RefusalAnswer {
  if (message.type === 'error' && typeof message.error === 'string') return { type: 'error', error: message.error };
  if (message.type !== 'hello' || !Number.isInteger(message.protocol) || !Number.isInteger(message.pid)) {
    throw new ProtocolError('the host answered hello with something else');
  }
  return message as unknown as HelloAnswer;
}

export function parseResponse(message: Record<string, unknown>): HostResponse {
  if (!Number.isSafeInteger(message.id)) throw new ProtocolError('a response without an id');
  const error = message.error;
  if (error !== undefined && !(isRecord(error) && typeof error.message === 'string')) throw new ProtocolError('a malformed error response');
  if (message.progress !== undefined && !isRecord(message.progress)) throw new ProtocolError('a malformed progress line');
  return message as unknown as HostResponse;
}

/**
 * Splits a text stream into lines, looking for line ends only in each new chunk (a large answer
 * arrives in many chunks). A line longer than `maxBytes` is an error (the peer is then
 * disconnected), not a reason to keep buffering.
 */
export class LineSplitter {
  private pieces: string[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: string): string[] {
    const parts = chunk.split('\n');
    const rest = parts.pop() ?? '';
    if (parts.length > 0) {
      parts[0] = this.pieces.join('') + parts[0];
      this.pieces = [];
      this.pendingBytes = 0;
    }
    this.pieces.push(rest);
    this.pendingBytes += Buffer.byteLength(rest);
    if (this.pendingBytes > this.maxBytes || parts.some((line) => line.length > this.maxBytes)) throw new ProtocolError(`a line longer than ${this.maxBytes} bytes`);
    return parts.filter((line) => line.trim() !== '');
  }
}
