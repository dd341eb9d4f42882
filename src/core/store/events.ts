import type { SqlDatabase, SqlValue } from './sqlDatabase';
import { hourBucket } from '../time';
import { DURATION_TOTALS, maintainCounters, subtractDurationTotals } from './counters';
import { one, run } from './statements';
import { completionRate, meanDuration } from '../measures';
import { appendAll } from '../collections';

/** One invocation as stored in skill_invocation; JSON list fields are already JSON text. */
export interface InvocationRow {
  id: number;
  skill_name: string;
  invoked_at: string;
  session_id: string;
  workflow_path: string | null;
  completed: 0 | 1;
  duration_seconds: number | null;
  user_query: string | null;
  alternatives_considered: string | null;
  selection_rank: number | null;
  follow_up_actions: string | null;
  error_type: string | null;
  workflow_phase: string | null;
  workflow_step_id: string | null;
  /** Who ran it (a V8 column); events written before V8 have none. */
  source?: InvocationSource | null;
  /** A salted hash of the agent telemetry record it came from (a V8 column, unique): a replayed record inserts nothing. */
  record_key?: string | null;
}

/** Who ran an invocation: an AI coding agent, or the developer in the editor, at a terminal with the CLI, or in a pipeline. */
export const INVOCATION_SOURCES = ['agent', 'editor', 'cli', 'ci'] as const;
export type InvocationSource = (typeof INVOCATION_SOURCES)[number];

export interface SessionRow {
  session_id: string;
  user_id: string;
  project_hash: string | null;
  source: string | null;
  started_at: string;
}

/**
 * Everything that changes stored data is one of these events, appended to the log before it is
 * applied. Applying an event twice has the effect of applying it once.
 */
export type StoreEvent =
  | { t: 'session_start'; session: SessionRow }
  | { t: 'session_end'; session_id: string; ended_at: string }
  | { t: 'invocation'; row: InvocationRow; user_id: string | null }
  /** Rolls invocations older than `before` up into mv_daily_skills, then removes them (retention). */
  | { t: 'retention'; before: string }
  /** Deletes every recorded row (the user's "delete all data" command). */
  | { t: 'purge'; at: string }
  | RowChange;

/** Whether the event removes stored runs (retention, Delete All Data): what is kept of them must be read again. */
export function removesRuns(event: StoreEvent): boolean {
  return event.t === 'retention' || event.t === 'purge';
}

/**
 * A change to one of the derived tables (anomalies, baselines, dependencies, A/B tests, taxonomy,
 * profiles...): analytics computed in one process reach the snapshot and every other process this
 * way. Tables are a fixed list and columns are checked against the schema, so a log line can never
 * name arbitrary SQL. Rows that need a generated key carry an explicit id from the store, which
 * keeps replays idempotent.
 */
export type RowChange =
  | { t: 'upsert'; table: DerivedTable; key: string[]; rows: Record<string, SqlValue>[] }
  | { t: 'delete'; table: DerivedTable; where: Record<string, SqlValue> };

export const DERIVED_TABLES = [
  'skill_metrics_cache', 'skill_time_series', 'skill_anomalies', 'skill_community_baselines', 'skill_user_interactions',
  'skill_clusters', 'skill_cluster_membership', 'ab_test_configs', 'ab_test_assignments', 'ab_test_outcomes',
  'skill_categories', 'skill_category_mapping', 'skill_dependencies', 'skill_modalities', 'mv_daily_skills',
  'ci_pipeline_context', 'team_sync', 'skill_changes', 'team_push_cursor',
] as const;
export type DerivedTable = (typeof DERIVED_TABLES)[number];
const DERIVED = new Set<string>(DERIVED_TABLES);

const INVOCATION_COLUMNS: (keyof InvocationRow)[] = [
  'id', 'skill_name', 'invoked_at', 'session_id', 'workflow_path', 'completed', 'duration_seconds', 'user_query',
  'alternatives_considered', 'selection_rank', 'follow_up_actions', 'error_type', 'workflow_phase', 'workflow_step_id',
  'source', 'record_key',
];

