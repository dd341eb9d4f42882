import fs from 'node:fs';
import { damagedAsFound } from './asFound';
import { writeFileAtomic } from './atomicFile';
import { checkDatabaseBytes } from './engine';
import { describeIoError } from './ioErrors';
import { openNodeSqlite, type NodeSqliteDatabase } from './nodeSqlite';
import { backupPath, corruptPath, type StorePaths } from './paths';
import { readSnapshot } from './snapshotFile';

/**
 * The store's database file opened file-backed (node:sqlite): WAL, so that a commit appends to
 * `-wal` and the file itself changes only at checkpoints; synchronous=NORMAL, because every event
 * is already durable in the log before it is applied, and the bookkeeping that says what the file
 * holds commits with the data, so a transaction lost to a power cut is applied again from the log.
 * A page cache of a few MB whatever the file's size.
 */
export interface OpenedFile {
  db: NodeSqliteDatabase;
  /** device:inode of the file opened, to notice it being replaced. */
  id: string;
  /** Where a damaged file was moved, when one was. */
  movedAside?: string;
  /** A consistent copy beside the file (VACUUM INTO), mode 0600; returns its path. */
  backup(label: string): string;
  /** Copies the write-ahead log into the file and syncs it; throws when it could not be completed. */
  checkpoint(): void;
}

const PAGE_CACHE_KIB = 4096;
const SQLITE_HEADER = 'SQLite format 3\u0000';

export function openStoreFile(paths: StorePaths, messages: string[], asFound: boolean): OpenedFile {
  dropForeignWal(paths, messages);
  // SQLite gives its -wal and -shm the file's mode: all of them hold the user's data.
  fs.closeSync(fs.openSync(paths.db, 'a', 0o600));
  const problem = headerProblem(paths.db);
  let movedAside: string | undefined;
  let db = problem ? undefined : tryOpen(paths.db);
  if (!db) {
    if (asFound) throw damagedAsFound(paths, problem ?? 'SQLite cannot read it');
    movedAside = moveAside(paths, problem ?? 'SQLite cannot read it', messages);
    fs.closeSync(fs.openSync(paths.db, 'a', 0o600));
    db = openNodeSqlite(paths.db);
  }
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec(`PRAGMA cache_size = -${PAGE_CACHE_KIB}`);
  // SQLite's own checkpoint runs inside whichever commit fills 1,000 pages, copying and syncing on
  // the thread that answers the windows (the reads' p99 tail); the store checkpoints when it
  // consolidates instead, a few seconds after the writes, and sooner when the log grows large.
  db.exec('PRAGMA wal_autocheckpoint = 0');
  const id = fileId(paths.db);
  recordWalOwner(paths, id);
  return { db, id, movedAside, backup: (label) => backup(db, paths.db, label), checkpoint: () => checkpoint(db) };
}

function fileId(file: string): string {
  const st = fs.statSync(file);
  return `${st.dev}:${st.ino}`;
}

/** Opens the file and proves it readable; undefined when SQLite cannot read it. */
function tryOpen(file: string): NodeSqliteDatabase | undefined {
  const db = openNodeSqlite(file);
  try {
    db.exec('SELECT count(*) FROM sqlite_master');
    return db;
  } catch {
    db.close();
    return undefined;
  }
}

/** Why the file cannot be a SQLite database, from its header and its size; a missing or empty file is a new one. */
function headerProblem(file: string): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw describeIoError(err, 'open', file);
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return undefined;
    const header = Buffer.alloc(100);
    const got = fs.readSync(fd, header, 0, 100, 0);
    if (got < 100) return `it is ${size} bytes, shorter than a SQLite header`;
    if (header.toString('latin1', 0, 16) !== SQLITE_HEADER) return 'not a SQLite database (bad header)';
    const raw = header.readUInt16BE(16);
    const pageSize = raw === 1 ? 65536 : raw;
    if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) return `invalid page size ${raw}`;
    if (size % pageSize !== 0) return `its size ${size} is not a multiple of the page size ${pageSize} (truncated?)`;
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A damaged file is never overwritten: it is moved aside with its write-ahead log, and the
 * previous sql.js snapshot (if one is readable) takes its place; the log then brings it up to date.
 */
function moveAside(paths: StorePaths, problem: string, messages: string[]): string {
  const aside = corruptPath(paths.db);
  fs.renameSync(paths.db, aside);
  for (const suffix of ['-wal', '-shm']) if (fs.existsSync(paths.db + suffix)) fs.renameSync(paths.db + suffix, aside + suffix);
  const previous = readableSnapshot(paths.previous);
  if (previous) fs.copyFileSync(paths.previous, paths.db, fs.constants.COPYFILE_EXCL);
  messages.push(`The database ${paths.db} was damaged (${problem}); it was moved to ${aside} and left untouched, and ${paths.db} was rebuilt from ${previous ? 'the previous snapshot and ' : ''}the event log.`);
  return aside;
}

function readableSnapshot(file: string): boolean {
  const bytes = readSnapshot(file);
  if (!bytes) return false;
  try {
    checkDatabaseBytes(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * A write-ahead log belongs to the file it was written for. If an older version renamed a snapshot
 * over the file after this store's process died (its lock gone stale), the `-wal` left beside it
 * would be played onto the wrong file and corrupt it. Its events are all in the log (segments go
 * only after a checkpoint), so such a log is removed, not applied.
 */
function dropForeignWal(paths: StorePaths, messages: string[]): void {
  const wal = `${paths.db}-wal`;
  if (!fs.existsSync(wal)) return;
  let owner: string;
  try {
    owner = fs.readFileSync(paths.walOwner, 'utf8').trim();
  } catch {
    return;
  }
  let current: string | undefined;
  try {
    current = fileId(paths.db);
  } catch {
    current = undefined;
  }
  if (current === owner) return;
  fs.rmSync(wal, { force: true });
  fs.rmSync(`${paths.db}-shm`, { force: true });
  messages.push(`${paths.db} was replaced while its write-ahead log was not yet copied into it; that log was removed, and the event log brings the new file up to date.`);
}

function recordWalOwner(paths: StorePaths, id: string): void {
  let recorded: string | undefined;
  try {
    recorded = fs.readFileSync(paths.walOwner, 'utf8').trim();
  } catch {
    recorded = undefined;
  }
  if (recorded !== id) writeFileAtomic(paths.walOwner, `${id}\n`);
}

function backup(db: NodeSqliteDatabase, file: string, label: string): string {
  const target = backupPath(file, label);
  try {
    db.run('VACUUM INTO ?', [target]);
    fs.chmodSync(target, 0o600);
    const fd = fs.openSync(target, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    fs.rmSync(target, { force: true });
    throw describeIoError(err, 'write the backup', target);
  }
  return target;
}

function checkpoint(db: NodeSqliteDatabase): void {
  const [busy] = db.exec('PRAGMA wal_checkpoint(TRUNCATE)')[0]?.values[0] ?? [0];
  if (Number(busy) !== 0) throw new Error('the write-ahead log could not be copied into the database (another program is reading it); the log segments are kept');
}
