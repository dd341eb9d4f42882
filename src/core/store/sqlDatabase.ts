/**
 * The part of a SQLite connection that the core uses, in sql.js's shape (its `Database` and
 * `Statement` satisfy these types as they are). The core is written against this, so that every
 * query runs unchanged on sql.js's in-memory copy and on a file-backed connection (nodeSqlite.ts).
 */
export type SqlValue = number | string | Uint8Array | null;

/** Positional values, or named ones keyed with their prefix (`:name`, `$name`, `@name`). */
export type BindParams = SqlValue[] | Record<string, SqlValue> | null;

/** One statement's result in `exec`: only statements that returned at least one row have one. */
export interface QueryExecResult {
  columns: string[];
  values: SqlValue[][];
}

export interface SqlStatement {
  /** Binds values for the next steps (replacing earlier ones); true when bound. */
  bind(values?: BindParams): boolean;
  /** Moves to the next row; false once there is none. */
  step(): boolean;
  /** The current row's values, in column order. */
  get(): SqlValue[];
  /** The current row as an object keyed by column name. */
  getAsObject(): Record<string, SqlValue>;
  /** Ends the current run of steps and clears the bound values. */
  reset(): void;
  free(): boolean;
  /** Binds, runs to completion and resets. */
  run(values?: BindParams): void;
}

export interface SqlDatabase {
  /** Runs one or more statements; the rows of those that returned rows. Values bind to a single statement only. */
  exec(sql: string, params?: BindParams): QueryExecResult[];
  prepare(sql: string): SqlStatement;
  run(sql: string, params?: BindParams): unknown;
  /** Rows changed by the last INSERT, UPDATE or DELETE that completed. */
  getRowsModified(): number;
  /** The statements of a script, each prepared in turn. */
  iterateStatements(sql: string): Iterable<SqlStatement>;
  close(): void;
}
