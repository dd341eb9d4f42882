import type { OperationProgress } from '../operations/storeOperations';
import fs from 'node:fs';
import net from 'node:net';
import { loadOrCreateToken, readTokenFile, tokensMatch } from '../realtime/token';
import { FileStore } from '../store/fileStore';
import { processIsAlive } from '../store/eventLog';
import { withLock } from '../store/locks';
import { fileEngineProblem } from '../store/nodeSqlite';
import { storePaths } from '../store/paths';
import { SkillStore } from '../store/store';
import type { Store } from '../store/storeInterface';
import { ChangeFeed } from './changeFeed';
import { HostCommands } from './hostCommands';
import { HostJobs, parseJobsRequest } from './hostJobs';
import type { HostServers, ServeAnswer } from './hostServers';
import { ensureRuntimeDir, hostPaths, socketAnswers, type HostPaths } from './hostPaths';
import { handleRequest, HostRequestError } from './hostRequests';
import {
  HOST_PROTOCOL, LineSplitter, MAX_REQUEST_LINE_BYTES, MIN_CLIENT_PROTOCOL, ProtocolError, parseHello, parseLine, parseRequest,
  type HelloAnswer, type HostRequest, type HostResponse,
} from './protocol';

export interface StoreHostOptions {
  db: string;
  /** Exit this long after the last client left (and after starting, if no client comes). */
  idleMs: number;
  /** Refuse a store that needs a repair or an upgrade instead of doing either (store/asFound.ts): a host a command started. */
  asFound?: boolean;
  hostVersion: string;
  migrationsDir?: string;
  log(line: string): void;
}

export interface OpenedStore {
  store: Store;
  engine: HelloAnswer['engine'];
  /** What a client waiting for the store's next change is told. */
  changes: ChangeFeed;
}

/** How a request's progress reaches its client (HostResponse.progress). */
export type ProgressSender = (progress: OperationProgress) => void;

/** A long request's progress is sent at most this often: a terminal line every step of a thousand-skill backfill says nothing more. */
const PROGRESS_EVERY_MS = 250;

/** A client must say hello this soon, or is disconnected: a connection that says nothing holds a slot for nothing. */
const HELLO_TIMEOUT_MS = 5000;
/** How long stopping waits for requests in flight before it closes the store under them. */
const DRAIN_MS = 5000;
/** A proper-lockfile lock cannot go stale sooner; only a crashed starter leaves it behind. */
const ELECTION_STALE_MS = 10_000;

/** The host's listening server, with the connections it accepted before the host took it over. */
interface ListeningSocket {
  server: net.Server;
  /** Hands the early connections over; from then on the taker's own listener receives them. */
  takeEarly(): net.Socket[];
}

/** Why a host stopped; `failed` when it could not serve (the store would not open). */
export interface HostOutcome {
  reason: string;
  failed: boolean;
}

/**
 * Runs the store host for one store until it is idle, retired or signalled; resolves with why it
 * stopped, or 'lost' when another host already answers on the socket (it won the election).
 */
export async function runStoreHost(options: StoreHostOptions): Promise<HostOutcome> {
  const paths = hostPaths(options.db);
  if (paths.runtimeDir) ensureRuntimeDir(paths.runtimeDir);
  loadOrCreateToken(storePaths(options.db).token);
  const claimed = await claimSocket(paths);
  if (!claimed) return { reason: 'lost', failed: false };
  const host = new StoreHost(claimed, paths, options);
  return host.stopped;
}

/**
 * The election: under a lock, a live host (one whose socket accepts a connection) keeps the
 * socket and this process leaves; otherwise a stale socket left by a host that died is removed
 * and this process listens. Without the lock, two starters could each remove the other's fresh
 * socket and both serve, which would let two hosts open the database at once.
 */
async function claimSocket(paths: HostPaths): Promise<ListeningSocket | undefined> {
  return withLock(paths.election, { purpose: 'the store host election', staleMs: ELECTION_STALE_MS }, async () => {
    if (await socketAnswers(paths.socket)) return undefined;
    removeStaleSocket(paths.socket);
    return listenPrivately(paths.socket);
  });
}

function removeStaleSocket(socket: string): void {
  if (process.platform === 'win32') return;
  let st: fs.Stats;
  try {
    st = fs.lstatSync(socket);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!st.isSocket()) throw new Error(`${socket} exists and is not a socket: move it away so that the store host can listen there`);
  fs.unlinkSync(socket);
}

