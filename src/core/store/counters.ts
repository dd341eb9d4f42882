import type { SqlDatabase, SqlValue } from './sqlDatabase';
import type { InvocationRow } from './events';
import { all, one, run } from './statements';

/**
 * The per-skill counters that the Python tool's schema keeps with AFTER INSERT triggers
 * (skill_metrics, session_skills, skill_metrics_cache), maintained here once per commit group from
 * V7 on, where the triggers are gone: each trigger costs about 30 µs per invocation in sql.js. The
 * values are exactly the triggers' (test/unit/counters.test.ts applies the same events both ways):
 * the running sums are replayed row by row in insertion order, so even floating-point sums and
 * JSON key orders come out the same. On a schema that still has a trigger, that trigger does it.
 */
export const COUNTER_TRIGGERS = {
  skill_metrics: 'trg_skill_metrics_after_insert',
  session_skills: 'trg_session_skills_after_insert',
  skill_metrics_cache: 'trg_metrics_cache_after_insert',
} as const;

export interface CounterSchema {
  tables: ReadonlySet<string>;
  triggers: ReadonlySet<string>;
}

const maintained = (schema: CounterSchema, table: keyof typeof COUNTER_TRIGGERS) => schema.tables.has(table) && !schema.triggers.has(COUNTER_TRIGGERS[table]);

/** Brings the counters up to date with invocations just inserted (in the order they were inserted). */
export function maintainCounters(db: SqlDatabase, schema: CounterSchema, rows: readonly InvocationRow[]): void {
  if (rows.length === 0) return;
  if (maintained(schema, 'skill_metrics')) updateSkillMetrics(db, rows);
  if (maintained(schema, 'session_skills')) updateSessionSkills(db, rows);
  if (maintained(schema, 'skill_metrics_cache')) updateMetricsCache(db, rows);
  if (schema.tables.has(DURATION_TOTALS)) updateDurationTotals(db, rows);
}

/** V13's table of each skill's timed runs and their summed duration (no trigger of the Python tool keeps it). */
export const DURATION_TOTALS = 'skill_duration_totals';

const ADD_DURATIONS = `INSERT INTO skill_duration_totals (skill_name, timed_runs, duration_sum) VALUES (?, ?, ?)
  ON CONFLICT (skill_name) DO UPDATE SET timed_runs = timed_runs + excluded.timed_runs, duration_sum = duration_sum + excluded.duration_sum`;

function updateDurationTotals(db: SqlDatabase, rows: readonly InvocationRow[]): void {
  for (const [skill, list] of groupBy(rows, (r) => r.skill_name)) {
    const timed = list.filter((r) => r.duration_seconds !== null);
    run(db, ADD_DURATIONS, [skill, timed.length, timed.reduce((sum, r) => sum + (r.duration_seconds ?? 0), 0)]);
  }
}

