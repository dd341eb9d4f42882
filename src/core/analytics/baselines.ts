/**
 * Community baselines: how each skill does across everyone whose data this store holds — the local
 * users' invocations plus the teammates' imported profiles (see profiles.ts).
 *
 * - total_users counts users: the session's user_id for local invocations (invocations without a
 *   session row count as one unknown local user), the hashed id for imported profiles.
 * - global_completion_rate is 0..1; global_avg_duration_seconds averages completed local runs
 *   (profiles carry no durations).
 * - most_common_workflow_phase is the most frequent non-NULL phase (ties: alphabetical first).
 * - effectiveness_percentile (0..100) is the share of the other skills whose completion rate is at
 *   most this skill's: the best skill, and every skill tied with it, scores 100; the worst scores 0
 *   unless tied; a skill alone scores 100.
 * Skills that no longer have data lose their row. Rows are written as upsert events, so they are
 * persisted (the anchor never committed them).
 */
import type { SqlValue } from '../store/sqlDatabase';
import type { StoreEvent } from '../store/events';
import { all } from '../store/statements';
import type { DerivedRowWriter } from '../store/store';
import type { Store } from '../store/storeInterface';
import { nowTimestamp } from '../time';
import { positiveInteger } from '../validation';
import { parseSourceFilter, sourceCondition, type SourceFilter } from './sourceFilter';
import { teamProvidesCommunity } from './teamCommunity';

export interface CommunityBaseline {
  skill_name: string;
  total_users: number;
  total_invocations: number;
  /** 0..1 */
  global_completion_rate: number;
  global_avg_duration_seconds: number | null;
  most_common_workflow_phase: string | null;
  /** 0..100 */
  effectiveness_percentile: number;
  last_updated: string;
}

/**
 * Local invocations and imported profile rows as one list of observations. Profile rows live in
 * sessions `profile:<64 hex>` or `profile:<64 hex>:<phase>`; the range on session_id uses its index.
 * With a source filter, only local runs of those sources (profiles record no source).
 */
function baselineSql(source: { sql: string } | undefined): string {
  const local = `
    SELECT i.skill_name, COALESCE(s.user_id, '') AS user_id, i.completed,
           CASE WHEN i.completed = 1 THEN i.duration_seconds END AS duration, i.workflow_phase AS phase
    FROM skill_invocation i LEFT JOIN skill_sessions s ON s.session_id = i.session_id`;
  const profiles = `
    UNION ALL
    SELECT u.skill_name, u.user_id, u.completed, NULL, NULLIF(substr(u.session_id, 74), '')
    FROM skill_user_interactions u
    WHERE u.session_id >= 'profile:' AND u.session_id < 'profile;'`;
  return `
  WITH obs AS (${source ? `${local} WHERE 1 = 1${source.sql}` : `${local}${profiles}`}),
  stats AS (
    SELECT skill_name, COUNT(DISTINCT user_id) AS users, COUNT(*) AS invocations,
           AVG(CASE WHEN completed = 1 THEN 1.0 ELSE 0.0 END) AS rate, AVG(duration) AS duration
    FROM obs GROUP BY skill_name),
  phases AS (
    SELECT skill_name, phase, ROW_NUMBER() OVER (PARTITION BY skill_name ORDER BY COUNT(*) DESC, phase) AS rn
    FROM obs WHERE phase IS NOT NULL GROUP BY skill_name, phase)
  SELECT st.skill_name, st.users, st.invocations, st.rate, st.duration, ph.phase
  FROM stats st LEFT JOIN phases ph ON ph.skill_name = st.skill_name AND ph.rn = 1
  ORDER BY st.skill_name`;
}

interface StatRow {
  skill_name: string;
  users: number;
  invocations: number;
  rate: number;
  duration: number | null;
  phase: string | null;
}

/** 100 × (other skills with a rate ≤ this one) / (skills − 1); 100 for a single skill. */
export function effectivenessPercentiles(rates: readonly number[]): number[] {
  if (rates.length === 1) return [100];
  const sorted = [...rates].sort((a, b) => a - b);
  return rates.map((rate) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] <= rate) lo = mid + 1;
      else hi = mid;
    }
    return (100 * (lo - 1)) / (rates.length - 1);
  });
}

/** Baseline rows from the statistics, with their percentiles among these skills. */
function toBaselines(stats: readonly StatRow[], now: string): CommunityBaseline[] {
  const percentiles = effectivenessPercentiles(stats.map((s) => s.rate));
  return stats.map((s, i) => ({
    skill_name: s.skill_name,
    total_users: s.users,
    total_invocations: s.invocations,
    global_completion_rate: s.rate,
    global_avg_duration_seconds: s.duration,
    most_common_workflow_phase: s.phase,
    effectiveness_percentile: percentiles[i],
    last_updated: now,
  }));
}

/** `team`: the baselines are a team's (pulled), and stay as pulled. */
export async function updateCommunityBaselines(store: DerivedRowWriter): Promise<{ status: 'updated' | 'team'; skills_updated: number }> {
  if (teamProvidesCommunity(store.db)) return { status: 'team', skills_updated: 0 };
  const stats = all<StatRow>(store.db, baselineSql(undefined));
  const rows: Record<string, SqlValue>[] = toBaselines(stats, nowTimestamp()).map((b) => ({ ...b }));
  const current = new Set(stats.map((s) => s.skill_name));
  const events: StoreEvent[] = all<{ skill_name: string }>(store.db, 'SELECT skill_name FROM skill_community_baselines')
    .filter((r) => !current.has(r.skill_name))
    .map((r) => ({ t: 'delete', table: 'skill_community_baselines', where: { skill_name: r.skill_name } }));
  if (rows.length) events.push({ t: 'upsert', table: 'skill_community_baselines', key: ['skill_name'], rows });
  if (events.length) await store.commit(events);
  return { status: 'updated', skills_updated: rows.length };
}

/**
 * Stored baselines, most effective first. With a source filter they are computed now from the
 * local runs of those sources (the stored ones mix every source and the imported profiles).
 */
export function getCommunityBaselines(store: Store, options: { limit?: number; source?: SourceFilter } = {}): CommunityBaseline[] {
  const limit = positiveInteger('limit', options.limit, 20, 10_000);
  const filter = parseSourceFilter(options.source);
  if (filter) return baselinesOfSource(store, filter, limit);
  return all<CommunityBaseline>(
    store.db,
    `SELECT skill_name, total_users, total_invocations, global_completion_rate, global_avg_duration_seconds,
            most_common_workflow_phase, COALESCE(effectiveness_percentile, 0) AS effectiveness_percentile, last_updated
     FROM skill_community_baselines
     ORDER BY effectiveness_percentile DESC, total_invocations DESC, skill_name
     LIMIT ?`,
    [limit],
  );
}

function baselinesOfSource(store: Store, filter: SourceFilter, limit: number): CommunityBaseline[] {
  const source = sourceCondition(filter, 'i');
  const baselines = toBaselines(all<StatRow>(store.db, baselineSql(source), source.params), nowTimestamp());
  const order = (a: CommunityBaseline, b: CommunityBaseline) =>
    b.effectiveness_percentile - a.effectiveness_percentile || b.total_invocations - a.total_invocations || (a.skill_name < b.skill_name ? -1 : 1);
  return baselines.sort(order).slice(0, limit);
}
