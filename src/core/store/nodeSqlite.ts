import { createRequire } from 'node:module';
import type { BindParams, QueryExecResult, SqlDatabase, SqlStatement, SqlValue } from './sqlDatabase';

/**
 * A file-backed SQLite connection on `node:sqlite` (built into Node from 22.13 and into the Node of
 * VS Code ≥ 1.101, so nothing native ships with the extension), in the shape of sql.js's `Database`
 * (sqlDatabase.ts), so that the core's queries run on it unchanged. Only `DatabaseSync`, `prepare`,
 * `iterate`/`all`/`run` and `close` are relied on; what differs between Node 22 and 24 (`columns`,
 * `setReturnArrays`) is used when present and worked around when not.
 */
interface NativeRunResult {
  changes: number | bigint;
}

type NativeRow = Record<string, SqlValue> | SqlValue[];
type NativeParam = SqlValue | bigint;

interface NativeStatement {
  readonly sourceSQL: string;
  all(...params: NativeParam[] | [Record<string, NativeParam>]): NativeRow[];
  iterate(...params: NativeParam[] | [Record<string, NativeParam>]): Iterator<NativeRow>;
  run(...params: NativeParam[] | [Record<string, NativeParam>]): NativeRunResult;
  columns?(): { name: string }[];
  setReturnArrays?(enabled: boolean): void;
}

interface NativeDatabase {
  prepare(sql: string): NativeStatement;
  close(): void;
}

export interface NativeOpenOptions {
  open?: boolean;
  readOnly?: boolean;
  enableForeignKeyConstraints?: boolean;
  enableDoubleQuotedStringLiterals?: boolean;
  timeout?: number;
}

interface NativeModule {
  DatabaseSync: new (file: string, options?: NativeOpenOptions) => NativeDatabase;
}

/** The runtime has no `node:sqlite` (Node before 22.13, some Electron builds): the store runs on sql.js there. */
export class FileEngineUnavailableError extends Error {}

let probed: { module?: NativeModule; reason?: string } | undefined;

/**
 * Loads `node:sqlite` once, by asking for it rather than reading a version number: Electron 37.2.0
 * shipped a Node that names the module but has no binding for it. Its "experimental" warning on
 * first load is kept out of the user's console; every other warning passes through.
 */
function loadNative(): { module?: NativeModule; reason?: string } {
  if (probed) return probed;
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    if (type === 'ExperimentalWarning' && /SQLite/i.test(text)) return;
    (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    const module = createRequire(__filename)('node:sqlite') as NativeModule;
    probed = typeof module?.DatabaseSync === 'function' ? { module } : { reason: 'node:sqlite has no DatabaseSync' };
  } catch (err) {
    probed = { reason: (err as Error).message };
  } finally {
    process.emitWarning = emitWarning;
  }
  return probed;
}

/** Whether this runtime can open a file-backed store; the reason when it cannot. */
export function fileEngineProblem(): string | undefined {
  const { module, reason } = loadNative();
  return module ? undefined : `this runtime (Node ${process.versions.node}) has no usable node:sqlite: ${reason}`;
}

/**
 * Opens a database file with the same SQL dialect sql.js gives: foreign keys off and double-quoted
 * string literals accepted, SQLite's own defaults, which node:sqlite turns the other way.
 */
export function openNodeSqlite(file: string, options: { readOnly?: boolean; busyTimeoutMs?: number } = {}): NodeSqliteDatabase {
  const { module, reason } = loadNative();
  if (!module) throw new FileEngineUnavailableError(`this runtime (Node ${process.versions.node}) has no usable node:sqlite: ${reason}`);
  const native = new module.DatabaseSync(file, {
    readOnly: options.readOnly ?? false,
    enableForeignKeyConstraints: false,
    enableDoubleQuotedStringLiterals: true,
    timeout: options.busyTimeoutMs ?? 5000,
  });
  return new NodeSqliteDatabase(native);
}

/**
 * sql.js binds a whole number as an INTEGER and node:sqlite binds every number as a REAL, which
 * changes integer division and how a number is stored in a TEXT column: whole numbers go as BigInt.
 */
function nativeValue(value: SqlValue | boolean): NativeParam {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof value === 'boolean') return value ? 1n : 0n;
  return value;
}

function nativeParams(params: BindParams | undefined): NativeParam[] | [Record<string, NativeParam>] {
  if (!params) return [];
  if (Array.isArray(params)) return params.map(nativeValue);
  const named: Record<string, NativeParam> = {};
  for (const [key, value] of Object.entries(params)) named[key] = nativeValue(value);
  return [named];
}

/** Where the next statement of a script starts: past blanks and comments; -1 when nothing follows. */
function nextStatementStart(sql: string, from: number): number {
  let at = from;
  while (at < sql.length) {
    if (/\s/.test(sql[at])) at++;
    else if (sql.startsWith('--', at)) {
      const end = sql.indexOf('\n', at);
      at = end < 0 ? sql.length : end + 1;
    } else if (sql.startsWith('/*', at)) {
      const end = sql.indexOf('*/', at + 2);
      at = end < 0 ? sql.length : end + 2;
    } else if (sql[at] === ';') at++;
    else return at;
  }
  return -1;
}

