/**
 * Retention: invocations older than `retentionDays` are rolled up into mv_daily_skills (one row per
 * day and skill) and removed, with their interaction and hourly rows, so the store's size follows
 * the retention period rather than the age of the installation. The roll-up and removal are one
 * 'retention' event, applied identically by every process and the snapshot.
 */
import type { StoreEvent } from '../store/events';
import { all, one } from '../store/statements';
import type { SkillStore } from '../store/store';
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
}

export async function applyRetention(store: SkillStore, options: { retentionDays?: number; now?: Date } = {}): Promise<RetentionResult> {
  const days = positiveInteger('retentionDays', options.retentionDays, DEFAULT_RETENTION_DAYS, 36_500);
  const before = new Date(referenceTime(options.now).getTime() - days * 86_400_000).toISOString();
  const removed = one<{ n: number }>(store.db, 'SELECT COUNT(*) AS n FROM skill_invocation WHERE invoked_at < ?', [before])?.n ?? 0;
  const anomalies = all<{ id: number }>(store.db, 'SELECT id FROM skill_anomalies WHERE resolved_at < ?', [before]);
  const events: StoreEvent[] = anomalies.map((a) => ({ t: 'delete', table: 'skill_anomalies', where: { id: a.id } }));
  if (removed > 0) events.unshift({ t: 'retention', before });
  if (events.length > 0) await store.commit(events);
  return { before, removed, anomalies_removed: anomalies.length };
}
