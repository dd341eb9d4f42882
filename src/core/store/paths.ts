import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The one per-user database shared by every VS Code window, the CLI and the MCP server:
 *   Linux    $XDG_DATA_HOME/session-buddy/skills.db (default ~/.local/share/session-buddy/skills.db)
 *   macOS    ~/Library/Application Support/session-buddy/skills.db
 *   Windows  %APPDATA%\session-buddy\skills.db
 */
export function defaultDatabasePath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = os.homedir()): string {
  if (platform === 'win32') return path.join(env.APPDATA || path.join(home, 'AppData', 'Roaming'), 'session-buddy', 'skills.db');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'session-buddy', 'skills.db');
  return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'session-buddy', 'skills.db');
}

/** A path that cannot be a store; `usage` marks a mistake in how the command was called (exit 2). */
export class StorePathError extends Error {
  constructor(message: string, readonly usage = false) {
    super(message);
  }
}

/**
 * An explicit path (CLI --db, the editor setting), else SESSION_BUDDY_DB, else the default. An
 * explicit or environment path that is empty is a mistake, not a request for the default store.
 */
export function resolveDatabasePath(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit !== undefined) {
    if (!explicit.trim()) throw new StorePathError('the database path (--db) is empty: give a file path, or leave the option out for the per-user store', true);
    return path.resolve(explicit.trim());
  }
  const fromEnv = env.SESSION_BUDDY_DB;
  if (fromEnv !== undefined) {
    if (!fromEnv.trim()) throw new StorePathError('SESSION_BUDDY_DB is set but empty: give a file path, or unset it for the per-user store', true);
    return path.resolve(fromEnv.trim());
  }
  return path.resolve(defaultDatabasePath(env));
}

/** "a directory", "a character device"... for messages about a path that is not a regular file. */
export function describeFileKind(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function statOf(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') throw new StorePathError(`${file}: a part of the path is not a folder`);
    throw new StorePathError(`${file}: ${(err as Error).message}`);
  }
}

/**
 * Refuses a path that is not a store before anything opens, reads or writes it: the database must
 * be a regular file, or missing — in an existing folder when `requireFolder` (a chosen path that
 * will be written; the per-user folder is created); the files beside it must be of their kind.
 * Never blocks (a FIFO is refused from its stat, not by opening it).
 */
export function checkStoreLocation(paths: StorePaths, options: { requireFolder?: boolean } = {}): void {
  const st = statOf(paths.db);
  if (st && !st.isFile()) throw new StorePathError(`${paths.db} is ${describeFileKind(st)}, not a Session Buddy database file: refusing to open it`);
  if (!st) {
    const folder = path.dirname(paths.db);
    const parent = statOf(folder);
    if (!parent && options.requireFolder) throw new StorePathError(`the folder ${folder} does not exist: create it, or choose another database path`);
    if (parent && !parent.isDirectory()) throw new StorePathError(`${folder} is ${describeFileKind(parent)}, not a folder: the database ${paths.db} cannot be created there`);
  }
  const beside: [string, 'folder' | 'file', string][] = [
    [paths.eventsDir, 'folder', 'event log'],
    [paths.slotsDir, 'folder', 'writer slots'],
    [paths.lock, 'folder', 'snapshot lock'],
    [paths.previous, 'file', 'previous snapshot'],
    [paths.salt, 'file', 'salt'],
  ];
  for (const [file, kind, purpose] of beside) {
    const found = statOf(file);
    if (!found || (kind === 'folder' ? found.isDirectory() : found.isFile())) continue;
    throw new StorePathError(`${file} is ${describeFileKind(found)}, where Session Buddy keeps its ${purpose}: move it away to use ${paths.db}`);
  }
}

/** The files that make up one store. Everything lives beside the database file. */
export interface StorePaths {
  db: string;
  /** Append-only event segments, one per writing process. */
  eventsDir: string;
  /** Writer slots: each live writer holds one, which makes its invocation ids unique. */
  slotsDir: string;
  /** The previous snapshot, kept as a fallback when the current one is damaged. */
  previous: string;
  /** The snapshot lock (a folder, see locks.ts). */
  lock: string;
  /** The real-time server's token for the CLI (mode 0600). */
  token: string;
  /** The trained success predictor. */
  predictor: string;
  /** The lease of the process that runs the shared background jobs (a folder, see jobLease.ts). */
  jobsLock: string;
  /** The salt of the store's hashes of projects and imported users (storeSalt.ts, mode 0600). */
  salt: string;
  /** Which file the SQLite write-ahead log beside the database belongs to (fileStore.ts). */
  walOwner: string;
  /** The pid of the store host while it keeps the file itself (file-backed, host/storeHost.ts). */
  hostPid: string;
  /** The regression history's per-process cache of fitted state (a folder, see analytics/columnShelf.ts). */
  historyDir: string;
}

export function storePaths(db: string): StorePaths {
  const resolved = path.resolve(db);
  return {
    db: resolved,
    eventsDir: `${resolved}.events`,
    slotsDir: `${resolved}.events${path.sep}slots`,
    previous: `${resolved}.prev`,
    lock: `${resolved}.lock`,
    token: `${resolved}.token`,
    predictor: `${resolved}.predictor.json`,
    jobsLock: `${resolved}.jobs.lock`,
    salt: `${resolved}.salt`,
    walOwner: `${resolved}.wal-owner`,
    hostPid: `${resolved}.host.pid`,
    historyDir: `${resolved}.history`,
  };
}

/** A copy of the database made before a schema change: `<db>.backup-<stamp>-<label>`. */
export function backupPath(db: string, label: string, at: Date = new Date()): string {
  return `${db}.backup-${fileStamp(at)}-${label.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

/** Where a damaged snapshot is moved aside, never overwritten: `<db>.corrupt-<stamp>`. */
export function corruptPath(db: string, at: Date = new Date()): string {
  return `${db}.corrupt-${fileStamp(at)}`;
}

/** Whether a file name beside the database is one of its backups or damaged copies (both hold its data). */
export function isDataCopyName(db: string, name: string): boolean {
  const base = path.basename(db);
  return name.startsWith(`${base}.backup-`) || name.startsWith(`${base}.corrupt-`);
}

/** A file-name-safe UTC stamp, e.g. 20261125T122430123Z. */
export function fileStamp(date: Date = new Date()): string {
  return date.toISOString().replace(/[-:.]/g, '');
}
