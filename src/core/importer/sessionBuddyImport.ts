import fs from 'node:fs';
import type { SqlDatabase, SqlValue } from '../store/sqlDatabase';
import { updateCommunityBaselines } from '../analytics/baselines';
import { openDatabaseBytes } from '../store/engine';
import type { InvocationRow, StoreEvent } from '../store/events';
import { one } from '../store/statements';
import type { Store } from '../store/storeInterface';
import { storeSalt } from '../store/storeSalt';
import { applyWal } from '../store/walFile';
import { parseTimestamp } from '../time';
import { AnchorUsers, type AnchorInteraction } from './anchorUsers';
import { emptyCount, hasTable, importAbTests, importAnomalies, type TableCount } from './anchorV4Tables';

export const IMPORTED_TABLES = [
  'skill_sessions', 'skill_invocation', 'skill_user_interactions', 'skill_anomalies', 'ab_test_configs', 'ab_test_assignments', 'ab_test_outcomes',
] as const;

export interface ImportResult {
  /** Invocations added, skipped (already present) and unreadable: the skill_invocation counts. */
  added: number;
  skipped: number;
  invalid: number;
  sessions: number;
  walFrames: number;
  /** Distinct users the source names (V4's skill_user_interactions), carried as hashed ids. */
  users: number;
  tables: Record<(typeof IMPORTED_TABLES)[number], TableCount>;
  /**
   * The source's community baselines are not copied (the Python tool counts sessions as users, and
   * never commits them); they are recomputed from everything now in the store.
   */
  baselines: { source_rows: number; recomputed: number };
  /** Ratings on interactions that match an imported run: the run's interaction row has no rating column to carry them into. */
  ratingsNotCarried: number;
}

const BATCH = 2000;

/** Opens a Python session-buddy database read-only, folding in its -wal file when one is there. */
async function openSource(file: string): Promise<{ db: SqlDatabase; walFrames: number }> {
  if (!fs.existsSync(file)) throw new Error(`no such file: ${file}`);
  let bytes: Uint8Array = fs.readFileSync(file);
  let walFrames = 0;
  const walPath = `${file}-wal`;
  if (fs.existsSync(walPath)) {
    const folded = applyWal(bytes, fs.readFileSync(walPath));
    bytes = folded.bytes;
    walFrames = folded.frames;
  }
  try {
    return { db: await openDatabaseBytes(bytes), walFrames };
  } catch (err) {
    throw new Error(`${file} is not a readable SQLite database: ${(err as Error).message}`, { cause: err });
  }
}

function text(value: SqlValue | undefined): string | null {
  return value === null || value === undefined ? null : String(value);
}

