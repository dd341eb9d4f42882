/**
 * Retention: invocations older than `retentionDays` are rolled up into mv_daily_skills (one row per
 * day and skill) and removed, with their interaction and hourly rows, so the store's size follows
 * the retention period rather than the age of the installation. The roll-up and removal are
 * 'retention' events, applied identically by every process and the snapshot; a long backlog is cut
 * into steps of a few thousand invocations (the roll-up adds up across steps), so no window's thread
 * is held for seconds by one event.
 */
import type { StoreEvent } from '../store/events';
import { all, one } from '../store/statements';
import type { Store } from '../store/storeInterface';
import type { Timestamp } from '../time';
import { positiveInteger } from '../validation';
import { referenceTime } from './monitoringOptions';

/** The default of the setting sessionBuddy.retentionDays. */
export const DEFAULT_RETENTION_DAYS = 365;

export interface RetentionResult {
  /** Invocations before this instant were rolled up. */
  before: Timestamp;
  /** Invocations removed. */
  removed: number;
  /** Resolved anomalies removed (resolved before the same instant). */
  anomalies_removed: number;
  /** Removed invocations a team store had not received yet (team push): the caller says so. */
  unpushed_removed: number;
}

/**
 * Invocations before a time that some team has not received: a write stamp past that team's
 * cursor for its writer slot (the rule of src/core/team/shared.ts; a stamp's slot is
 * (stamp / 256) % 32, writerSlot.ts).
 */
const UNPUSHED_BEFORE = `SELECT COUNT(*) AS n FROM skill_invocation i WHERE i.invoked_at < ? AND EXISTS (
  SELECT 1 FROM team_sync t WHERE i.write_stamp > max(t.pushed_through_id, coalesce((SELECT c.pushed_stamp FROM team_push_cursor c
    WHERE c.team_id = t.team_id AND c.writer_slot = (i.write_stamp / 256) % 32), 0)))`;

/** Invocations removed per retention event, so that applying one (in every window) stays short. */
export const RETENTION_STEP_ROWS = 2000;

export interface RetentionOptions {
  retentionDays?: number;
  now?: Date;
  /**
   * Pause between steps. The editor gives other windows' once-a-second pulls time to apply each
   * step on its own (a step is one short block; many at once would be one long one). Default 0.
   */
  stepPauseMs?: number;
}

export async function applyRetention(store: Store, options: RetentionOptions = {}): Promise<RetentionResult> {
  const days = positiveInteger('retentionDays', options.retentionDays, DEFAULT_RETENTION_DAYS, 36_500);
  const before = new Date(referenceTime(options.now).getTime() - days * 86_400_000).toISOString();
  let removed = 0;
  let unpushed = 0;
  for (const step of stepBoundaries(store, before)) {
    removed += one<{ n: number }>(store.db, 'SELECT COUNT(*) AS n FROM skill_invocation WHERE invoked_at < ?', [step])?.n ?? 0;
    unpushed += one<{ n: number }>(store.db, UNPUSHED_BEFORE, [step])?.n ?? 0;
    await store.commit([{ t: 'retention', before: step }]);
    if (options.stepPauseMs && step !== before) await new Promise((resolve) => setTimeout(resolve, options.stepPauseMs));
  }
  const anomalies = all<{ id: number }>(store.db, 'SELECT id FROM skill_anomalies WHERE resolved_at < ?', [before]);
  if (anomalies.length > 0) await store.commit(anomalies.map((a): StoreEvent => ({ t: 'delete', table: 'skill_anomalies', where: { id: a.id } })));
  return { before, removed, anomalies_removed: anomalies.length, unpushed_removed: unpushed };
}

/**
 * The `before` of each step, oldest first, ending with `before` itself: each step rolls up and
 * removes about RETENTION_STEP_ROWS invocations (ties on one instant go together). Found by keyset
 * over the invoked_at index, one short query per step. Nothing to remove: no step.
 */
function* stepBoundaries(store: Store, before: string): Generator<string> {
  let from = one<{ at: string | null }>(store.db, 'SELECT MIN(invoked_at) AS at FROM skill_invocation')?.at ?? null;
  if (from === null || from >= before) return;
  for (;;) {
    const next: string | undefined = one<{ at: string }>(store.db, 'SELECT invoked_at AS at FROM skill_invocation WHERE invoked_at > ? AND invoked_at < ? ORDER BY invoked_at LIMIT 1 OFFSET ?', [from, before, RETENTION_STEP_ROWS - 1])?.at;
    if (next === undefined) break;
    yield next;
    from = next;
  }
  yield before;
}
