import type { BindParams, Database, SqlValue, Statement } from 'sql.js';

export interface CapturedQuery {
  sql: string;
  params: SqlValue[];
}

const READ = /^\s*(SELECT|WITH)\b/i;

/**
 * Records the read statements (SELECT / WITH) an operation runs through one sql.js database, with
 * their positional parameters, so that exactly the same SQL can be replayed on another engine.
 */
export function captureReads(db: Database): { queries: CapturedQuery[]; stop(): void } {
  const queries: CapturedQuery[] = [];
  const originalPrepare = db.prepare.bind(db);
  const originalExec = db.exec.bind(db);
  const note = (sql: string, params: BindParams | undefined) => {
    if (!READ.test(sql)) return;
    if (params !== undefined && params !== null && !Array.isArray(params)) return;
    queries.push({ sql, params: (params ?? []) as SqlValue[] });
  };
  db.prepare = ((sql: string, params?: BindParams): Statement => {
    const stmt = originalPrepare(sql, params);
    const bind = stmt.bind.bind(stmt);
    stmt.bind = (values?: BindParams) => {
      note(sql, values);
      return bind(values);
    };
    return stmt;
  }) as Database['prepare'];
  db.exec = ((sql: string, params?: BindParams) => {
    note(sql, params);
    return originalExec(sql, params);
  }) as Database['exec'];
  return {
    queries,
    stop() {
      db.prepare = originalPrepare as Database['prepare'];
      db.exec = originalExec as Database['exec'];
    },
  };
}
