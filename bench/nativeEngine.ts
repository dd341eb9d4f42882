// Native SQLite (better-sqlite3, a dev dependency) behind the few sql.js Database methods the store's
// apply code uses, so that the benchmark runs the store's own code (applyEvents, counters, hourly
// series) on both engines: the same schema, the same statements, the same batching.
import BetterSqlite3 from 'better-sqlite3';
import type { Database as SqlJsDatabase, QueryExecResult } from 'sql.js';

type Params = unknown[] | Record<string, unknown> | undefined;

const bindable = (params: Params) => (params === undefined ? [] : Array.isArray(params) ? params : [params]);

class NativeStatement {
  private rows: IterableIterator<unknown> | undefined;
  private row: Record<string, unknown> | undefined;
  private params: unknown[] = [];

  constructor(private readonly owner: NativeDatabase, private readonly stmt: BetterSqlite3.Statement) {}

  run(params?: Params): void {
    if (this.stmt.reader) {
      this.stmt.all(...bindable(params));
      return;
    }
    this.owner.modified = this.stmt.run(...bindable(params)).changes;
  }

  bind(params?: Params): boolean {
    this.params = bindable(params);
    this.rows = undefined;
    return true;
  }

  step(): boolean {
    this.rows ??= this.stmt.iterate(...this.params) as IterableIterator<unknown>;
    const next = this.rows.next();
    this.row = next.done ? undefined : (next.value as Record<string, unknown>);
    return !next.done;
  }

  getAsObject(): Record<string, unknown> {
    return this.row ?? {};
  }

  reset(): boolean {
    this.rows?.return?.();
    this.rows = undefined;
    return true;
  }

  free(): boolean {
    this.reset();
    return true;
  }
}

class NativeDatabase {
  modified = 0;

  constructor(readonly native: BetterSqlite3.Database) {}

  exec(sql: string, params?: Params): QueryExecResult[] {
    if (params === undefined && !/^\s*(SELECT|PRAGMA|WITH)/i.test(sql)) {
      this.native.exec(sql);
      return [];
    }
    const stmt = this.native.prepare(sql);
    if (!stmt.reader) {
      this.modified = stmt.run(...bindable(params)).changes;
      return [];
    }
    const rows = stmt.raw(true).all(...bindable(params)) as unknown[][];
    return rows.length ? [{ columns: stmt.columns().map((c) => c.name), values: rows as QueryExecResult['values'] }] : [];
  }

  prepare(sql: string): NativeStatement {
    return new NativeStatement(this, this.native.prepare(sql));
  }

  run(sql: string, params?: Params): this {
    this.exec(sql, params);
    return this;
  }

  getRowsModified(): number {
    return this.modified;
  }
}

/** Opens a SQLite file natively (WAL, a sync per commit: as durable as the store's fdatasync per group). */
export function openNative(file: string): { db: SqlJsDatabase; close(): void } {
  const native = new BetterSqlite3(file);
  native.pragma('journal_mode = WAL');
  native.pragma('synchronous = FULL');
  // The store's apply code takes a sql.js Database; this object has every method it calls.
  return { db: new NativeDatabase(native) as unknown as SqlJsDatabase, close: () => native.close() };
}
