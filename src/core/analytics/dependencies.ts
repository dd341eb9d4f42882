/**
 * Skill dependencies: which skills are used in the same sessions more often than chance.
 *
 * Everything is counted in sessions (session_skills has one row per session and skill):
 *   N = sessions, n(X) = sessions using X, co(A, B) = sessions using both,
 *   lift = P(A∧B) / (P(A)·P(B)) = co·N / (n(A)·n(B)).
 * The anchor counted invocation pairs and left out N, so its lift never exceeded 1.
 *
 * Rows are stored once per pair with skill_a < skill_b. The taxonomy's seeded pairs survive a
 * recomputation: while the taxonomy is initialised, a seeded pair without computed data keeps (or
 * gets back) its seed values; with computed data the measured values replace the seed.
 */
import type { SqlValue } from '../store/sqlDatabase';
import type { StoreEvent } from '../store/events';
import { all, prepared } from '../store/statements';
import type { DerivedRowWriter } from '../store/store';
import type { Store } from '../store/storeInterface';
import { nowTimestamp } from '../time';
import { ValidationError, positiveInteger, requireName } from '../validation';
import { DEPENDENCY_SEEDS, isTaxonomyInitialized, pairKey, type DependencySeed } from './taxonomy';
import { teamProvidesCommunity } from './teamCommunity';

export type RelationshipType = 'strong_positive' | 'moderate_positive' | 'weak_positive' | 'independent' | 'weak_negative' | 'moderate_negative';

export interface SkillDependency {
  /** The other skill of the pair, whichever column it is stored in. */
  skill_b: string;
  co_occurrence_count: number;
  lift_score: number;
  relationship_type: RelationshipType;
}

export interface DependencyUpdate {
  /** `team`: the network is a team's (pulled), and stays as pulled. */
  status: 'updated' | 'team';
  dependencies_created: number;
  sessions: number;
}

/** The same thresholds as the view v_skill_dependency_network, so the API and the view agree. */
export function relationshipType(lift: number): RelationshipType {
  if (lift > 2.0) return 'strong_positive';
  if (lift > 1.5) return 'moderate_positive';
  if (lift > 1.0) return 'weak_positive';
  if (lift === 1.0) return 'independent';
  if (lift > 0.5) return 'weak_negative';
  return 'moderate_negative';
}

interface PairRow {
  skill_a: string;
  skill_b: string;
  co: number;
  lift: number;
}

/** Keys pairs of skill indexes as one number (valid for up to 2^26 distinct skills). */
const PAIR_BASE = 2 ** 26;

/**
 * One ordered scan of session_skills (its primary key, so no sort), counting in the same pass the
 * sessions, the sessions per skill and the sessions per pair. A GROUP BY over the session self-join
 * does the same in SQL but sorts every pair occurrence: about 650 ms at 100k invocations in sql.js,
 * against about 60 ms here.
 */
function countCoOccurrence(store: Pick<Store, 'db'>, minCo: number): { sessions: number; pairs: PairRow[] } {
  const stmt = prepared(store.db, 'SELECT session_id, skill_name FROM session_skills ORDER BY session_id, skill_name');
  const index = new Map<string, number>();
  const names: string[] = [];
  const perSkill: number[] = [];
  const together = new Map<number, number>();
  let sessions = 0;
  let current: string | undefined;
  let members: number[] = [];
  const closeSession = () => {
    members.sort((x, y) => x - y);
    for (let i = 0; i < members.length; i++) {
      for (let j = i + 1; j < members.length; j++) {
        const key = members[i] * PAIR_BASE + members[j];
        together.set(key, (together.get(key) ?? 0) + 1);
      }
    }
  };
  try {
    while (stmt.step()) {
      const [session, skill] = stmt.get() as [string, string];
      if (session !== current) {
        closeSession();
        members = [];
        current = session;
        sessions++;
      }
      let id = index.get(skill);
      if (id === undefined) {
        id = names.length;
        index.set(skill, id);
        names.push(skill);
        perSkill.push(0);
      }
      perSkill[id]++;
      members.push(id);
    }
    closeSession();
  } finally {
    stmt.reset();
  }
  const pairs: PairRow[] = [];
  for (const [key, co] of together) {
    if (co < minCo) continue;
    const i = Math.floor(key / PAIR_BASE);
    const j = key % PAIR_BASE;
    const [a, b] = names[i] < names[j] ? [i, j] : [j, i];
    pairs.push({ skill_a: names[a], skill_b: names[b], co, lift: (co * sessions) / (perSkill[a] * perSkill[b]) });
  }
  return { sessions, pairs };
}

