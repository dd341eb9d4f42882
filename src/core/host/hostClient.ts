import fs from 'node:fs';
import net from 'node:net';
import { loadOrCreateToken } from '../realtime/token';
import { fileEngineProblem } from '../store/nodeSqlite';
import { storePaths } from '../store/paths';
import { hostPaths, ownedByThisUser, socketAnswers } from './hostPaths';
import { startHost, takeEarlyStart, type HostClientOptions, type StartedHost } from './hostStarter';
import {
  HOST_PROTOCOL, LineSplitter, parseHelloAnswer, parseLine, parseResponse,
  type HelloAnswer, type HostErrorKind, type HostMethod, type HostResponse,
} from './protocol';

/**
 * How often a client looks for the host it started. A connection to a socket nobody listens on fails
 * at once, and the host listens before it opens the store (hello waits for that), so the polls span
 * only its boot: often is cheap, and a longer step would leave the host waiting for the client.
 */
const START_POLL_MS = 20;
/** Starting a host and opening the store (a migration, the lock of a retiring host) may take this long. */
const DEFAULT_START_TIMEOUT_MS = 30_000;
/**
 * How long one connection waits for hello before it is tried again. A live host answers once its
 * store is open; a connection that went into the listening socket of a host killed that moment is
 * never answered, nor always closed, so a fresh connection (which reaches the new host, or starts
 * one) is made until the start deadline.
 */
const HELLO_PATIENCE_MS = 5_000;
/** How long a retired host may take to let go of the socket and the database. */
const RETIRE_TIMEOUT_MS = 10_000;
/** Answers (a `sql` result) can be large; a line beyond this is a broken host, not an answer. */
const MAX_ANSWER_LINE_BYTES = 512 * 1024 * 1024;

/** The host cannot serve this client: the caller opens the store itself. */
export class HostUnavailableError extends Error {}

/** The connection ended before the answer came (the host stopped or died): asking again starts a new host. */
export class HostGoneError extends HostUnavailableError {}

/** The host answered the request with an error. */
export class HostRequestFailedError extends Error {
  constructor(message: string, readonly kind: HostErrorKind) {
    super(message);
  }
}

/** Hears a request's progress as the host sent it (the caller checks its shape: it comes from another process). */
export type ProgressListener = (progress: Record<string, unknown>) => void;

