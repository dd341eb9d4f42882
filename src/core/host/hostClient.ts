import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateToken } from '../realtime/token';
import { storePaths } from '../store/paths';
import { hostPaths, ownedByThisUser, socketAnswers } from './hostPaths';
import {
  HOST_PROTOCOL, LineSplitter, parseHelloAnswer, parseLine, parseResponse,
  type HelloAnswer, type HostErrorKind, type HostMethod, type HostResponse,
} from './protocol';

/** A host left alone this long exits: short enough that an old version does not linger, long enough to serve a working session. */
export const DEFAULT_IDLE_SECONDS = 300;
/**
 * How often a client looks for the host it started. A connection to a socket nobody listens on fails
 * at once, and the host listens before it opens the store (hello waits for that), so the polls span
 * only its boot: often is cheap, and a longer step would leave the host waiting for the client.
 */
const START_POLL_MS = 20;
const MAX_IDLE_SECONDS = 24 * 3600;
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

export function parseIdleSeconds(value: string, name: string): number {
  const seconds = Number(value);
  if (!value.trim() || !Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_IDLE_SECONDS) throw new Error(`${name} must be a number of seconds above 0 and at most ${MAX_IDLE_SECONDS}, not "${value}"`);
  return seconds;
}

export interface HostClientOptions {
  db: string;
  /** The host's entry script (dist/store-host.js beside the bundle). */
  hostScript: string;
  /** The runtime to start it with; default this process's (node, or VS Code's Electron run as node). */
  execPath?: string;
  /** The idle time of a host this client starts. */
  idleSeconds?: number;
  /** How long to wait for a host to start and answer hello. */
  startTimeoutMs?: number;
}

/** A connection to the store host, past hello; requests are answered in order. */
export class HostConnection {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
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

  request(method: HostMethod, params: Record<string, unknown> = {}): Promise<unknown> {
    if (this.closedReason) return Promise.reject(new HostGoneError(this.closedReason));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.write(`${JSON.stringify({ id, method, params })}\n`);
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

/**
 * Connects to the store's host, starting one when none answers, and replacing one of an older
 * protocol (asked to retire; a new one is started). Throws HostUnavailableError when no host can
 * serve: the caller then opens the store itself.
 */
export async function connectToHost(options: HostClientOptions): Promise<HostConnection> {
  const paths = hostPaths(options.db);
  const token = readToken(options.db);
  const deadline = Date.now() + (options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  let started: StartedHost | undefined;
  let retired = false;
  for (;;) {
    let connection: HostConnection;
    try {
      connection = await dial(paths.socket, token, deadline);
    } catch (err) {
      if (!(err instanceof NoHostError)) throw err;
      started ??= startHost(options);
      const exited = started.failure();
      if (exited) throw new HostUnavailableError(`${exited} (see ${paths.log})`);
      if (Date.now() + START_POLL_MS > deadline) throw new HostUnavailableError(`the store host did not answer within ${Math.round((options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS) / 1000)} s (see ${paths.log})`);
      await sleep(START_POLL_MS);
      continue;
    }
    if (connection.hello.protocol >= HOST_PROTOCOL) return connection;
    if (retired) {
      connection.close();
      throw new HostUnavailableError(`a store host of protocol ${connection.hello.protocol} is still running after it was asked to retire`);
    }
    await retire(connection, paths.socket);
    retired = true;
    started = undefined;
  }
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

interface StartedHost {
  /** Why the started host can no longer come up (it exited with a failure, or could not be spawned); undefined while it may. */
  failure(): string | undefined;
}

/**
 * glibc's allocator settings for the host, unless the user's environment sets them: a fixed mmap
 * threshold at its default of 128 KiB. Left dynamic, glibc raises it to the size of each large
 * block freed (up to 32 MiB), so the analytics worker's large blocks are later carved from the
 * heap, whose freed middle is never returned: at a million runs the host stayed 60 MiB larger
 * for the rest of its life (331 → 273 MiB steady, measured). Other C libraries ignore them.
 */
const HOST_ALLOCATOR = { MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_TRIM_THRESHOLD_: '131072' };

/**
 * V8's young generation for the host kept at 1 MiB a semi-space (Node's default grows to 16): the
 * host's requests allocate briefly, and what a large young generation holds after them stayed in
 * its resident memory. At a million runs, a window's 2,000 runs with their reads: steady 244-285 →
 * 159 MiB, peak 281-304 → 209 MiB, the reads' p99 unchanged (bench memory --part window).
 */
const HOST_RUNTIME_FLAGS = ['--max-semi-space-size=1'];

/**
 * Starts a host detached from this process (it outlives the command or window that started it),
 * with this process's runtime: ELECTRON_RUN_AS_NODE makes VS Code's Electron run the script as
 * Node, as language servers are started, and is ignored by Node itself. A host that finds another
 * already serving exits 0: only an exit with a failure means none will answer.
 */
function startHost(options: HostClientOptions): StartedHost {
  if (!fs.existsSync(options.hostScript)) return { failure: () => `the store host script ${options.hostScript} is missing` };
  let failure: string | undefined;
  const folder = path.dirname(path.resolve(options.db));
  const child = spawn(options.execPath ?? process.execPath, [...HOST_RUNTIME_FLAGS, options.hostScript, '--db', path.resolve(options.db), '--idle-seconds', String(options.idleSeconds ?? DEFAULT_IDLE_SECONDS)], {
    detached: true,
    stdio: 'ignore',
    windowsHide: true,
    // Not the caller's folder: a long-lived process should not keep an unrelated directory busy.
    cwd: fs.existsSync(folder) ? folder : os.homedir(),
    env: { ...HOST_ALLOCATOR, ...process.env, ELECTRON_RUN_AS_NODE: '1' },
  });
  child.once('error', (err) => (failure = `the store host could not be started: ${err.message}`));
  child.once('exit', (code, signal) => {
    if (code !== 0) failure = `the store host stopped at once (${code === null ? `signal ${signal}` : `exit code ${code}`})`;
  });
  child.unref();
  return { failure: () => failure };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