export async function updateSkillDependencies(store: DerivedRowWriter, options: { minCoOccurrence?: number } = {}): Promise<DependencyUpdate> {
  const minCo = positiveInteger('minCoOccurrence', options.minCoOccurrence, 5, 1_000_000);
  if (teamProvidesCommunity(store.db)) return { status: 'team', dependencies_created: 0, sessions: 0 };
  const { sessions, pairs: computed } = countCoOccurrence(store, minCo);
  const now = nowTimestamp();
  const rows: Record<string, SqlValue>[] = computed.map((p) => ({ skill_a: p.skill_a, skill_b: p.skill_b, co_occurrence_count: p.co, lift_score: p.lift, last_updated: now }));
  const fresh = new Set(computed.map((p) => pairKey(p.skill_a, p.skill_b)));

  const seeds = new Map<string, DependencySeed>(isTaxonomyInitialized(store) ? DEPENDENCY_SEEDS.map((d) => [pairKey(d.skill_a, d.skill_b), d]) : []);
  for (const [key, seed] of seeds) {
    if (!fresh.has(key)) rows.push({ skill_a: seed.skill_a, skill_b: seed.skill_b, co_occurrence_count: 1, lift_score: seed.lift_score, last_updated: now });
  }

  const events: StoreEvent[] = [];
  for (const old of all<{ skill_a: string; skill_b: string }>(store.db, 'SELECT skill_a, skill_b FROM skill_dependencies')) {
    const key = pairKey(old.skill_a, old.skill_b);
    if (old.skill_a < old.skill_b && (fresh.has(key) || seeds.has(key))) continue;
    events.push({ t: 'delete', table: 'skill_dependencies', where: { skill_a: old.skill_a, skill_b: old.skill_b } });
  }
  if (rows.length) events.push({ t: 'upsert', table: 'skill_dependencies', key: ['skill_a', 'skill_b'], rows });
  if (events.length) await store.commit(events);
  return { status: 'updated', dependencies_created: computed.length, sessions };
}

/** A skill that shares sessions with another one, and by how much more than chance. */
export interface Companion {
  skill_name: string;
  /** Sessions that used both skills. */
  co: number;
  /** P(A∧B) / (P(A)·P(B)) over sessions. */
  lift: number;
}

/**
 * The companions of one skill computed now from session_skills, with the same definition as the
 * stored network (lift over distinct sessions), for callers that need the newest sessions counted:
 * the recommender asks after every run, while the table is rebuilt hourly.
 */
export function companionsOf(store: Store, skill: string, options: { minShared?: number; limit?: number } = {}): Companion[] {
  const name = requireName('skill', skill);
  const minShared = positiveInteger('minShared', options.minShared, 2, 1_000_000);
  const limit = positiveInteger('limit', options.limit, 10, 10_000);
  return all<Companion>(
    store.db,
    `WITH total AS (SELECT COUNT(*) AS n FROM (SELECT DISTINCT session_id FROM session_skills)),
          base AS (SELECT COUNT(*) AS n FROM session_skills WHERE skill_name = ?),
          co AS (
            SELECT b.skill_name, COUNT(*) AS co
            FROM session_skills a JOIN session_skills b ON b.session_id = a.session_id AND b.skill_name <> a.skill_name
            WHERE a.skill_name = ?
            GROUP BY b.skill_name
            HAVING COUNT(*) >= ?)
     SELECT co.skill_name, co.co,
            CAST(co.co AS REAL) * total.n / (base.n * (SELECT COUNT(*) FROM session_skills s WHERE s.skill_name = co.skill_name)) AS lift
     FROM co CROSS JOIN total CROSS JOIN base
     ORDER BY lift DESC, co.co DESC, co.skill_name
     LIMIT ?`,
    [name, name, minShared, limit],
  );
}

/** A pure read of the stored dependencies of one skill, strongest first. */
export function getSkillDependencies(store: Store, skill: string, options: { limit?: number; minLift?: number } = {}): SkillDependency[] {
  const name = requireName('skill', skill);
  const limit = positiveInteger('limit', options.limit, 10, 1000);
  const minLift = options.minLift ?? 1.5;
  if (typeof minLift !== 'number' || !Number.isFinite(minLift) || minLift < 0) throw new ValidationError('minLift', 'must be a number of 0 or more');
  const rows = all<{ other: string; co: number; lift: number }>(
    store.db,
    `SELECT other, co, lift FROM (
       SELECT skill_b AS other, co_occurrence_count AS co, lift_score AS lift FROM skill_dependencies WHERE skill_a = ? AND lift_score >= ?
       UNION ALL
       SELECT skill_a, co_occurrence_count, lift_score FROM skill_dependencies WHERE skill_b = ? AND lift_score >= ?)
     ORDER BY lift DESC, co DESC, other
     LIMIT ?`,
    [name, minLift, name, minLift, limit],
  );
  return rows.map((r) => ({ skill_b: r.other, co_occurrence_count: r.co, lift_score: r.lift, relationship_type: relationshipType(r.lift) }));
}
