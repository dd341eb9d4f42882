/**
 * Exactly what leaves the machine for a team, per invocation: the event id and this store's id
 * (together the run's key), the session id hashed for this team, the skill name, the minute of the
 * invocation (UTC), the outcome, the duration, the workflow phase and an error category. Never the
 * error's text, command lines, paths, project names, queries or the environment: those columns are
 * not even read here. `team preview` prints these rows, and push sends these rows and nothing else.
 *
 * Which runs a team still lacks is exact: each invocation keeps the stamp of the log line that
 * recorded it (V11 write_stamp), stamps of one writer slot grow in the order its lines are written,
 * and a team's cursor per writer slot (team_push_cursor) is the last stamp of that slot the server
 * confirmed. A run committed long after its id was taken, or while a push ran, has a later stamp
 * than everything pushed before it from its writer, so the next push sends it.
 */
import crypto from 'node:crypto';
import { WORKFLOW_PHASES } from '../integrations/workflowPhases';
import { all, one } from '../store/statements';
import type { Store } from '../store/storeInterface';
import { storeSalt } from '../store/storeSalt';
import { SEQ_BITS, SLOT_COUNT } from '../store/writerSlot';

export interface SharedRow {
  event_id: number;
  /** This store's id for the team ('' for runs a client before it may have sent without one). */
  store_id: string;
  session_hash: string;
  skill_name: string;
  /** Canonical UTC timestamp truncated to the minute, e.g. 2026-12-01T10:07:00.000Z */
  invoked_minute: string;
  completed: boolean;
  duration_seconds: number | null;
  workflow_phase: string | null;
  error_category: string | null;
}

/** What a member reads from the server's settings. */
export interface TeamKeys {
  teamId: string;
  sessionSalt: string;
}

/** A category is one word such as AssertionError or ENOENT; anything else (a message, a path) is "other". */
const CATEGORY = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

export function errorCategory(errorType: string | null): string | null {
  if (errorType === null || errorType.trim() === '') return null;
  return CATEGORY.test(errorType.trim()) ? errorType.trim() : 'other';
}

/** One of V3's workflow phases, or nothing: the server takes no other. */
function phase(value: string | null): string | null {
  const v = value?.trim().toLowerCase() ?? '';
  return (WORKFLOW_PHASES as readonly string[]).includes(v) ? v : null;
}

/**
 * The team's salt keys the hash, the store's own salt is mixed in: teammates can group a member's
 * sessions, but neither they nor the server can test a guessed session id (CI ones are guessable).
 */
export function teamSessionHash(keys: TeamKeys, localSalt: string, sessionId: string): string {
  return crypto.createHmac('sha256', keys.sessionSalt).update(`${localSalt}\u0000${sessionId}`).digest('hex').slice(0, 32);
}

/**
 * This store's part of a run's key on the server: random (from the store's salt, which it does not
 * reveal), so that two machines of one member, whose stores may give two runs the same id, never
 * collide. Delete All Data makes a new salt, and so a new id.
 */
export function teamStoreId(salt: string): string {
  return crypto.createHmac('sha256', salt).update('session-buddy team store id').digest('hex').slice(0, 16);
}

export function minuteOf(invokedAt: string): string {
  return `${invokedAt.slice(0, 16)}:00.000Z`;
}

interface LocalRow {
  id: number;
  write_stamp: number;
  session_id: string;
  skill_name: string;
  invoked_at: string;
  completed: number;
  duration_seconds: number | null;
  workflow_phase: string | null;
  error_type: string | null;
}

/** A run still to be sent, with the write stamp that moves its writer's cursor. */
export interface PendingRun {
  stamp: number;
  row: SharedRow;
}

/** The writer slot of a write stamp, as the V11 index has it (writerSlot.ts lays stamps out). */
const WRITER_SLOT = `(write_stamp / ${SEQ_BITS}) % ${SLOT_COUNT}`;

/**
 * Where a team's push stands: per writer slot, the last write stamp the server confirmed. `floor`
 * is the V9 cursor of a client before V11 (ids up to it were sent, keyed without a store id).
 */
export interface PushCursors {
  floor: number;
  bySlot: Map<number, number>;
}

export function pushCursors(store: Store, teamId: string): PushCursors {
  const floor = one<{ id: number }>(store.db, 'SELECT pushed_through_id AS id FROM team_sync WHERE team_id = ?', [teamId])?.id ?? 0;
  const rows = all<{ slot: number; stamp: number }>(store.db, 'SELECT writer_slot AS slot, pushed_stamp AS stamp FROM team_push_cursor WHERE team_id = ?', [teamId]);
  return { floor, bySlot: new Map(rows.map((r) => [r.slot, r.stamp])) };
}

function cursorOf(cursors: PushCursors, slot: number): number {
  return Math.max(cursors.floor, cursors.bySlot.get(slot) ?? 0);
}

export const WRITER_SLOTS: readonly number[] = Array.from({ length: SLOT_COUNT }, (_, slot) => slot);

/** The runs of one writer slot after its cursor, in the order that writer recorded them. */
export function pendingInSlot(store: Store, keys: TeamKeys, cursors: PushCursors, slot: number, limit: number): PendingRun[] {
  const rows = all<LocalRow>(
    store.db,
    `SELECT id, write_stamp, session_id, skill_name, invoked_at, completed, duration_seconds, workflow_phase, error_type
     FROM skill_invocation WHERE ${WRITER_SLOT} = ? AND write_stamp > ? ORDER BY ${WRITER_SLOT}, write_stamp LIMIT ?`,
    [slot, cursorOf(cursors, slot), limit],
  );
  const salt = storeSalt(store);
  const storeId = teamStoreId(salt);
  return rows.map((r) => ({
    stamp: r.write_stamp,
    row: {
      event_id: r.id,
      store_id: r.id <= cursors.floor ? '' : storeId,
      session_hash: teamSessionHash(keys, salt, r.session_id),
      skill_name: r.skill_name,
      invoked_minute: minuteOf(r.invoked_at),
      completed: r.completed === 1,
      duration_seconds: r.duration_seconds,
      workflow_phase: phase(r.workflow_phase),
      error_category: errorCategory(r.error_type),
    },
  }));
}

/** The next rows a push sends (at most `limit`), in the order they were recorded. */
export function pendingRows(store: Store, keys: TeamKeys, options: { limit?: number } = {}): SharedRow[] {
  const limit = options.limit ?? 1000;
  const cursors = pushCursors(store, keys.teamId);
  const runs: PendingRun[] = [];
  for (const slot of WRITER_SLOTS) {
    for (const run of pendingInSlot(store, keys, cursors, slot, limit)) runs.push(run);
  }
  runs.sort((a, b) => a.stamp - b.stamp);
  return runs.slice(0, limit).map((r) => r.row);
}

/** How many invocations wait for a push to this team. */
export function pendingCount(store: Store, teamId: string): number {
  const cursors = pushCursors(store, teamId);
  let pending = 0;
  for (const slot of WRITER_SLOTS) {
    pending += one<{ n: number }>(store.db, `SELECT count(*) AS n FROM skill_invocation WHERE ${WRITER_SLOT} = ? AND write_stamp > ?`, [slot, cursorOf(cursors, slot)])?.n ?? 0;
  }
  return pending;
}
