/**
 * Exactly what leaves the machine for a team, per invocation: the event id, the session id hashed
 * for this team, the skill name, the minute of the invocation (UTC), the outcome, the duration, the
 * workflow phase and an error category. Never the error's text, command lines, paths, project
 * names, queries or the environment: those columns are not even read here. `team preview` prints
 * these rows, and push sends these rows and nothing else.
 */
import crypto from 'node:crypto';
import { all, one } from '../store/statements';
import type { Store } from '../store/storeInterface';
import { storeSalt } from '../store/storeSalt';
import { firstIdAt } from '../store/writerSlot';

export interface SharedRow {
  event_id: number;
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

/**
 * An invocation's id comes from the store's clock just before its commit, which takes one write
 * and one fdatasync; another process's commit reaches this replica within a poll (1 s). Ids this
 * much older than now are settled: no smaller id can still arrive, so the cursor can move past
 * them without skipping one. The newest few seconds wait for the next push.
 */
export const SETTLE_MS = 5_000;

/** A category is one word such as AssertionError or ENOENT; anything else (a message, a path) is "other". */
const CATEGORY = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const PHASE = /^[a-z][a-z0-9_-]{0,63}$/;

export function errorCategory(errorType: string | null): string | null {
  if (errorType === null || errorType.trim() === '') return null;
  return CATEGORY.test(errorType.trim()) ? errorType.trim() : 'other';
}

function phase(value: string | null): string | null {
  const v = value?.trim().toLowerCase() ?? '';
  return PHASE.test(v) ? v : null;
}

/**
 * The team's salt keys the hash, the store's own salt is mixed in: teammates can group a member's
 * sessions, but neither they nor the server can test a guessed session id (CI ones are guessable).
 */
export function teamSessionHash(keys: TeamKeys, localSalt: string, sessionId: string): string {
  return crypto.createHmac('sha256', keys.sessionSalt).update(`${localSalt}\u0000${sessionId}`).digest('hex').slice(0, 32);
}

export function minuteOf(invokedAt: string): string {
  return `${invokedAt.slice(0, 16)}:00.000Z`;
}

interface LocalRow {
  id: number;
  session_id: string;
  skill_name: string;
  invoked_at: string;
  completed: number;
  duration_seconds: number | null;
  workflow_phase: string | null;
  error_type: string | null;
}

/** The local cursor: every invocation with a larger id is still to be pushed to this team. */
export function pushedThrough(store: Store, teamId: string): number {
  return one<{ id: number }>(store.db, 'SELECT pushed_through_id AS id FROM team_sync WHERE team_id = ?', [teamId])?.id ?? 0;
}

export interface PendingOptions {
  limit?: number;
  settleMs?: number;
  now?: number;
}

/** The next rows a push sends, oldest id first. */
export function pendingRows(store: Store, keys: TeamKeys, options: PendingOptions = {}): SharedRow[] {
  const below = firstIdAt((options.now ?? Date.now()) - (options.settleMs ?? SETTLE_MS));
  return sharedRows(store, keys, pushedThrough(store, keys.teamId), below, options.limit ?? 1000);
}

/**
 * How far behind the cursor a push looks again for runs that arrived late: a commit that took
 * longer than SETTLE_MS (a stalled disk, a laptop put to sleep mid-write) gets an id the cursor may
 * already have passed. Every push sends this window's rows again; the server keeps what it has.
 */
export const LATE_WINDOW_MS = 15 * 60_000;

/** The rows just behind the cursor (at most `limit`, newest first), sent again for late arrivals. */
export function recentlyPushedRows(store: Store, keys: TeamKeys, options: { limit?: number; now?: number } = {}): SharedRow[] {
  const cursor = pushedThrough(store, keys.teamId);
  const now = options.now ?? Date.now();
  const from = Math.max(0, cursor - (firstIdAt(now) - firstIdAt(now - LATE_WINDOW_MS)));
  return sharedRows(store, keys, from, cursor + 1, options.limit ?? 5000, 'DESC');
}

function sharedRows(store: Store, keys: TeamKeys, above: number, below: number, limit: number, order: 'ASC' | 'DESC' = 'ASC'): SharedRow[] {
  const rows = all<LocalRow>(
    store.db,
    `SELECT id, session_id, skill_name, invoked_at, completed, duration_seconds, workflow_phase, error_type
     FROM skill_invocation WHERE id > ? AND id < ? ORDER BY id ${order} LIMIT ?`,
    [above, below, limit],
  );
  const salt = storeSalt(store);
  return rows.map((r) => ({
    event_id: r.id,
    session_hash: teamSessionHash(keys, salt, r.session_id),
    skill_name: r.skill_name,
    invoked_minute: minuteOf(r.invoked_at),
    completed: r.completed === 1,
    duration_seconds: r.duration_seconds,
    workflow_phase: phase(r.workflow_phase),
    error_category: errorCategory(r.error_type),
  }));
}

/** How many invocations wait for a push (settled or not). */
export function pendingCount(store: Store, teamId: string): number {
  return one<{ n: number }>(store.db, 'SELECT count(*) AS n FROM skill_invocation WHERE id > ?', [pushedThrough(store, teamId)])?.n ?? 0;
}
