/**
 * Real-time metrics over a true sliding window, and the skill_metrics_cache that the dashboard view
 * reads. The anchor's cache counters named "_1h"/"_24h" only ever grew; here the insert trigger
 * counts a new invocation only when it falls inside a window, and `refreshMetricsCache` replaces the
 * counters with the real window counts so that they also go down as time passes.
 */
import type { SqlValue } from '../store/sqlDatabase';
import { all } from '../store/statements';
import type { Store } from '../store/storeInterface';
import { hoursAgo, type Timestamp } from '../time';
import { positiveInteger } from '../validation';
import { positiveNumber, referenceTime } from './monitoringOptions';
import { meanDuration } from '../measures';
import { parseSourceFilter, sourceCondition, type SourceFilter } from './sourceFilter';

export interface RealTimeMetric {
  skill_name: string;
  invocation_count: number;
  completed_count: number;
  /** 0..1 */
  completion_rate: number;
  /** Mean over completed invocations with a duration; null when there are none. */
  avg_duration_seconds: number | null;
  last_invocation_at: Timestamp;
}

export interface RealTimeOptions {
  limit?: number;
  windowHours?: number;
  /** End of the window (default: now). */
  now?: Date;
  /** Only the agent's runs, only the developer's, or one source (default: every run). */
  source?: SourceFilter;
}

/** The most active skills in the last `windowHours` hours, most invocations first. */
export function getRealTimeMetrics(store: Store, options: RealTimeOptions = {}): RealTimeMetric[] {
  const limit = positiveInteger('limit', options.limit, 10, 1000);
  const windowHours = positiveNumber('windowHours', options.windowHours, 1, 24 * 366);
  const now = referenceTime(options.now);
  const source = sourceCondition(parseSourceFilter(options.source), 'i');
  // CROSS JOIN keeps skill_metrics as the outer loop: each skill's window is one range of the
  // (skill_name, invoked_at) index.
  const rows = all<Omit<RealTimeMetric, 'completion_rate'>>(
    store.db,
    `SELECT i.skill_name, COUNT(*) AS invocation_count, SUM(i.completed = 1) AS completed_count,
            ${meanDuration('i')} AS avg_duration_seconds,
            MAX(i.invoked_at) AS last_invocation_at
     FROM skill_metrics m
     CROSS JOIN skill_invocation i ON i.skill_name = m.skill_name AND i.invoked_at >= ? AND i.invoked_at <= ?${source.sql}
     GROUP BY i.skill_name
     ORDER BY invocation_count DESC, i.skill_name
     LIMIT ?`,
    [hoursAgo(windowHours, now), now.toISOString(), ...source.params, limit],
  );
  return rows.map((r) => ({ ...r, completion_rate: r.completed_count / r.invocation_count }));
}

interface WindowCounts {
  skill_name: string;
  last_invoked: string | null;
  count_1h: number;
  count_24h: number;
  rate_24h: number | null;
}

interface CacheRow {
  skill_name: string;
  last_invocation_at: string;
  invocation_count_1h: number;
  invocation_count_24h: number;
  avg_completion_rate_24h: number | null;
}

/**
 * Writes the true last-hour and last-24-hour counts and the 24-hour completion rate (0..1) of every
 * skill into skill_metrics_cache, through upsert events (is_anomalous and anomaly_score are left as
 * the anomaly detector set them). Only rows whose values changed are written, so a periodic refresh
 * adds nothing to the event log while nothing happens. Returns how many rows were written.
 */
export async function refreshMetricsCache(store: Store, options: { now?: Date } = {}): Promise<number> {
  const now = referenceTime(options.now);
  const end = now.toISOString();
  // Each skill's last day is one range of the covering (skill_name, invoked_at, completed) index:
  // joining skill_metrics to the invocations made SQLite walk each skill's whole history (93 ms at 1M
  // invocations), and the invoked_at index alone cost a table lookup per run (62 ms).
  const recent = new Map(
    all<Omit<WindowCounts, 'last_invoked'>>(
      store.db,
      `SELECT skill_name, COUNT(*) AS count_24h, SUM(invoked_at >= ?) AS count_1h, AVG(completed = 1) AS rate_24h
       FROM skill_invocation WHERE skill_name IN (SELECT skill_name FROM skill_metrics) AND invoked_at >= ? AND invoked_at <= ?
       GROUP BY skill_name`,
      [hoursAgo(1, now), hoursAgo(24, now), end],
    ).map((r) => [r.skill_name, r]),
  );
  const counts: WindowCounts[] = all<{ skill_name: string; last_invoked: string | null }>(store.db, 'SELECT skill_name, last_invoked FROM skill_metrics').map((m) => ({
    ...m,
    count_24h: recent.get(m.skill_name)?.count_24h ?? 0,
    count_1h: recent.get(m.skill_name)?.count_1h ?? 0,
    rate_24h: recent.get(m.skill_name)?.rate_24h ?? null,
  }));
  const cached = new Map(
    all<CacheRow>(store.db, 'SELECT skill_name, last_invocation_at, invocation_count_1h, invocation_count_24h, avg_completion_rate_24h FROM skill_metrics_cache').map((r) => [r.skill_name, r]),
  );
  const rows: Record<string, SqlValue>[] = [];
  for (const c of counts) {
    const old = cached.get(c.skill_name);
    const last = latest(c.last_invoked, old?.last_invocation_at ?? null);
    if (last === null) continue;
    const unchanged =
      old !== undefined &&
      old.last_invocation_at === last &&
      old.invocation_count_1h === c.count_1h &&
      old.invocation_count_24h === c.count_24h &&
      sameRate(old.avg_completion_rate_24h, c.rate_24h);
    if (unchanged) continue;
    rows.push({
      skill_name: c.skill_name,
      last_invocation_at: last,
      invocation_count_1h: c.count_1h,
      invocation_count_24h: c.count_24h,
      avg_completion_rate_24h: c.rate_24h,
      updated_at: end,
    });
  }
  if (rows.length > 0) await store.commit([{ t: 'upsert', table: 'skill_metrics_cache', key: ['skill_name'], rows }]);
  return rows.length;
}

function latest(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}

function sameRate(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a === b;
  return Math.abs(a - b) < 1e-12;
}
