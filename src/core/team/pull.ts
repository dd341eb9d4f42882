/**
 * Pull: the team's aggregates, cached in the local V4 tables that the recommendation sources,
 * `baselines show` and `recommend-similar` already read, so they use teammates without knowing it:
 *
 * - team_baselines() → skill_community_baselines (total_users = members, total_invocations = runs,
 *   global_completion_rate 0..1, global_avg_duration_seconds = the team's median, and
 *   effectiveness_percentile ranks the skill among the team's skills as `baselines update` does);
 * - similar_member_skills() → skill_user_interactions as profile rows (`profile:<pseudonym>`), the
 *   same shape as an imported teammate profile, so collaborative filtering finds the neighbours;
 *   at most PROFILE_ROWS_PER_SKILL rows per skill, in the member's own completion ratio;
 * - team_dependencies() → skill_dependencies (lift over team sessions).
 *
 * Every write is one commit of upsert/delete events. The pseudonyms written last time are
 * remembered in team_sync.pulled_members, so a member who is no longer a neighbour disappears.
 */
import type { Client } from 'pg';
import type { SqlValue } from '../store/sqlDatabase';
import { effectivenessPercentiles } from '../analytics/baselines';
import { PROFILE_SESSION_PREFIX } from '../analytics/profiles';
import type { StoreEvent } from '../store/events';
import type { Store } from '../store/storeInterface';
import { nowTimestamp } from '../time';
import { withTeam, type TeamServer } from './connection';
import { refreshQuietly } from './push';
import { readTeamInfo, teamSyncRow } from './teamInfo';

export const PROFILE_ROWS_PER_SKILL = 50;

export interface TeamBaseline {
  skill_name: string;
  members: number;
  runs: number;
  /** 0..1 */
  completion_rate: number;
  median_seconds: number | null;
  p90_seconds: number | null;
  /** 0..100; null when this member never ran the skill. */
  my_percentile: number | null;
}

export interface SimilarMember {
  member_pseudonym: string;
  /** Jaccard similarity of the completed-skill sets, 0..1. */
  similarity: number;
  common_skills: number;
  skill_count: number;
}

export interface NeighbourSkill {
  member_pseudonym: string;
  skill_name: string;
  runs: number;
  completed: number;
}

export interface TeamDependency {
  skill_a: string;
  skill_b: string;
  co_occurrence_count: number;
  lift_score: number;
}

export interface TeamAggregates {
  team_id: string;
  baselines: TeamBaseline[];
  similar_members: SimilarMember[];
  neighbour_skills: NeighbourSkill[];
  dependencies: TeamDependency[];
}

const NEIGHBOURS = 10;

/** pg returns bigint and numeric as text; these are counts and rates well inside a double. */
function numbers<T>(row: Record<string, unknown>, keys: (keyof T & string)[]): T {
  const copy: Record<string, unknown> = { ...row };
  for (const k of keys) copy[k] = row[k] === null ? null : Number(row[k]);
  return copy as T;
}

export async function readAggregates(client: Client, teamId: string): Promise<TeamAggregates> {
  const baselines = await client.query('SELECT * FROM session_buddy.team_baselines()');
  const similar = await client.query('SELECT * FROM session_buddy.similar_members($1)', [NEIGHBOURS]);
  const skills = await client.query('SELECT * FROM session_buddy.similar_member_skills($1)', [NEIGHBOURS]);
  const deps = await client.query('SELECT * FROM session_buddy.team_dependencies(2)');
  return {
    team_id: teamId,
    baselines: baselines.rows.map((r) => numbers<TeamBaseline>(r, ['members', 'runs', 'completion_rate', 'median_seconds', 'p90_seconds', 'my_percentile'])),
    similar_members: similar.rows.map((r) => numbers<SimilarMember>(r, ['similarity', 'common_skills', 'skill_count'])),
    neighbour_skills: skills.rows.map((r) => numbers<NeighbourSkill>(r, ['runs', 'completed'])),
    dependencies: deps.rows.map((r) => numbers<TeamDependency>(r, ['co_occurrence_count', 'lift_score'])),
  };
}

export async function pullFromTeam(store: Store, server: TeamServer): Promise<TeamAggregates> {
  const aggregates = await withTeam(server, async (client) => {
    const info = await readTeamInfo(client);
    await refreshQuietly(client);
    return readAggregates(client, info.teamId);
  });
  await store.commit(await pullEvents(store, server, aggregates));
  return aggregates;
}

async function pullEvents(store: Store, server: TeamServer, a: TeamAggregates): Promise<StoreEvent[]> {
  const now = nowTimestamp();
  const previous: string[] = JSON.parse(teamSyncRow(store, a.team_id)?.pulled_members ?? '[]') as string[];
  const members = [...new Set(a.neighbour_skills.map((s) => s.member_pseudonym))];
  const events: StoreEvent[] = [...new Set([...previous, ...members])].map((m) => ({ t: 'delete', table: 'skill_user_interactions', where: { user_id: m } }));
  const profileRows = await neighbourRows(store, a.neighbour_skills, now);
  if (profileRows.length) events.push({ t: 'upsert', table: 'skill_user_interactions', key: ['id'], rows: profileRows });
  const percentiles = a.baselines.length ? effectivenessPercentiles(a.baselines.map((b) => b.completion_rate)) : [];
  if (a.baselines.length) {
    events.push({
      t: 'upsert',
      table: 'skill_community_baselines',
      key: ['skill_name'],
      rows: a.baselines.map((b, i) => ({
        skill_name: b.skill_name,
        total_users: b.members,
        total_invocations: b.runs,
        global_completion_rate: b.completion_rate,
        global_avg_duration_seconds: b.median_seconds,
        most_common_workflow_phase: null,
        effectiveness_percentile: percentiles[i],
        last_updated: now,
      })),
    });
  }
  if (a.dependencies.length) {
    events.push({
      t: 'upsert',
      table: 'skill_dependencies',
      key: ['skill_a', 'skill_b'],
      rows: a.dependencies.map((d) => ({ skill_a: d.skill_a, skill_b: d.skill_b, co_occurrence_count: d.co_occurrence_count, lift_score: d.lift_score, last_updated: now })),
    });
  }
  events.push({ t: 'upsert', table: 'team_sync', key: ['team_id'], rows: [{ team_id: a.team_id, server: server.label, last_pull_at: now, pulled_members: JSON.stringify(members) }] });
  return events;
}

/** A neighbour's totals as interaction rows: at most PROFILE_ROWS_PER_SKILL, completed ones in the same ratio. */
async function neighbourRows(store: Store, skills: readonly NeighbourSkill[], now: string): Promise<Record<string, SqlValue>[]> {
  const rows: Record<string, SqlValue>[] = [];
  for (const s of skills) {
    const total = Math.min(s.runs, PROFILE_ROWS_PER_SKILL);
    const completed = Math.round((total * s.completed) / s.runs);
    for (let i = 0; i < total; i++) {
      rows.push({
        id: await store.nextId(),
        user_id: s.member_pseudonym,
        session_id: `${PROFILE_SESSION_PREFIX}${s.member_pseudonym}`,
        skill_name: s.skill_name,
        invoked_at: now,
        completed: i < completed ? 1 : 0,
        rating: null,
        alternatives_considered: null,
      });
    }
  }
  return rows;
}
