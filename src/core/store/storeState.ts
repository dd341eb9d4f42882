import type { SqlDatabase } from './sqlDatabase';
import { run } from './statements';

/**
 * The store's own bookkeeping inside the snapshot: how many bytes of each event segment the
 * snapshot already contains, and the stamp of the last "delete all data" it applied (events
 * stamped before it are skipped wherever they turn up). It is written in the same export as the
 * data, so a snapshot and its bookkeeping can never disagree. It is not part of the migrated schema.
 */
const TABLE = 'session_buddy_store_state';
const META = 'session_buddy_store_meta';
const PURGE_HORIZON = 'purge_horizon';

export interface LogState {
  /** Consumed bytes per segment name. */
  offsets: Map<string, number>;
  /** Events stamped before this were deleted by a purge. */
  purgeHorizon: number;
}

export function ensureStateTable(db: SqlDatabase): void {
  db.exec(`CREATE TABLE IF NOT EXISTS ${TABLE} (segment TEXT PRIMARY KEY, consumed_bytes INTEGER NOT NULL);
           CREATE TABLE IF NOT EXISTS ${META} (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`);
}

function tableExists(db: SqlDatabase, name: string): boolean {
  return db.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]).length > 0;
}

export function readState(db: SqlDatabase): LogState {
  const rows = tableExists(db, TABLE) ? (db.exec(`SELECT segment, consumed_bytes FROM ${TABLE}`)[0]?.values ?? []) : [];
  const horizon = tableExists(db, META) ? db.exec(`SELECT value FROM ${META} WHERE key = ?`, [PURGE_HORIZON])[0]?.values[0]?.[0] : undefined;
  return { offsets: new Map(rows.map(([segment, bytes]) => [String(segment), Number(bytes)])), purgeHorizon: Number(horizon ?? 0) };
}

export function writeState(db: SqlDatabase, state: LogState): void {
  ensureStateTable(db);
  db.exec('BEGIN');
  try {
    recordState(db, state);
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}

/** Writes the state inside the caller's transaction (the tables must exist: ensureStateTable). */
export function recordState(db: SqlDatabase, state: LogState): void {
  run(db, `DELETE FROM ${TABLE}`);
  for (const [segment, bytes] of state.offsets) run(db, `INSERT INTO ${TABLE} (segment, consumed_bytes) VALUES (?, ?)`, [segment, bytes]);
  run(db, `INSERT INTO ${META} (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [PURGE_HORIZON, state.purgeHorizon]);
}

export const STATE_TABLES: readonly string[] = [TABLE, META];