/**
 * Listens with a umask that creates the socket 0600, so that it is never connectable by others,
 * not even between bind and chmod; the chmod is for systems whose bind ignores the umask. On
 * Linux connecting needs write permission on the socket file: the mode alone keeps other users
 * out, and the token keeps out anything of this user's that does not know it.
 */
function listenPrivately(socket: string): Promise<ListeningSocket> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    // A client polling for the new host connects as soon as it listens, before the host has taken
    // the server over: without a listener the connection would be accepted and never greeted.
    const early: net.Socket[] = [];
    const hold = (connection: net.Socket) => early.push(connection);
    server.on('connection', hold);
    const previous = process.platform === 'win32' ? undefined : process.umask(0o177);
    const restore = () => {
      if (previous !== undefined) process.umask(previous);
    };
    server.once('error', (err) => {
      restore();
      reject(err);
    });
    server.listen(socket, () => {
      restore();
      if (process.platform !== 'win32') fs.chmodSync(socket, 0o600);
      resolve({
        server,
        takeEarly: () => {
          server.off('connection', hold);
          return early.splice(0).filter((connection) => !connection.destroyed);
        },
      });
    });
  });
}

/**
 * A host killed while it held the store open leaves the database lock behind, which would keep its
 * successor waiting until the lock goes stale (30 s). The successor (this process won the election,
 * so no other host runs) removes it at once when the lock names the previous host as its holder and
 * that process is gone. Anyone else's lock is waited for as usual.
 */
function releaseDeadHostsLock(db: string, paths: HostPaths, log: (line: string) => void): void {
  const lock = storePaths(db).lock;
  const previousHost = readPid(paths.pidFile);
  if (previousHost === undefined || previousHost === process.pid || stillRunning(previousHost)) return;
  if (readPid(`${lock}.pid`) !== previousHost || !fs.existsSync(lock)) return;
  fs.rmSync(lock, { recursive: true, force: true });
  fs.rmSync(`${lock}.pid`, { force: true });
  log(`removed the database lock left by host ${previousHost}, which is no longer running`);
}

/**
 * Whether the process runs: a killed process whose parent is gone stays a zombie until init reaps
 * it, which some inits do late, and kill(pid, 0) still finds a zombie. /proc tells (Linux only).
 */
