import type { SqlDatabase, SqlValue } from './sqlDatabase';

export class ReadOnlyQueryError extends Error {}

/**
 * Runs exactly one statement with the connection set to query_only, so anything that would write
 * (INSERT, DROP, PRAGMA assignments, ATTACH...) is refused by SQLite itself, not by guessing from
 * the text. Returns the rows as objects.
 */
export function runReadOnlyQuery(db: SqlDatabase, sql: string): Record<string, SqlValue>[] {
  const statements = [...db.iterateStatements(sql)];
  const count = statements.length;
  for (const stmt of statements) stmt.free();
  if (count === 0) throw new ReadOnlyQueryError('no SQL statement given');
  if (count > 1) throw new ReadOnlyQueryError(`give exactly one statement (got ${count})`);
  db.exec('PRAGMA query_only = ON');
  try {
    const stmt = db.prepare(sql);
    try {
      const rows: Record<string, SqlValue>[] = [];
      while (stmt.step()) rows.push(stmt.getAsObject());
      return rows;
    } finally {
      stmt.free();
    }
  } catch (err) {
    const message = (err as Error).message;
    if (/readonly|read-only|query_only/i.test(message)) throw new ReadOnlyQueryError(`refused: the query would write (${message})`);
    throw new ReadOnlyQueryError(message);
  } finally {
    db.exec('PRAGMA query_only = OFF');
  }
}
