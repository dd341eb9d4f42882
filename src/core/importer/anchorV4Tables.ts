/**
 * The V4 tables of a Python session-buddy database worth carrying over: anomalies and A/B tests
 * (configs, assignments, outcomes). Every row is checked; a row that cannot be read is counted as
 * invalid, never guessed. Re-importing adds nothing: anomalies match on skill, time and type, tests
 * on their unique name.
 */
import type { SqlDatabase, SqlValue } from '../store/sqlDatabase';
import type { StoreEvent } from '../store/events';
import { all, one } from '../store/statements';
import type { Store } from '../store/storeInterface';
import { parseTimestamp } from '../time';
import { importedUserId } from './anchorUsers';

export interface TableCount {
  added: number;
  skipped: number;
  invalid: number;
}

export const emptyCount = (): TableCount => ({ added: 0, skipped: 0, invalid: 0 });

const ANOMALY_TYPES = new Set(['drop', 'spike', 'pattern_shift']);
const GROUPS = new Set(['control', 'treatment']);
const STATUSES = new Set(['running', 'stopped', 'completed']);

export function hasTable(db: SqlDatabase, table: string): boolean {
  return db.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).length > 0;
}

function sourceRows(db: SqlDatabase, sql: string, params: SqlValue[] = []): Record<string, SqlValue>[] {
  return all<Record<string, SqlValue>>(db, sql, params);
}

function timestampOrNull(value: SqlValue | undefined): string | null | undefined {
  if (value === null || value === undefined || value === '') return null;
  try {
    return parseTimestamp(String(value));
  } catch {
    return undefined;
  }
}

function textOf(value: SqlValue | undefined): string {
  return value === null || value === undefined ? '' : String(value).trim();
}