function stillRunning(pid: number): boolean {
  if (!processIsAlive(pid)) return false;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Opens the store file-backed where the runtime has node:sqlite, else on sql.js (one copy per machine is still better than one per window). */
async function openHostStore(options: StoreHostOptions, paths: HostPaths): Promise<OpenedStore> {
  const onMessage = (message: string) => options.log(`store: ${message}`);
  const problem = fileEngineProblem();
  if (!problem) {
    releaseDeadHostsLock(options.db, paths, options.log);
    const store = await FileStore.open({ path: options.db, migrationsDir: options.migrationsDir, onMessage, asFound: options.asFound });
    fs.writeFileSync(paths.pidFile, `${process.pid}\n`, { mode: 0o600 });
    return { store, engine: 'node:sqlite', changes: new ChangeFeed(store) };
  }
  options.log(`running on sql.js: ${problem}`);
  const store = await SkillStore.open({ path: options.db, migrationsDir: options.migrationsDir, mode: 'work', onMessage, asFound: options.asFound });
  return { store, engine: 'sql.js', changes: new ChangeFeed(store) };
}

class StoreHost {
  readonly stopped: Promise<HostOutcome>;
  private resolveStopped: (outcome: HostOutcome) => void = () => undefined;
  private readonly opened: Promise<OpenedStore>;
  private readonly connections = new Set<HostConnection>();
  private readonly socketId: string | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly server: net.Server;
  private jobs: HostJobs | undefined;
  private commands: HostCommands | undefined;
  private servers: HostServers | undefined;

  constructor(listening: ListeningSocket, private readonly paths: HostPaths, readonly options: StoreHostOptions) {
    this.server = listening.server;
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
    this.socketId = fileId(paths.socket);
    options.log(`listening on ${paths.socket}`);
    this.server.on('connection', (socket) => this.accept(socket));
    // After listening, an error (too many open files at accept) concerns one connection, not the host.
    this.server.on('error', (err) => options.log(`socket server: ${err.message}`));
    this.opened = openHostStore(options, paths);
    this.opened.then(
      ({ engine }) => options.log(`store opened (${engine})`),
      (err: Error) => void this.stop(`the store could not be opened: ${err.message}`, true),
    );
    this.armIdle();
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void this.stop(signal));
    for (const socket of listening.takeEarly()) this.accept(socket);
  }

  /**
   * The store's token as the file holds it now: read at every hello, so that a token replaced while
   * the host runs (Copy/Reset in the editor, a deleted file) is the one required from then on.
   */
  token(): string | undefined {
    try {
      return readTokenFile(storePaths(this.options.db).token);
    } catch {
      return undefined;
    }
  }

  /** The store once open; rejects with why it could not be opened. */
  store(): Promise<OpenedStore> {
    return this.opened;
  }

  /** The background jobs the clients hand to the host (created with the first `runJobs`). */
  async backgroundJobs(): Promise<HostJobs> {
    const opened = await this.opened;
    this.jobs ??= new HostJobs(opened, this.options.log, this.options.migrationsDir);
    return this.jobs;
  }

  /** Runs one of the palette's commands for a hosted window. */
  async command(params: Record<string, unknown>, onProgress?: ProgressSender): Promise<unknown> {
    return (await this.commandsOf()).run(params, onProgress);
  }

  /** Runs one of the CLI's operations on the store (src/core/operations/storeOperations.ts). */
  async operation(params: Record<string, unknown>, onProgress?: ProgressSender): Promise<unknown> {
    return (await this.commandsOf()).operation(params, onProgress);
  }

  private async commandsOf(): Promise<HostCommands> {
    const opened = await this.opened;
    this.commands ??= new HostCommands(opened, this.options.migrationsDir);
    return this.commands;
  }

  /** Runs the real-time servers a client asks for while it stays connected. */
  async serve(connection: object, params: Record<string, unknown>): Promise<ServeAnswer> {
    // Loaded with the first request, as the tools are: a host started for track never reads the servers' code.
    const [opened, { HostServers, parseServeRequest }] = await Promise.all([this.opened, import('./hostServers')]);
    this.servers ??= new HostServers(opened, (line) => this.options.log(line));
    return this.servers.ask(connection, parseServeRequest(params));
  }

  /** A client that asked for the jobs or the servers is gone. */
  left(connection: object): void {
    this.jobs?.forget(connection);
    void this.servers?.forget(connection);
  }

  /** Stops accepting, lets requests in flight finish (a little while), closes the store and removes the socket. */
  async stop(reason: string, failed = false): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearTimeout(this.idleTimer);
    this.options.log(`stopping: ${reason}`);
    void this.opened.then((opened) => opened.changes.close(), () => undefined);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await withTimeout(Promise.all([...this.connections].map((c) => c.drained())), DRAIN_MS);
    for (const connection of this.connections) connection.close();
    await closed;
    this.jobs?.stop();
    this.commands?.dispose();
    await this.servers?.stop().catch((err: Error) => this.options.log(`stopping the real-time servers failed: ${err.message}`));
    this.removeOwnSocket();
    const opened = await this.opened.catch(() => undefined);
    await opened?.store.close().catch((err: Error) => this.options.log(`closing the store failed: ${err.message}`));
    if (readPid(this.paths.pidFile) === process.pid) fs.rmSync(this.paths.pidFile, { force: true });
    this.resolveStopped({ reason, failed });
  }

  private accept(socket: net.Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    clearTimeout(this.idleTimer);
    const connection = new HostConnection(socket, this);
    this.connections.add(connection);
    socket.once('close', () => {
      this.connections.delete(connection);
      this.left(connection);
      if (this.connections.size === 0) this.armIdle();
    });
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.stop(`idle for ${Math.round(this.options.idleMs / 1000)} s`), this.options.idleMs);
  }

  /** Removes the socket only if it is still the one this host bound: a newer host may already listen at the path. */
  private removeOwnSocket(): void {
    if (process.platform === 'win32' || this.socketId === undefined) return;
    if (fileId(this.paths.socket) === this.socketId) fs.rmSync(this.paths.socket, { force: true });
  }
}

/** One client: hello first (token, protocol), then requests answered one at a time, in order. */
class HostConnection {
  private readonly splitter = new LineSplitter(MAX_REQUEST_LINE_BYTES);
  private chain: Promise<void> = Promise.resolve();
  private greeted = false;
  /** Resolves when the client goes away: a query it is waiting for is stopped then. */
  private readonly gone: Promise<void>;
  private readonly helloTimer: NodeJS.Timeout;

