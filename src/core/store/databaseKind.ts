import type { SqlDatabase } from './sqlDatabase';

/**
 * Whether a SQLite file is a Session Buddy store (ours, or the Python tool's), an empty file, or
 * another application's database, which is never converted into a store unless the user asks.
 */
export type DatabaseKind = { kind: 'empty' } | { kind: 'store' } | { kind: 'foreign'; tables: string[] };

const OURS = new Set(['skill_invocation', 'skill_migrations', 'session_buddy_store_state']);

export function databaseKind(db: SqlDatabase): DatabaseKind {
  const rows = db.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")[0]?.values ?? [];
  const tables = rows.map((r) => String(r[0]));
  if (tables.length === 0) return { kind: 'empty' };
  if (tables.some((t) => OURS.has(t))) return { kind: 'store' };
  return { kind: 'foreign', tables };
}

export class ForeignDatabaseError extends Error {
  constructor(file: string, tables: string[]) {
    const listed = tables.slice(0, 5).join(', ') + (tables.length > 5 ? `, and ${tables.length - 5} more` : '');
    super(`${file} is another application's SQLite database (tables: ${listed}), not a Session Buddy store: refusing to change it. \`session-buddy migrate --adopt\` adds Session Buddy's tables to it.`);
  }
}