interface SchemaShape {
  version: number;
  invocationColumns: (keyof InvocationRow)[];
  /** skill_invocation has V11's write_stamp, which the invocation event's own stamp fills. */
  writeStamp: boolean;
  tables: Set<string>;
  triggers: Set<string>;
  columns: Map<string, Set<string>>;
}

/** What one transaction collects as it applies events: hourly buckets to refresh, invocations to count. */
interface Batch {
  buckets: Set<string>;
  inserted: InvocationRow[];
  /** The caller's pending buckets were recomputed (or emptied by a purge) in this transaction. */
  tookPending: boolean;
}

const shapes = new WeakMap<SqlDatabase, SchemaShape>();

/** Which tables and columns exist, so events apply to any schema version from V1 on. */
function schemaShape(db: SqlDatabase): SchemaShape {
  const version = Number(db.exec('PRAGMA schema_version')[0].values[0][0]);
  const cached = shapes.get(db);
  if (cached && cached.version === version) return cached;
  const names = (type: string) => new Set((db.exec('SELECT name FROM sqlite_master WHERE type = ?', [type])[0]?.values ?? []).map((r) => String(r[0])));
  const present = new Set((db.exec("SELECT name FROM pragma_table_info('skill_invocation')")[0]?.values ?? []).map((r) => String(r[0])));
  const shape = {
    version,
    tables: names('table'),
    triggers: names('trigger'),
    columns: new Map<string, Set<string>>(),
    invocationColumns: INVOCATION_COLUMNS.filter((c) => present.has(c)),
    writeStamp: present.has('write_stamp'),
  };
  shapes.set(db, shape);
  return shape;
}

export interface ApplyResult {
  /** The events that changed something (a replayed one does not). */
  changed: StoreEvent[];
  /** Events that could not be applied (an unknown column, a constraint): skipped, never fatal. */
  failures: { index: number; error: string }[];
}

export interface ApplyOptions {
  /**
   * Collect the hourly buckets the events touch here instead of recomputing them now (see
   * refreshPendingBuckets): a replica that records many groups in a row recomputes each bucket
   * once, when it is next read. A purge empties the set.
   */
  pendingBuckets?: Set<string>;
  /**
   * Runs inside the transaction that applies the events, just before it commits: a store that
   * keeps its bookkeeping in the same database writes it there, so that data and bookkeeping
   * commit together or not at all.
   */
  beforeCommit?: () => void;
}

/**
 * Applies events in one transaction. When one of them fails, the batch is rolled back and applied
 * again one event per transaction, so that the others still apply and the failures are reported.
 */
export function applyEvents(db: SqlDatabase, events: readonly StoreEvent[], options: ApplyOptions = {}): ApplyResult {
  if (events.length === 0) return { changed: [], failures: [] };
  const shape = schemaShape(db);
  if (!shape.tables.has('skill_invocation')) throw new Error('the database has no schema yet (run migrations first)');
  try {
    return { changed: applyInTransaction(db, shape, events, options), failures: [] };
  } catch {
    const result: ApplyResult = { changed: [], failures: [] };
    const alone = { ...options, beforeCommit: undefined };
    events.forEach((event, index) => {
      try {
        appendAll(result.changed, applyInTransaction(db, shape, [event], alone));
      } catch (err) {
        result.failures.push({ index, error: (err as Error).message });
      }
    });
    // Applying an event again changes nothing, so the bookkeeping may follow in a transaction of its own.
    if (options.beforeCommit) inTransaction(db, options.beforeCommit);
    return result;
  }
}

