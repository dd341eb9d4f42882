import type { Database } from 'sql.js';

/**
 * The store's own bookkeeping inside the snapshot: how many bytes of each event segment the
 * snapshot already contains. It is written in the same export as the data, so a snapshot and its
 * offsets can never disagree. It is not part of the migrated schema.
 */
const TABLE = 'session_buddy_store_state';

export function ensureStateTable(db: Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS ${TABLE} (segment TEXT PRIMARY KEY, consumed_bytes INTEGER NOT NULL)`);
}

export function readOffsets(db: Database): Map<string, number> {
  const exists = db.exec(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '${TABLE}'`).length > 0;
  if (!exists) return new Map();
  const rows = db.exec(`SELECT segment, consumed_bytes FROM ${TABLE}`)[0]?.values ?? [];
  return new Map(rows.map(([segment, bytes]) => [String(segment), Number(bytes)]));
}

export function writeOffsets(db: Database, offsets: Map<string, number>): void {
  ensureStateTable(db);
  db.exec('BEGIN');
  try {
    db.exec(`DELETE FROM ${TABLE}`);
    const stmt = db.prepare(`INSERT INTO ${TABLE} (segment, consumed_bytes) VALUES (?, ?)`);
    for (const [segment, bytes] of offsets) stmt.run([segment, bytes]);
    stmt.free();
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}

export const STATE_TABLE = TABLE;