/** A connection to the store host, past hello; requests are answered in order. */
export class HostConnection {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(err: Error): void; onProgress?: ProgressListener }>();
  private readonly splitter = new LineSplitter(MAX_ANSWER_LINE_BYTES);
  private closedReason: string | undefined;
  private resolveClosed: (reason: string) => void = () => undefined;
  /** Resolves with why, once the connection has ended (closed here, by the host, or failed). */
  readonly closed = new Promise<string>((resolve) => (this.resolveClosed = resolve));

  constructor(private readonly socket: net.Socket, readonly hello: HelloAnswer) {
    socket.on('data', (chunk: string) => this.receive(chunk));
    socket.on('close', () => this.fail('the store host closed the connection'));
    socket.on('error', (err) => this.fail(`the connection to the store host failed: ${err.message}`));
  }

  /** `onProgress` hears how far a long request is, from a host of protocol 10 or later (an older one only answers). */
  request(method: HostMethod, params: Record<string, unknown> = {}, onProgress?: ProgressListener): Promise<unknown> {
    if (this.closedReason) return Promise.reject(new HostGoneError(this.closedReason));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.socket.write(`${JSON.stringify(onProgress ? { id, method, params, progress: true } : { id, method, params })}\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(chunk: string): void {
    try {
      for (const line of this.splitter.push(chunk)) this.settle(parseResponse(parseLine(line)));
    } catch (err) {
      this.fail(`the store host sent something unreadable: ${(err as Error).message}`);
      this.socket.destroy();
    }
  }

  private settle(response: HostResponse): void {
    const waiting = this.pending.get(response.id);
    if (!waiting) return;
    if (response.progress !== undefined && response.result === undefined && response.error === undefined) {
      waiting.onProgress?.(response.progress);
      return;
    }
    this.pending.delete(response.id);
    if (response.error) waiting.reject(new HostRequestFailedError(response.error.message, response.error.kind));
    else waiting.resolve(response.result);
  }

  private fail(reason: string): void {
    this.closedReason ??= reason;
    this.resolveClosed(this.closedReason);
    for (const waiting of this.pending.values()) waiting.reject(new HostGoneError(reason));
    this.pending.clear();
  }
}

/** Raised by dial when no host listens (ENOENT, ECONNREFUSED): one must be started. */
class NoHostError extends Error {}

/** No host of this protocol is running, and the client asked not to start one (`connectToRunningHost`). */
export class NoRunningHostError extends HostUnavailableError {}

/**
 * Connects to the store's host only if one of this protocol is already running: a client that
 * prefers the shared host without leaving one behind (the CLI by default). Starts, replaces and
 * creates nothing, not even the token, so a store without a host is left as it was.
 */
export async function connectToRunningHost(options: HostClientOptions): Promise<HostConnection> {
  const paths = hostPaths(options.db);
  if (!fs.existsSync(storePaths(options.db).token)) throw new NoRunningHostError('no store host is running');
  let connection: HostConnection;
  try {
    connection = await dial(paths.socket, readToken(options.db), Date.now() + (options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS));
  } catch (err) {
    if (err instanceof NoHostError) throw new NoRunningHostError('no store host is running');
    throw err;
  }
  if (connection.hello.protocol >= HOST_PROTOCOL) return connection;
  connection.close();
  throw new NoRunningHostError(`the running store host speaks protocol ${connection.hello.protocol}, older than this client's`);
}

/**
 * Asks the store's host, of any protocol, to stop, and waits until it no longer accepts
 * connections: what it said at hello, or undefined when none runs. Starts and creates nothing.
 */
export async function stopRunningHost(options: HostClientOptions): Promise<HelloAnswer | undefined> {
  const connection = await anyRunningHost(options);
  if (!connection) return undefined;
  await retire(connection, hostPaths(options.db).socket);
  return connection.hello;
}

/** What the store's host, of any protocol, said at hello; undefined when none runs. Starts and creates nothing. */
export async function runningHostHello(options: HostClientOptions): Promise<HelloAnswer | undefined> {
  const connection = await anyRunningHost(options);
  connection?.close();
  return connection?.hello;
}

async function anyRunningHost(options: HostClientOptions): Promise<HostConnection | undefined> {
  if (!fs.existsSync(storePaths(options.db).token)) return undefined;
  try {
    return await dial(hostPaths(options.db).socket, readToken(options.db), Date.now() + (options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS));
  } catch (err) {
    if (err instanceof NoHostError) return undefined;
    throw err;
  }
}

/**
 * Connects to the store's host, starting one when none answers, and replacing one of an older
 * protocol (asked to retire; a new one is started). Throws HostUnavailableError when no host can
 * serve: the caller then opens the store itself.
 */
export async function connectToHost(options: HostClientOptions): Promise<HostConnection> {
  const paths = hostPaths(options.db);
  const token = readToken(options.db);
  const deadline = Date.now() + (options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  let early = takeEarlyStart(options.db);
  let started: StartedHost | undefined;
  let retired = false;
  for (;;) {
    let connection: HostConnection;
    try {
      connection = await dial(paths.socket, token, deadline);
    } catch (err) {
      if (!(err instanceof NoHostError)) throw err;
      if (!started) {
        // Only the first start may be the early one: a host started after a retirement is new.
        started = (await early) ?? startHost(options);
        early = Promise.resolve(undefined);
      }
      const exited = started.failure();
      if (exited) throw new HostUnavailableError(`${exited} (see ${paths.log})`);
      if (Date.now() + START_POLL_MS > deadline) throw new HostUnavailableError(`the store host did not answer within ${Math.round((options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS) / 1000)} s (see ${paths.log})`);
      await sleep(START_POLL_MS);
      continue;
    }
    const outdated = connection.hello.protocol < HOST_PROTOCOL;
    // A host on sql.js that this client could replace with a file-backed one is asked once to retire; one started since stays.
    if (!outdated && (retired || !startsFileBackedInstead(connection.hello, options))) return connection;
    if (retired) {
      connection.close();
      throw new HostUnavailableError(`a store host of protocol ${connection.hello.protocol} is still running after it was asked to retire`);
    }
    await retire(connection, paths.socket);
    retired = true;
    started = undefined;
  }
}

/**
 * A host on sql.js (started by a runtime without node:sqlite, such as a CLI on Node 20) holds the
 * whole store in memory, 640 MiB at a million runs: a client whose own runtime has node:sqlite, and
 * would start the host with it, replaces it with a file-backed one rather than join it.
 */
function startsFileBackedInstead(hello: HelloAnswer, options: HostClientOptions): boolean {
  if (hello.engine !== 'sql.js' || (options.execPath ?? process.execPath) !== process.execPath) return false;
  return fileEngineProblem() === undefined;
}

function readToken(db: string): string {
  try {
    return loadOrCreateToken(storePaths(db).token);
  } catch (err) {
    throw new HostUnavailableError(`the store's token cannot be read or created: ${(err as Error).message}`);
  }
}

/** Opens the socket and says hello. NoHostError when nothing listens; HostUnavailableError when the host refuses. */
function dial(socket: string, token: string, deadline: number): Promise<HostConnection> {
  refuseOtherUsersSocket(socket);
  return new Promise((resolve, reject) => {
    const conn = net.connect(socket);
    conn.setEncoding('utf8');
    const splitter = new LineSplitter(MAX_ANSWER_LINE_BYTES);
    let connected = false;
    const patience = Math.max(0, Math.min(deadline - Date.now(), HELLO_PATIENCE_MS));
    const timer = setTimeout(() => {
      finish(Date.now() < deadline ? new NoHostError('no hello yet: connecting again') : new HostUnavailableError('the store host accepted the connection but did not answer hello in time'));
    }, patience);
    const finish = (outcome: HelloAnswer | Error) => {
      clearTimeout(timer);
      conn.removeAllListeners();
      if (outcome instanceof Error) {
        conn.destroy();
        reject(outcome);
      } else resolve(new HostConnection(conn, outcome));
    };
    conn.once('connect', () => {
      connected = true;
      conn.write(`${JSON.stringify({ type: 'hello', protocol: HOST_PROTOCOL, token })}\n`);
    });
    conn.on('data', (chunk: string) => {
      try {
        const [line] = splitter.push(chunk);
        if (line === undefined) return;
        const answer = parseHelloAnswer(parseLine(line));
        finish(answer.type === 'error' ? new HostUnavailableError(`the store host refused the connection: ${answer.error}`) : answer);
      } catch (err) {
        finish(new HostUnavailableError(`the store host answered hello with something unreadable: ${(err as Error).message}`));
      }
    });
    conn.once('error', (err: NodeJS.ErrnoException) => {
      finish(noHostBehind(err, connected) ? new NoHostError(err.message) : new HostUnavailableError(`cannot reach the store host: ${err.message}`));
    });
    conn.once('close', () => finish(connected ? new NoHostError('the store host closed the connection before hello (it was stopping)') : new NoHostError('closed')));
  });
}

/**
 * Nothing listens (ENOENT, ECONNREFUSED), or a host that is dying accepted the connection and
 * reset it before hello (a killed host's listening socket outlives it by a moment): either way a
 * new host must be started, as when the connection closes before hello.
 */
function noHostBehind(err: NodeJS.ErrnoException, connected: boolean): boolean {
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return true;
  return !connected && (err.code === 'ENOENT' || err.code === 'ECONNREFUSED');
}

/** A socket another user created in the host's place is never talked to (it would receive the token). */
function refuseOtherUsersSocket(socket: string): void {
  if (process.platform === 'win32') return;
  let st: fs.Stats;
  try {
    st = fs.lstatSync(socket);
  } catch {
    return;
  }
  if (!ownedByThisUser(st)) throw new HostUnavailableError(`${socket} belongs to another user (uid ${st.uid}): not connecting to it`);
}

/** Asks an older host to stop, and waits until it no longer accepts connections. */
async function retire(connection: HostConnection, socket: string): Promise<void> {
  await connection.request('retire').catch(() => undefined);
  connection.close();
  const deadline = Date.now() + RETIRE_TIMEOUT_MS;
  while (await socketAnswers(socket)) {
    if (Date.now() > deadline) throw new HostUnavailableError(`the store host of protocol ${connection.hello.protocol} did not stop within ${RETIRE_TIMEOUT_MS / 1000} s of being asked to retire`);
    await sleep(50);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