/** A statement's rows as value arrays, with its column names (duplicates kept when the runtime allows). */
function rowsOf(stmt: NativeStatement, params: NativeParam[] | [Record<string, NativeParam>]): QueryExecResult | undefined {
  if (stmt.setReturnArrays && stmt.columns) {
    stmt.setReturnArrays(true);
    const values = stmt.all(...params) as SqlValue[][];
    return values.length ? { columns: stmt.columns().map((c) => c.name), values } : undefined;
  }
  const rows = stmt.all(...params) as Record<string, SqlValue>[];
  return rows.length ? { columns: Object.keys(rows[0]), values: rows.map((row) => Object.values(row)) } : undefined;
}

/** Statements that `exec` runs often (BEGIN, COMMIT, pragmas), kept prepared: preparing costs more than running them. */
const EXEC_CACHE_SIZE = 64;

export class NodeSqliteDatabase implements SqlDatabase {
  private changes: NativeStatement | undefined;
  private readonly execCache = new Map<string, NativeStatement>();
  /** Rows changed by the last statement run through `run`, when nothing ran since: saves a query per write. */
  readonly lastRun: { changes?: number } = {};

  constructor(private readonly native: NativeDatabase) {}

  exec(sql: string, params?: BindParams): QueryExecResult[] {
    this.lastRun.changes = undefined;
    const cached = this.execCache.get(sql);
    if (cached) {
      const result = rowsOf(cached, nativeParams(params));
      return result ? [result] : [];
    }
    const results: QueryExecResult[] = [];
    for (const stmt of this.nativeStatements(sql)) {
      const result = rowsOf(stmt, nativeParams(params));
      if (result) results.push(result);
    }
    return results;
  }

  prepare(sql: string): SqlStatement {
    return new NodeSqliteStatement(this.native.prepare(sql), this.lastRun);
  }

  run(sql: string, params?: BindParams): this {
    this.lastRun.changes = undefined;
    for (const stmt of this.nativeStatements(sql)) stmt.run(...nativeParams(params));
    return this;
  }

  getRowsModified(): number {
    if (this.lastRun.changes !== undefined) return this.lastRun.changes;
    this.changes ??= this.native.prepare('SELECT changes() AS n');
    return Number((this.changes.all()[0] as Record<string, SqlValue>).n);
  }

  *iterateStatements(sql: string): Iterable<SqlStatement> {
    for (const stmt of this.nativeStatements(sql)) yield new NodeSqliteStatement(stmt, this.lastRun);
  }

  close(): void {
    this.native.close();
  }

  /** The statements of a script, each prepared when the previous one has run (a later one may depend on it). */
  private *nativeStatements(sql: string): Generator<NativeStatement> {
    for (let at = nextStatementStart(sql, 0); at >= 0; ) {
      const stmt = this.native.prepare(sql.slice(at));
      const next = nextStatementStart(sql, at + stmt.sourceSQL.length);
      if (at === 0 && next < 0) this.remember(sql, stmt);
      yield stmt;
      at = next;
    }
  }

  /** Keeps a whole one-statement text prepared for the next `exec` of it. */
  private remember(sql: string, stmt: NativeStatement): void {
    if (this.execCache.size >= EXEC_CACHE_SIZE) this.execCache.clear();
    this.execCache.set(sql, stmt);
  }
}

/** sql.js's step-by-step Statement over node:sqlite's iterator. */
class NodeSqliteStatement implements SqlStatement {
  private params: NativeParam[] | [Record<string, NativeParam>] = [];
  private rows: Iterator<NativeRow> | undefined;
  private row: Record<string, SqlValue> | undefined;

  constructor(private readonly native: NativeStatement, private readonly lastRun: { changes?: number }) {}

  bind(values?: BindParams): boolean {
    this.reset();
    this.params = nativeParams(values);
    return true;
  }

  step(): boolean {
    this.lastRun.changes = undefined;
    this.rows ??= this.native.iterate(...this.params);
    const next = this.rows.next();
    if (next.done) {
      this.rows = undefined;
      this.row = undefined;
      return false;
    }
    this.row = next.value as Record<string, SqlValue>;
    return true;
  }

  get(): SqlValue[] {
    return this.row ? Object.values(this.row) : [];
  }

  getAsObject(): Record<string, SqlValue> {
    return { ...this.row };
  }

  reset(): void {
    this.rows?.return?.();
    this.rows = undefined;
    this.row = undefined;
    this.params = [];
  }

  free(): boolean {
    this.reset();
    return true;
  }

  run(values?: BindParams): void {
    this.reset();
    this.lastRun.changes = Number(this.native.run(...nativeParams(values)).changes);
  }
}
