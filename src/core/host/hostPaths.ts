import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { storePaths } from '../store/paths';

/** Where one store's host listens, logs and holds its election. */
export interface HostPaths {
  /** The Unix domain socket (a named pipe on Windows). */
  socket: string;
  /** The folder the socket lives in when it is not the store's (see hostPaths); created 0700. */
  runtimeDir?: string;
  /** Lifecycle lines of the host (started, engine, why it stopped): the host is detached and has no terminal. */
  log: string;
  /** The lock under which a starting host probes, clears a stale socket and listens (a folder, see locks.ts). */
  election: string;
  /** The pid of the host that holds the store open, so that its successor can tell its locks from anyone else's. */
  pidFile: string;
}

/**
 * A socket's path must fit `sun_path`: 108 bytes on Linux and 104 on macOS, the terminating NUL
 * included. One limit for both keeps the choice of path the same on every machine.
 */
export const SOCKET_PATH_MAX_BYTES = 103;

function storeHash(db: string): string {
  return crypto.createHash('sha256').update(path.resolve(db)).digest('hex').slice(0, 16);
}

/**
 * The socket is `<db>.host.sock`, beside the database, where the store's other files are. A store
 * deep enough in the tree that this path would not fit `sun_path` gets a hashed name instead, in a
 * per-user folder: `$XDG_RUNTIME_DIR/session-buddy` (per-user, 0700, cleared at logout), else
 * `<tmpdir>/session-buddy-<uid>` (created 0700 and checked, as Watchman does, since /tmp is
 * shared). Windows has no socket files: a pipe named from the same hash.
 */
export function hostPaths(db: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): HostPaths {
  const resolved = path.resolve(db);
  const common = { log: `${resolved}.host.log`, election: `${resolved}.host.election`, pidFile: storePaths(resolved).hostPid };
  if (platform === 'win32') return { ...common, socket: `\\\\.\\pipe\\session-buddy-${storeHash(resolved)}` };
  const beside = `${resolved}.host.sock`;
  if (Buffer.byteLength(beside) <= SOCKET_PATH_MAX_BYTES) return { ...common, socket: beside };
  const runtimeDir = env.XDG_RUNTIME_DIR ? path.join(env.XDG_RUNTIME_DIR, 'session-buddy') : path.join(os.tmpdir(), `session-buddy-${process.getuid?.() ?? 'user'}`);
  const socket = path.join(runtimeDir, `${storeHash(resolved)}.sock`);
  if (Buffer.byteLength(socket) > SOCKET_PATH_MAX_BYTES) throw new Error(`no socket path for the store host fits ${SOCKET_PATH_MAX_BYTES} bytes (tried ${socket})`);
  return { ...common, socket, runtimeDir };
}

/**
 * Creates the per-user runtime folder 0700, and refuses one that another user owns or that others
 * may write to: someone who can write there could put their own socket in the host's place.
 */
export function ensureRuntimeDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a folder: the store host cannot put its socket there`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw new Error(`${dir} belongs to another user (uid ${st.uid}): the store host will not put its socket there`);
  if ((st.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
}

/** Whether a socket file was created by this user: a client never talks to another user's host. */
export function ownedByThisUser(st: fs.Stats): boolean {
  const uid = process.getuid?.();
  return uid === undefined || st.uid === uid;
}

/** Whether something accepts connections on the socket. The kernel accepts even while a live host is busy. */
export function socketAnswers(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socket);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}