/** Takes the runs about to be removed (started before `before`) out of the duration totals. */
export function subtractDurationTotals(db: SqlDatabase, before: string): void {
  run(
    db,
    `UPDATE skill_duration_totals
     SET duration_sum = CASE WHEN timed_runs = removed.n THEN 0 ELSE duration_sum - removed.total END, timed_runs = timed_runs - removed.n
     FROM (SELECT skill_name, COUNT(duration_seconds) AS n, COALESCE(SUM(duration_seconds), 0) AS total
           FROM skill_invocation WHERE invoked_at < ? GROUP BY skill_name) AS removed
     WHERE skill_duration_totals.skill_name = removed.skill_name`,
    [before],
  );
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

interface Metrics {
  total_invocations: number;
  completed_invocations: number;
  abandoned_invocations: number;
  total_duration_seconds: number;
  first_invoked: string | null;
  last_invoked: string | null;
  avg_selection_rank: number | null;
  completion_rate: number;
  avg_duration_seconds: number | null;
}

const NEW_METRICS: Metrics = {
  total_invocations: 0,
  completed_invocations: 0,
  abandoned_invocations: 0,
  total_duration_seconds: 0,
  first_invoked: null,
  last_invoked: null,
  avg_selection_rank: null,
  completion_rate: 0,
  avg_duration_seconds: null,
};

/** One trigger step: the UPDATE's right-hand sides all read the row as it was before the step. */
function step(m: Metrics, row: InvocationRow, rankedBefore: number): void {
  const done = row.completed === 1 ? 1 : 0;
  const added = done ? (row.duration_seconds ?? 0) : 0;
  const completed = m.completed_invocations + done;
  m.completion_rate = (completed / (m.total_invocations + 1)) * 100.0;
  m.avg_duration_seconds = completed > 0 ? (m.total_duration_seconds + added) / completed : null;
  m.total_invocations += 1;
  m.completed_invocations = completed;
  m.abandoned_invocations += 1 - done;
  m.total_duration_seconds += added;
  m.first_invoked = m.first_invoked === null || row.invoked_at < m.first_invoked ? row.invoked_at : m.first_invoked;
  m.last_invoked = m.last_invoked === null || row.invoked_at > m.last_invoked ? row.invoked_at : m.last_invoked;
  if (row.selection_rank !== null) {
    const ranked = rankedBefore + 1;
    // COALESCE(NULL, 0) is the integer 0, so with no average yet SQLite divides integers.
    m.avg_selection_rank = m.avg_selection_rank === null ? Math.trunc(row.selection_rank / ranked) : (m.avg_selection_rank * (ranked - 1) + row.selection_rank) / ranked;
  }
}

const METRIC_COLUMNS = Object.keys(NEW_METRICS) as (keyof Metrics)[];
const UPSERT_METRICS = `INSERT INTO skill_metrics (skill_name, ${METRIC_COLUMNS.join(', ')}, updated_at)
  VALUES (?, ${METRIC_COLUMNS.map(() => '?').join(', ')}, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  ON CONFLICT (skill_name) DO UPDATE SET ${METRIC_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}, updated_at = excluded.updated_at`;

/** Existing keys keep their order and gain their counts; new keys follow in order of first appearance. */
const countedKeys = (column: string) => `UPDATE skill_metrics SET ${column} = (
    SELECT json_group_object(k, n) FROM (
      SELECT e.key AS k, e.value + COALESCE((SELECT d.value ->> 1 FROM json_each(?) d WHERE d.value ->> 0 = e.key), 0) AS n
      FROM json_each(skill_metrics.${column}) e
      UNION ALL
      SELECT d.value ->> 0, d.value ->> 1 FROM json_each(?) d
      WHERE NOT EXISTS (SELECT 1 FROM json_each(skill_metrics.${column}) e WHERE e.key = d.value ->> 0)))
  WHERE skill_name = ?`;

const FOLLOW_UPS = `UPDATE skill_metrics SET follow_up_actions = (
    SELECT json_group_object(k, n) FROM (
      SELECT k, sum(n) AS n FROM (
        SELECT key AS k, value AS n FROM json_each(skill_metrics.follow_up_actions)
        UNION ALL
        SELECT CAST(f.value AS TEXT), 1 FROM json_each(?) r, json_each(r.value) f WHERE f.value IS NOT NULL)
      GROUP BY k))
  WHERE skill_name = ?`;

/** [[key, count], ...] in order of first appearance, for the keyed JSON counters. */
function keyCounts(values: (string | null)[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts.size ? JSON.stringify([...counts]) : undefined;
}

/** The follow-up lists the trigger would count: valid, non-empty JSON arrays (checked by SQLite itself). */
function followUpLists(db: SqlDatabase, rows: readonly InvocationRow[]): string | undefined {
  const texts = rows.map((r) => r.follow_up_actions).filter((t): t is string => t !== null);
  if (texts.length === 0) return undefined;
  const valid = all<{ value: string }>(
    db,
    "SELECT value FROM json_each(?) WHERE json_valid(value) AND json_type(value) = 'array' AND json_array_length(value) > 0 ORDER BY key",
    [JSON.stringify(texts)],
  ).map((r) => r.value);
  return valid.length ? JSON.stringify(valid) : undefined;
}

function updateSkillMetrics(db: SqlDatabase, rows: readonly InvocationRow[]): void {
  for (const [skill, list] of groupBy(rows, (r) => r.skill_name)) {
    const current = one<Metrics>(db, `SELECT ${METRIC_COLUMNS.join(', ')} FROM skill_metrics WHERE skill_name = ?`, [skill]);
    const m: Metrics = current ? { ...current } : { ...NEW_METRICS, first_invoked: list[0].invoked_at, last_invoked: list[0].invoked_at };
    const rankedInBatch = list.filter((r) => r.selection_rank !== null).length;
    let ranked = rankedInBatch
      ? one<{ n: number }>(db, 'SELECT count(*) AS n FROM skill_invocation WHERE skill_name = ? AND selection_rank IS NOT NULL', [skill])!.n - rankedInBatch
      : 0;
    for (const row of list) {
      step(m, row, ranked);
      if (row.selection_rank !== null) ranked++;
    }
    run(db, UPSERT_METRICS, [skill, ...METRIC_COLUMNS.map((c) => m[c] as SqlValue)]);
    const paths = keyCounts(list.map((r) => r.workflow_path));
    if (paths) run(db, countedKeys('workflow_paths'), [paths, paths, skill]);
    const errors = keyCounts(list.map((r) => r.error_type));
    if (errors) run(db, countedKeys('common_errors'), [errors, errors, skill]);
    const followUps = followUpLists(db, list);
    if (followUps) run(db, FOLLOW_UPS, [followUps, skill]);
  }
}

function updateSessionSkills(db: SqlDatabase, rows: readonly InvocationRow[]): void {
  for (const [, list] of groupBy(rows, (r) => `${r.session_id}\u0000${r.skill_name}`)) {
    run(
      db,
      `INSERT INTO session_skills (session_id, skill_name, invocation_count) VALUES (?, ?, ?)
       ON CONFLICT (session_id, skill_name) DO UPDATE SET invocation_count = invocation_count + excluded.invocation_count`,
      [list[0].session_id, list[0].skill_name, list.length],
    );
  }
}

function updateMetricsCache(db: SqlDatabase, rows: readonly InvocationRow[]): void {
  const bounds = one<{ hour: string; day: string }>(
    db,
    "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 hour') AS hour, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 day') AS day",
  )!;
  for (const [skill, list] of groupBy(rows, (r) => r.skill_name)) {
    const last = list.reduce((max, r) => (r.invoked_at > max ? r.invoked_at : max), list[0].invoked_at);
    run(
      db,
      `INSERT INTO skill_metrics_cache (skill_name, last_invocation_at, invocation_count_1h, invocation_count_24h, updated_at)
       VALUES (?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
       ON CONFLICT (skill_name) DO UPDATE SET
         last_invocation_at = max(last_invocation_at, excluded.last_invocation_at),
         invocation_count_1h = invocation_count_1h + excluded.invocation_count_1h,
         invocation_count_24h = invocation_count_24h + excluded.invocation_count_24h,
         updated_at = excluded.updated_at`,
      [skill, last, list.filter((r) => r.invoked_at >= bounds.hour).length, list.filter((r) => r.invoked_at >= bounds.day).length],
    );
  }
}