function num(value: SqlValue | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * Copies a Python session-buddy database (any version V1-V4) into the store: sessions and
 * invocations with the user who ran them (V4's skill_user_interactions; else the importing user),
 * interactions that have no run, anomalies and A/B tests. Whatever is already present (the same
 * run, interaction, anomaly or test) is skipped, so importing twice adds nothing the second time.
 * The source file is never written.
 */
export interface ImportOptions {
  /** Hears how many of the source's runs have been read, about once a second and at the end. */
  onProgress?: (done: number, total: number) => void;
}

export async function importSessionBuddy(store: Store, file: string, userId: string, options: ImportOptions = {}): Promise<ImportResult> {
  const { db: source, walFrames } = await openSource(file);
  try {
    if (!hasTable(source, 'skill_invocation')) throw new Error(`${file} has no skill_invocation table: not a session-buddy skills database`);
    const salt = storeSalt(store);
    const users = new AnchorUsers(source, userId, salt);
    const runs = await store.bulk(() => importInvocations(store, source, users, options));
    const interactions = await importInteractions(store, users, runs.interactionRuns);
    interactions.invalid += users.invalid;
    const anomalies = await importAnomalies(store, source);
    const abTests = await importAbTests(store, source, salt);
    const sourceBaselines = hasTable(source, 'skill_community_baselines') ? Number(one<{ n: number }>(source, 'SELECT COUNT(*) AS n FROM skill_community_baselines')?.n ?? 0) : 0;
    const changed = runs.count.added + interactions.added > 0;
    const recomputed = changed ? (await updateCommunityBaselines(store)).skills_updated : 0;
    return {
      added: runs.count.added,
      skipped: runs.count.skipped,
      invalid: runs.count.invalid,
      sessions: runs.sessions.added,
      walFrames,
      users: users.users,
      tables: {
        skill_sessions: runs.sessions,
        skill_invocation: runs.count,
        skill_user_interactions: interactions,
        skill_anomalies: anomalies,
        ...abTests,
      },
      baselines: { source_rows: sourceBaselines, recomputed },
      ratingsNotCarried: users.interactions.filter((i) => i.rating !== null && runs.interactionRuns.has(runKey(i.session_id, i.skill_name, i.invoked_at))).length,
    };
  } finally {
    source.close();
  }
}

function runKey(session: string, skill: string, invokedAt: string): string {
  return `${session}\u0000${skill}\u0000${invokedAt}`;
}

interface InvocationImport {
  count: TableCount;
  sessions: TableCount;
  /**
   * The runs of the source (new or already present) that an interaction names, for matching its
   * interactions: only those, so that memory follows the interactions, not the runs.
   */
  interactionRuns: Set<string>;
}

/**
 * What one pass over the source's runs keeps. The store's replica does not show the import's own
 * runs until it ends (SkillStore.bulk), so the runs and sessions met so far are kept here.
 */
class RunBatch {
  rows: { row: InvocationRow; user: string }[] = [];
  /** Every run met so far, for duplicates within the source. */
  readonly keys = new Set<string>();
  /** Sessions first seen in this batch, with their first run's time. */
  newSessions = new Map<string, string>();
  /** Every session met so far, so that one spanning batches is counted once. */
  readonly seenSessions = new Set<string>();

  /** The time range of the runs the store held before the import: only a run inside it can be there already. */
  constructor(private readonly stored: { first: string | null; last: string | null }) {}

  mayBeStored(row: InvocationRow): boolean {
    return this.stored.first !== null && this.stored.last !== null && row.invoked_at >= this.stored.first && row.invoked_at <= this.stored.last;
  }
}

async function importInvocations(store: Store, source: SqlDatabase, users: AnchorUsers, options: ImportOptions): Promise<InvocationImport> {
  const result: InvocationImport = { count: emptyCount(), sessions: emptyCount(), interactionRuns: new Set() };
  const interactionKeys = new Set(users.interactions.map((i) => runKey(i.session_id, i.skill_name, i.invoked_at)));
  const columns = new Set((source.exec("SELECT name FROM pragma_table_info('skill_invocation')")[0]?.values ?? []).map((r) => String(r[0])));
  const total = Number(one<{ n: number }>(source, 'SELECT COUNT(*) AS n FROM skill_invocation')?.n ?? 0);
  const progress = throttled(options.onProgress, total);
  const stmt = source.prepare('SELECT * FROM skill_invocation ORDER BY invoked_at, id');
  const batch = new RunBatch(one<{ first: string | null; last: string | null }>(store.db, 'SELECT MIN(invoked_at) AS first, MAX(invoked_at) AS last FROM skill_invocation')!);
  let read = 0;
  try {
    while (stmt.step()) {
      progress(++read);
      const row = toInvocation(stmt.getAsObject(), columns);
      if (!row) {
        result.count.invalid++;
        continue;
      }
      const key = runKey(row.session_id, row.skill_name, row.invoked_at);
      if (interactionKeys.has(key)) result.interactionRuns.add(key);
      const duplicate = batch.keys.has(key) || (batch.mayBeStored(row) && isStoredRun(store, row));
      noteSession(store, batch, row, result.sessions);
      if (duplicate) {
        result.count.skipped++;
        continue;
      }
      batch.keys.add(key);
      batch.rows.push({ row, user: users.ofRun(row.session_id, row.skill_name) });
      result.count.added++;
      if (batch.rows.length >= BATCH) await commitRuns(store, users, batch);
    }
    await commitRuns(store, users, batch);
  } finally {
    stmt.free();
  }
  progress(read, true);
  return result;
}

function isStoredRun(store: Store, row: InvocationRow): boolean {
  return one(store.db, 'SELECT 1 AS x FROM skill_invocation WHERE skill_name = ? AND invoked_at = ? AND session_id = ?', [row.skill_name, row.invoked_at, row.session_id]) !== undefined;
}

function noteSession(store: Store, batch: RunBatch, row: InvocationRow, sessions: TableCount): void {
  if (batch.seenSessions.has(row.session_id)) return;
  batch.seenSessions.add(row.session_id);
  if (one(store.db, 'SELECT 1 AS x FROM skill_sessions WHERE session_id = ?', [row.session_id])) {
    sessions.skipped++;
    return;
  }
  batch.newSessions.set(row.session_id, row.invoked_at);
  sessions.added++;
}

async function commitRuns(store: Store, users: AnchorUsers, batch: RunBatch): Promise<void> {
  if (batch.rows.length === 0 && batch.newSessions.size === 0) return;
  const events: StoreEvent[] = [];
  for (const [sessionId, startedAt] of batch.newSessions) {
    events.push({ t: 'session_start', session: { session_id: sessionId, user_id: users.ofSession(sessionId), project_hash: null, source: 'session-buddy-import', started_at: startedAt } });
  }
  for (const { row, user } of batch.rows) events.push({ t: 'invocation', row: { ...row, id: await store.nextId() }, user_id: user });
  await store.commit(events);
  batch.rows = [];
  batch.newSessions = new Map();
}

/** Calls `report` at most once a second, and always for the last count. */
function throttled(report: ImportOptions['onProgress'], total: number): (done: number, last?: boolean) => void {
  let due = 0;
  return (done, last = false) => {
    if (!report) return;
    const now = Date.now();
    if (!last && now < due) return;
    due = now + 1000;
    report(done, total);
  };
}

function toInvocation(row: Record<string, SqlValue>, columns: Set<string>): InvocationRow | undefined {
  const pick = (name: string): SqlValue | undefined => (columns.has(name) ? row[name] : undefined);
  const skill = text(row.skill_name)?.trim();
  if (!skill) return undefined;
  let invokedAt: string;
  try {
    invokedAt = parseTimestamp(String(row.invoked_at ?? ''));
  } catch {
    return undefined;
  }
  return {
    id: 0,
    skill_name: skill,
    invoked_at: invokedAt,
    session_id: text(row.session_id)?.trim() || 'migrated',
    workflow_path: text(pick('workflow_path')),
    completed: Number(pick('completed')) === 1 ? 1 : 0,
    duration_seconds: num(pick('duration_seconds')),
    user_query: text(pick('user_query')),
    alternatives_considered: text(pick('alternatives_considered')),
    selection_rank: num(pick('selection_rank')),
    follow_up_actions: text(pick('follow_up_actions')),
    error_type: text(pick('error_type')),
    workflow_phase: text(pick('workflow_phase')),
    workflow_step_id: text(pick('workflow_step_id')),
  };
}

/**
 * Interactions without a run of their own (ratings, recommendations followed elsewhere): they feed
 * similar users and baselines like any other. Those of a run arrive with the run itself.
 */
async function importInteractions(store: Store, users: AnchorUsers, runKeys: ReadonlySet<string>): Promise<TableCount> {
  const count = emptyCount();
  const rows: Record<string, SqlValue>[] = [];
  const seen = new Set<string>();
  for (const i of users.interactions) {
    if (runKeys.has(runKey(i.session_id, i.skill_name, i.invoked_at))) continue;
    const key = `${i.user_id}\u0000${runKey(i.session_id, i.skill_name, i.invoked_at)}`;
    if (seen.has(key) || isStoredInteraction(store, i)) {
      count.skipped++;
      continue;
    }
    seen.add(key);
    rows.push({ id: await store.nextId(), ...i });
  }
  for (let i = 0; i < rows.length; i += BATCH) await store.commit([{ t: 'upsert', table: 'skill_user_interactions', key: ['id'], rows: rows.slice(i, i + BATCH) }]);
  count.added = rows.length;
  return count;
}

function isStoredInteraction(store: Store, i: AnchorInteraction): boolean {
  return one(store.db, 'SELECT 1 AS x FROM skill_user_interactions WHERE user_id = ? AND session_id = ? AND skill_name = ? AND invoked_at = ?',
    [i.user_id, i.session_id, i.skill_name, i.invoked_at]) !== undefined;
}
