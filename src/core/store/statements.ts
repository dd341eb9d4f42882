import type { BindParams, SqlDatabase, SqlStatement, SqlValue } from './sqlDatabase';

const caches = new WeakMap<SqlDatabase, Map<string, SqlStatement>>();

/**
 * Prepared statements cached per database: preparing costs more than running a small statement,
 * and the hot paths (apply, windowed queries) run the same few statements all the time.
 * sql.js frees them when the database closes; SQLite re-prepares them after a schema change.
 */
export function prepared(db: SqlDatabase, sql: string): SqlStatement {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  let stmt = cache.get(sql);
  if (!stmt) {
    stmt = db.prepare(sql);
    cache.set(sql, stmt);
  }
  return stmt;
}

/** Runs a write statement with parameters. */
export function run(db: SqlDatabase, sql: string, params: BindParams = []): void {
  const stmt = prepared(db, sql);
  stmt.run(params);
}

/** All rows as objects. */
export function all<T = Record<string, SqlValue>>(db: SqlDatabase, sql: string, params: BindParams = []): T[] {
  const stmt = prepared(db, sql);
  stmt.bind(params);
  const rows: T[] = [];
  try {
    while (stmt.step()) rows.push(stmt.getAsObject() as T);
  } finally {
    stmt.reset();
  }
  return rows;
}

/** The first row as an object, or undefined. */
export function one<T = Record<string, SqlValue>>(db: SqlDatabase, sql: string, params: BindParams = []): T | undefined {
  const stmt = prepared(db, sql);
  stmt.bind(params);
  try {
    return stmt.step() ? (stmt.getAsObject() as T) : undefined;
  } finally {
    stmt.reset();
  }
}

/** Drops the cached statements of a database that is about to close or be replaced. */
export function forgetStatements(db: SqlDatabase): void {
  const cache = caches.get(db);
  if (!cache) return;
  for (const stmt of cache.values()) stmt.free();
  caches.delete(db);
}