function inTransaction(db: SqlDatabase, work: () => void): void {
  db.exec('BEGIN');
  try {
    work();
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}

function applyInTransaction(db: SqlDatabase, shape: SchemaShape, events: readonly StoreEvent[], options: ApplyOptions): StoreEvent[] {
  const batch: Batch = { buckets: new Set(), inserted: [], tookPending: false };
  const changed: StoreEvent[] = [];
  db.exec('BEGIN');
  try {
    for (const event of events) {
      if (event.t === 'purge') {
        batch.inserted = [];
        batch.buckets.clear();
        batch.tookPending = true;
      } else if (event.t !== 'invocation') {
        // Derived rows are brought up to date before any other event, which may read or replace them.
        countInserted(db, shape, batch);
        refreshBuckets(db, shape, batch, options.pendingBuckets);
      }
      if (applyOne(db, shape, event, batch)) changed.push(event);
    }
    countInserted(db, shape, batch);
    if (!options.pendingBuckets) refreshBuckets(db, shape, batch, undefined);
    options.beforeCommit?.();
    db.exec('COMMIT');
    if (options.pendingBuckets) {
      if (batch.tookPending) options.pendingBuckets.clear();
      for (const bucket of batch.buckets) options.pendingBuckets.add(bucket);
    }
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
  return changed;
}

/** Recomputes this transaction's buckets and the caller's pending ones (those are emptied once it commits). */
function refreshBuckets(db: SqlDatabase, shape: SchemaShape, batch: Batch, pending: Set<string> | undefined): void {
  const buckets = batch.tookPending || !pending ? batch.buckets : new Set([...pending, ...batch.buckets]);
  if (shape.tables.has('skill_time_series')) refreshHourlyBuckets(db, buckets);
  batch.buckets.clear();
  if (pending) batch.tookPending = true;
}

function countInserted(db: SqlDatabase, shape: SchemaShape, batch: Batch): void {
  maintainCounters(db, shape, batch.inserted);
  batch.inserted = [];
}

function applyOne(db: SqlDatabase, shape: SchemaShape, event: StoreEvent, batch: Batch): boolean {
  switch (event.t) {
    case 'invocation':
      return applyInvocation(db, shape, event, batch);
    case 'session_start':
      if (!shape.tables.has('skill_sessions')) return false;
      run(
        db,
        'INSERT OR IGNORE INTO skill_sessions (session_id, user_id, project_hash, source, started_at) VALUES (?, ?, ?, ?, ?)',
        [event.session.session_id, event.session.user_id, event.session.project_hash, event.session.source, event.session.started_at],
      );
      return db.getRowsModified() > 0;
    case 'session_end':
      if (!shape.tables.has('skill_sessions')) return false;
      run(db, 'UPDATE skill_sessions SET ended_at = ? WHERE session_id = ? AND ended_at IS NULL', [event.ended_at, event.session_id]);
      return db.getRowsModified() > 0;
    case 'retention':
      return applyRetention(db, shape, event.before);
    case 'purge':
      return applyPurge(db, shape);
    case 'upsert':
      return applyUpsert(db, shape, event);
    case 'delete':
      return applyDelete(db, shape, event);
    default:
      return false;
  }
}

/**
 * The stamp of the log line that recorded an invocation (the `s` of a logged event); an event
 * applied without one (an unstamped line, or a caller that has none) takes its id, which the same
 * writer's clock gave just before.
 */
function writeStampOf(event: Extract<StoreEvent, { t: 'invocation' }>): number {
  const stamp = (event as { s?: unknown }).s;
  return typeof stamp === 'number' && stamp > 0 ? stamp : event.row.id;
}

function applyInvocation(db: SqlDatabase, shape: SchemaShape, event: Extract<StoreEvent, { t: 'invocation' }>, batch: Batch): boolean {
  const { row, user_id: userId } = event;
  const columns: string[] = [...shape.invocationColumns];
  const values = shape.invocationColumns.map((c) => row[c] ?? null);
  if (shape.writeStamp) {
    columns.push('write_stamp');
    values.push(writeStampOf(event));
  }
  // OR IGNORE makes a replayed event a no-op (same id, or same record_key): an ignored row fires no trigger.
  run(db, `INSERT OR IGNORE INTO skill_invocation (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, values);
  if (db.getRowsModified() === 0) return false;
  if (userId && shape.tables.has('skill_user_interactions')) {
    run(
      db,
      'INSERT INTO skill_user_interactions (user_id, session_id, skill_name, invoked_at, completed, alternatives_considered) VALUES (?, ?, ?, ?, ?, ?)',
      [userId, row.session_id, row.skill_name, row.invoked_at, row.completed, row.alternatives_considered],
    );
  }
  batch.buckets.add(`${row.skill_name}\u0000${hourBucket(row.invoked_at)}`);
  batch.inserted.push(row);
  return true;
}

/**
 * Adds the old rows to the daily roll-up (merging with days already rolled up) and deletes them.
 * Deterministic, so every replica and the snapshot end up with the same rows.
 */
function applyRetention(db: SqlDatabase, shape: SchemaShape, before: string): boolean {
  run(
    db,
    `INSERT INTO mv_daily_skills (date, skill_name, invocations, completions, abandonments, avg_duration_seconds)
     SELECT substr(invoked_at, 1, 10), skill_name, COUNT(*), SUM(completed = 1), SUM(completed <> 1),
            AVG(CASE WHEN completed = 1 THEN duration_seconds END)
     FROM skill_invocation WHERE invoked_at < ? GROUP BY 1, 2
     ON CONFLICT (date, skill_name) DO UPDATE SET
       avg_duration_seconds = CASE
         WHEN excluded.avg_duration_seconds IS NULL THEN avg_duration_seconds
         WHEN avg_duration_seconds IS NULL THEN excluded.avg_duration_seconds
         ELSE (avg_duration_seconds * completions + excluded.avg_duration_seconds * excluded.completions)
              / NULLIF(completions + excluded.completions, 0) END,
       invocations = invocations + excluded.invocations,
       completions = completions + excluded.completions,
       abandonments = abandonments + excluded.abandonments`,
    [before],
  );
  if (shape.tables.has(DURATION_TOTALS)) subtractDurationTotals(db, before);
  run(db, 'DELETE FROM skill_invocation WHERE invoked_at < ?', [before]);
  const removed = db.getRowsModified();
  if (shape.tables.has('skill_user_interactions')) deleteOlderPerGroup(db, 'skill_user_interactions', 'user_id', 'invoked_at', before);
  if (shape.tables.has('skill_time_series')) deleteOlderPerGroup(db, 'skill_time_series', 'skill_name', 'timestamp', before);
  return removed > 0;
}

/**
 * DELETE … WHERE time < before, through the table's (group, time) index: neither table has an index
 * on time alone, and a plain DELETE scanned all of a 1M-row table in every retention step (0.5 s of
 * a window's thread each). The groups (users, skills) are few, so they are walked one index seek at a
 * time (a loose index scan) and each group's old rows are a range of that index.
 */
function deleteOlderPerGroup(db: SqlDatabase, table: 'skill_user_interactions' | 'skill_time_series', group: 'user_id' | 'skill_name', time: 'invoked_at' | 'timestamp', before: string): void {
  run(
    db,
    `WITH RECURSIVE grp(v) AS (
       SELECT MIN(${group}) FROM ${table}
       UNION ALL SELECT (SELECT MIN(${group}) FROM ${table} WHERE ${group} > grp.v) FROM grp WHERE grp.v IS NOT NULL)
     DELETE FROM ${table} WHERE ${group} IN (SELECT v FROM grp WHERE v IS NOT NULL) AND ${time} < ?`,
    [before],
  );
}

/** Empties every data table; the schema and its migration history stay. */
function applyPurge(db: SqlDatabase, shape: SchemaShape): boolean {
  const tables = ['skill_invocation', 'skill_metrics', 'session_skills', 'mv_daily_skills', 'skill_sessions', DURATION_TOTALS, ...DERIVED_TABLES];
  for (const table of new Set(tables)) if (shape.tables.has(table)) db.exec(`DELETE FROM ${table}`);
  return true;
}

function tableColumns(db: SqlDatabase, shape: SchemaShape, table: string): Set<string> | undefined {
  if (!DERIVED.has(table) || !shape.tables.has(table)) return undefined;
  let columns = shape.columns.get(table);
  if (!columns) {
    columns = new Set((db.exec('SELECT name FROM pragma_table_info(?)', [table])[0]?.values ?? []).map((r) => String(r[0])));
    shape.columns.set(table, columns);
  }
  return columns;
}

function checkColumns(table: string, columns: Set<string>, names: string[]): void {
  const unknown = names.find((n) => !columns.has(n));
  if (unknown) throw new Error(`event names unknown column ${table}.${unknown}`);
}

function applyUpsert(db: SqlDatabase, shape: SchemaShape, event: Extract<RowChange, { t: 'upsert' }>): boolean {
  const columns = tableColumns(db, shape, event.table);
  if (!columns) return false;
  checkColumns(event.table, columns, event.key);
  let changed = false;
  for (const row of event.rows) {
    const names = Object.keys(row);
    checkColumns(event.table, columns, names);
    const updates = names.filter((n) => !event.key.includes(n));
    const conflict = updates.length
      ? `ON CONFLICT (${event.key.join(', ')}) DO UPDATE SET ${updates.map((n) => `${n} = excluded.${n}`).join(', ')}`
      : `ON CONFLICT (${event.key.join(', ')}) DO NOTHING`;
    run(db, `INSERT INTO ${event.table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')}) ${conflict}`, names.map((n) => row[n]));
    changed = changed || db.getRowsModified() > 0;
  }
  return changed;
}

function applyDelete(db: SqlDatabase, shape: SchemaShape, event: Extract<RowChange, { t: 'delete' }>): boolean {
  const columns = tableColumns(db, shape, event.table);
  if (!columns) return false;
  const names = Object.keys(event.where);
  checkColumns(event.table, columns, names);
  const where = names.length ? ` WHERE ${names.map((n) => `${n} IS ?`).join(' AND ')}` : '';
  run(db, `DELETE FROM ${event.table}${where}`, names.map((n) => event.where[n]));
  return db.getRowsModified() > 0;
}

/** Recomputes, in one transaction, the buckets collected with ApplyOptions.pendingBuckets, and empties the set. */
export function refreshPendingBuckets(db: SqlDatabase, pending: Set<string>): void {
  if (pending.size === 0) return;
  if (!schemaShape(db).tables.has('skill_time_series')) return pending.clear();
  inTransaction(db, () => refreshHourlyBuckets(db, pending));
  pending.clear();
}

/**
 * Recomputes the hourly time-series rows touched by a batch from the invocations themselves, once
 * per (skill, hour) per batch, through the (skill_name, invoked_at) index.
 */
export function refreshHourlyBuckets(db: SqlDatabase, buckets: Iterable<string>): void {
  for (const key of buckets) {
    const [skill, hour] = key.split('\u0000');
    const end = new Date(Date.parse(hour) + 3_600_000).toISOString();
    const s = one<{ n: number; rate: number | null; dur: number | null; sessions: number }>(
      db,
      `SELECT COUNT(*) AS n, ${completionRate()} AS rate, ${meanDuration()} AS dur, COUNT(DISTINCT session_id) AS sessions
       FROM skill_invocation WHERE skill_name = ? AND invoked_at >= ? AND invoked_at < ?`,
      [skill, hour, end],
    )!;
    const values = [s.n, s.rate, s.dur, s.sessions, skill, hour];
    run(db, 'UPDATE skill_time_series SET invocation_count = ?, completion_rate = ?, avg_duration_seconds = ?, unique_sessions = ? WHERE skill_name = ? AND timestamp = ?', values);
    if (db.getRowsModified() === 0) {
      run(db, 'INSERT INTO skill_time_series (invocation_count, completion_rate, avg_duration_seconds, unique_sessions, skill_name, timestamp) VALUES (?, ?, ?, ?, ?, ?)', values);
    }
  }
}
