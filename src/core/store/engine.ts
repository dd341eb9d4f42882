import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';

let engine: Promise<SqlJsStatic> | undefined;

/**
 * Where sql-wasm.wasm is: beside the bundle in the packaged extension and the CLI (esbuild copies
 * it there), or in node_modules when the sources run directly (tests, benchmarks).
 */
export function locateWasm(): string {
  const besideBundle = path.join(__dirname, 'sql-wasm.wasm');
  if (fs.existsSync(besideBundle)) return besideBundle;
  return createRequire(__filename).resolve('sql.js/dist/sql-wasm.wasm');
}

/** sql.js memoises its first initialisation, so this module owns the one call. */
export function loadEngine(): Promise<SqlJsStatic> {
  engine ??= initSqlJs({ locateFile: () => locateWasm() });
  return engine;
}

const HEADER = 'SQLite format 3\u0000';

export class CorruptDatabaseError extends Error {}

/**
 * Checks that bytes look like a whole SQLite file: the header, a valid page size, a size that is a
 * multiple of it and, when the header's page count is valid, exactly that many pages. A truncated
 * snapshot fails here instead of failing later with "database disk image is malformed".
 */
export function checkDatabaseBytes(bytes: Uint8Array): void {
  if (bytes.length < 100) throw new CorruptDatabaseError(`file is ${bytes.length} bytes, shorter than a SQLite header`);
  if (Buffer.from(bytes.subarray(0, 16)).toString('latin1') !== HEADER) throw new CorruptDatabaseError('not a SQLite database (bad header)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const raw = view.getUint16(16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) throw new CorruptDatabaseError(`invalid page size ${raw}`);
  if (bytes.length % pageSize !== 0) throw new CorruptDatabaseError(`size ${bytes.length} is not a multiple of the page size ${pageSize} (truncated?)`);
  const changeCounter = view.getUint32(24);
  const pageCount = view.getUint32(28);
  const validFor = view.getUint32(92);
  if (pageCount > 0 && validFor === changeCounter && pageCount * pageSize !== bytes.length) {
    throw new CorruptDatabaseError(`header says ${pageCount} pages of ${pageSize} bytes but the file has ${bytes.length} bytes (truncated?)`);
  }
}

/**
 * A file the Python tool left in WAL mode has 2/2 in header bytes 18-19; sql.js keeps the database
 * in memory, where WAL is impossible, so it is read as a rollback-journal file (1/1).
 */
function clearWalFlag(bytes: Uint8Array): Uint8Array {
  if (bytes.length >= 20 && (bytes[18] === 2 || bytes[19] === 2)) {
    const copy = new Uint8Array(bytes);
    copy[18] = 1;
    copy[19] = 1;
    return copy;
  }
  return bytes;
}

/** Opens bytes as a database and proves it readable; throws CorruptDatabaseError otherwise. */
export async function openDatabaseBytes(bytes?: Uint8Array): Promise<Database> {
  const SQL = await loadEngine();
  if (!bytes) return tuned(new SQL.Database());
  checkDatabaseBytes(bytes);
  const db = new SQL.Database(clearWalFlag(bytes));
  try {
    db.exec('SELECT count(*) FROM sqlite_master');
  } catch (err) {
    db.close();
    throw new CorruptDatabaseError(`unreadable: ${(err as Error).message}`);
  }
  return tuned(db);
}

/** The database lives in memory: a rollback journal on the in-memory file system only costs time. */
function tuned(db: Database): Database {
  db.exec('PRAGMA journal_mode = MEMORY');
  return db;
}