  constructor(private readonly socket: net.Socket, private readonly host: StoreHost) {
    socket.setEncoding('utf8');
    this.gone = new Promise((resolve) => socket.once('close', () => resolve()));
    this.helloTimer = setTimeout(() => this.refuse('no hello within 5 s'), HELLO_TIMEOUT_MS);
    socket.on('data', (chunk: string) => this.receive(chunk));
    socket.on('error', () => socket.destroy());
    void this.gone.then(() => clearTimeout(this.helloTimer));
  }

  drained(): Promise<void> {
    return this.chain;
  }

  close(): void {
    this.socket.end();
    this.socket.destroySoon();
  }

  private receive(chunk: string): void {
    let lines: string[];
    try {
      lines = this.splitter.push(chunk);
    } catch (err) {
      this.refuse((err as Error).message);
      return;
    }
    for (const line of lines) this.chain = this.chain.then(() => this.handle(line));
  }

  private async handle(line: string): Promise<void> {
    if (this.socket.destroyed) return;
    try {
      const message = parseLine(line);
      if (!this.greeted) await this.greet(message);
      else await this.answer(message);
    } catch (err) {
      if (err instanceof ProtocolError) this.refuse(`protocol error: ${err.message}`);
      else this.refuse(`internal error: ${(err as Error).message}`);
    }
  }

  private async greet(message: Record<string, unknown>): Promise<void> {
    clearTimeout(this.helloTimer);
    const hello = parseHello(message);
    const token = this.host.token();
    if (token === undefined || !tokensMatch(token, hello.token)) {
      this.refuse('refused: the token is not this store\'s token');
      return;
    }
    if (hello.protocol < MIN_CLIENT_PROTOCOL) {
      this.refuse(`refused: client protocol ${hello.protocol} is older than this host accepts (${MIN_CLIENT_PROTOCOL}); reload the window or update the CLI`);
      return;
    }
    let engine: HelloAnswer['engine'];
    try {
      ({ engine } = await this.host.store());
    } catch (err) {
      this.refuse(`the store host could not open the store: ${(err as Error).message}`);
      return;
    }
    this.greeted = true;
    const answer: HelloAnswer = { type: 'hello', protocol: HOST_PROTOCOL, minProtocol: MIN_CLIENT_PROTOCOL, hostVersion: this.host.options.hostVersion, engine, pid: process.pid };
    this.send(answer);
  }

  private async answer(message: Record<string, unknown>): Promise<void> {
    const request = parseRequest(message);
    if (request.method === 'retire') {
      this.send({ id: request.id, result: { retiring: true } });
      void this.host.stop('retired by a newer client');
      return;
    }
    const response: HostResponse = { id: request.id };
    try {
      response.result = await this.result(request, request.progress ? this.progressOf(request.id) : undefined);
    } catch (err) {
      const kind = err instanceof HostRequestError ? err.kind : 'failed';
      response.error = { message: (err as Error).message, kind };
    }
    this.send(response);
  }

  private async result(request: HostRequest, onProgress?: ProgressSender): Promise<unknown> {
    if (request.method === 'runJobs') return (await this.host.backgroundJobs()).ask(this, parseJobsRequest(request.params));
    if (request.method === 'command') return this.host.command(request.params, onProgress);
    if (request.method === 'operation') return this.host.operation(request.params, onProgress);
    if (request.method === 'serve') return this.host.serve(this, request.params);
    return handleRequest(await this.host.store(), request, this.gone);
  }

  /** Progress lines for one request: at most one every PROGRESS_EVERY_MS, and always the last step's. */
  private progressOf(id: number): ProgressSender {
    let sentAt = 0;
    return (progress) => {
      const now = performance.now();
      if (progress.done < progress.total && now - sentAt < PROGRESS_EVERY_MS) return;
      sentAt = now;
      this.send({ id, progress });
    };
  }

  private send(message: object): void {
    if (!this.socket.destroyed) this.socket.write(`${JSON.stringify(message)}\n`);
  }

  /** Says why, once, and disconnects. */
  private refuse(reason: string): void {
    clearTimeout(this.helloTimer);
    if (this.socket.destroyed) return;
    this.socket.end(`${JSON.stringify({ type: 'error', error: reason })}\n`);
  }
}

function fileId(file: string): string | undefined {
  try {
    const st = fs.lstatSync(file);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

function withTimeout(work: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void work.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