function finiteOrNull(value: SqlValue | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export async function importAnomalies(store: Store, source: SqlDatabase): Promise<TableCount> {
  const count = emptyCount();
  if (!hasTable(source, 'skill_anomalies')) return count;
  const rows: Record<string, SqlValue>[] = [];
  for (const row of sourceRows(source, 'SELECT * FROM skill_anomalies ORDER BY id')) {
    const skill = textOf(row.skill_name);
    const type = textOf(row.anomaly_type);
    const detectedAt = timestampOrNull(row.detected_at);
    const resolvedAt = timestampOrNull(row.resolved_at);
    if (!skill || !ANOMALY_TYPES.has(type) || !detectedAt || resolvedAt === undefined) {
      count.invalid++;
      continue;
    }
    if (one(store.db, 'SELECT 1 AS x FROM skill_anomalies WHERE skill_name = ? AND detected_at = ? AND anomaly_type = ?', [skill, detectedAt, type])) {
      count.skipped++;
      continue;
    }
    rows.push({
      id: await store.nextId(),
      skill_name: skill,
      detected_at: detectedAt,
      anomaly_type: type,
      baseline_value: finiteOrNull(row.baseline_value),
      observed_value: finiteOrNull(row.observed_value),
      deviation_score: finiteOrNull(row.deviation_score),
      resolved_at: resolvedAt,
    });
  }
  if (rows.length) await store.commit([{ t: 'upsert', table: 'skill_anomalies', key: ['id'], rows }]);
  count.added = rows.length;
  return count;
}

export interface AbImportCounts {
  ab_test_configs: TableCount;
  ab_test_assignments: TableCount;
  ab_test_outcomes: TableCount;
}

/**
 * Each test with its assignments and outcomes is one commit: a test arrives whole or not at all.
 * Users are hashed under `salt`, the store's (see importedUserId).
 */
export async function importAbTests(store: Store, source: SqlDatabase, salt: string): Promise<AbImportCounts> {
  const counts: AbImportCounts = { ab_test_configs: emptyCount(), ab_test_assignments: emptyCount(), ab_test_outcomes: emptyCount() };
  if (!hasTable(source, 'ab_test_configs')) return counts;
  for (const config of sourceRows(source, 'SELECT * FROM ab_test_configs ORDER BY test_id')) {
    const sourceId = config.test_id as SqlValue;
    const assignments = hasTable(source, 'ab_test_assignments') ? sourceRows(source, 'SELECT * FROM ab_test_assignments WHERE test_id = ? ORDER BY assignment_id', [sourceId]) : [];
    const outcomes = hasTable(source, 'ab_test_outcomes') ? sourceRows(source, 'SELECT * FROM ab_test_outcomes WHERE test_id = ? ORDER BY outcome_id', [sourceId]) : [];
    const name = textOf(config.test_name);
    if (name && one(store.db, 'SELECT 1 AS x FROM ab_test_configs WHERE test_name = ?', [name])) {
      counts.ab_test_configs.skipped++;
      counts.ab_test_assignments.skipped += assignments.length;
      counts.ab_test_outcomes.skipped += outcomes.length;
      continue;
    }
    const testId = await store.nextId();
    const configRow = toConfigRow(config, testId);
    if (!configRow) {
      counts.ab_test_configs.invalid++;
      counts.ab_test_assignments.invalid += assignments.length;
      counts.ab_test_outcomes.invalid += outcomes.length;
      continue;
    }
    const events: StoreEvent[] = [{ t: 'upsert', table: 'ab_test_configs', key: ['test_id'], rows: [configRow] }];
    // An assignment is unique per (test, user): the Python schema enforces it, a damaged copy may not.
    const assignmentRows = await convertRows(store, assignments, (row, id) => toAssignmentRow(row, id, testId, configRow.created_at as string, salt),
      counts.ab_test_assignments, (row) => String(row.user_id));
    const outcomeRows = await convertRows(store, outcomes, (row, id) => toOutcomeRow(row, id, testId, salt), counts.ab_test_outcomes);
    if (assignmentRows.length) events.push({ t: 'upsert', table: 'ab_test_assignments', key: ['assignment_id'], rows: assignmentRows });
    if (outcomeRows.length) events.push({ t: 'upsert', table: 'ab_test_outcomes', key: ['outcome_id'], rows: outcomeRows });
    await store.commit(events);
    counts.ab_test_configs.added++;
  }
  return counts;
}

/** Converts rows, counting unreadable ones; with `uniqueKey`, a repeated key is unreadable too. */
async function convertRows(
  store: Store,
  rows: Record<string, SqlValue>[],
  convert: (row: Record<string, SqlValue>, id: number) => Record<string, SqlValue> | undefined,
  count: TableCount,
  uniqueKey?: (row: Record<string, SqlValue>) => string,
): Promise<Record<string, SqlValue>[]> {
  const out: Record<string, SqlValue>[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    const converted = convert(row, await store.nextId());
    const key = converted && uniqueKey ? uniqueKey(converted) : undefined;
    if (!converted || (key !== undefined && seen.has(key))) {
      count.invalid++;
      continue;
    }
    if (key !== undefined) seen.add(key);
    out.push(converted);
  }
  count.added += out.length;
  return out;
}

function toConfigRow(row: Record<string, SqlValue>, testId: number): Record<string, SqlValue> | undefined {
  const name = textOf(row.test_name);
  const control = textOf(row.control_strategy);
  const treatment = textOf(row.treatment_strategy);
  const start = timestampOrNull(row.start_date);
  const end = timestampOrNull(row.end_date);
  const created = timestampOrNull(row.created_at);
  const ratio = row.assignment_ratio === null || row.assignment_ratio === undefined ? 0.5 : Number(row.assignment_ratio);
  const minSample = row.min_sample_size === null || row.min_sample_size === undefined ? 100 : Number(row.min_sample_size);
  const status = textOf(row.status) || 'running';
  if (!name || !control || !treatment || control === treatment || !start || end === undefined || created === undefined) return undefined;
  if (!(ratio > 0 && ratio < 1) || !Number.isInteger(minSample) || minSample < 1 || !STATUSES.has(status)) return undefined;
  return {
    test_id: testId,
    test_name: name,
    description: textOf(row.description) || null,
    control_strategy: control,
    treatment_strategy: treatment,
    start_date: start,
    end_date: end,
    min_sample_size: minSample,
    metrics: JSON.stringify(metricsOf(row.metrics)),
    assignment_ratio: ratio,
    status,
    created_at: created ?? start,
  };
}

/** The Python tool stores a comma-joined string where its schema says a JSON array; both are read. */
function metricsOf(value: SqlValue | undefined): string[] {
  const text = textOf(value);
  if (!text) return ['completion_rate'];
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed) && parsed.every((m) => typeof m === 'string' && m.trim())) return parsed.map((m: string) => m.trim());
  } catch {
    // not JSON: the comma-joined form
  }
  const names = text.split(',').map((m) => m.trim()).filter(Boolean);
  return names.length ? names : ['completion_rate'];
}

function toAssignmentRow(row: Record<string, SqlValue>, id: number, testId: number, testCreated: string, salt: string): Record<string, SqlValue> | undefined {
  const user = textOf(row.user_id);
  const group = textOf(row.group_name);
  const assignedAt = timestampOrNull(row.assigned_at);
  if (!user || !GROUPS.has(group) || assignedAt === undefined) return undefined;
  return { assignment_id: id, test_id: testId, user_id: importedUserId(user, salt), group_name: group, assigned_at: assignedAt ?? testCreated };
}

function toOutcomeRow(row: Record<string, SqlValue>, id: number, testId: number, salt: string): Record<string, SqlValue> | undefined {
  const user = textOf(row.user_id);
  const skill = textOf(row.skill_name);
  const recordedAt = timestampOrNull(row.recorded_at);
  const duration = finiteOrNull(row.duration_seconds);
  const rating = finiteOrNull(row.user_rating);
  if (!user || !skill || !recordedAt || (duration !== null && duration < 0) || (rating !== null && (rating < 1 || rating > 5))) return undefined;
  return {
    outcome_id: id,
    test_id: testId,
    user_id: importedUserId(user, salt),
    skill_name: skill,
    completed: Number(row.completed) === 1 ? 1 : 0,
    duration_seconds: duration,
    user_rating: rating,
    recorded_at: recordedAt,
  };
}
