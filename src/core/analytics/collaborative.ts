/**
 * Collaborative filtering over skill_user_interactions (tracking fills it for local users; imported
 * team profiles add rows under hashed ids).
 *
 * - A user's set is their distinct completed skills; similarity is Jaccard |A∩B| / |A∪B| on those
 *   sets, so it never exceeds 1 (the anchor counted rows and reached 3.0).
 * - A skill's score combines every neighbour: Σ similarity × neighbour's completion rate of the skill,
 *   divided by the neighbours' total similarity; `evidence` is how many neighbours used it. Skills
 *   the user has tried (any interaction, completed or not) are never recommended.
 * - Cold start (no completed skills, no neighbours, nothing new among them): the community
 *   baselines answer, in the same item shape, with source 'community_baseline'.
 *
 * The per-user skill table is loaded once and then extended with new rows (see Engine); answers are
 * cached for an hour in a bounded LRU and dropped when the interactions or the baselines change.
 */
import { removesRuns, type StoreEvent } from '../store/events';
import { perStore } from '../store/perStore';
import type { Store } from '../store/storeInterface';
import { all, one } from '../store/statements';
import { positiveInteger, requireName } from '../validation';
import { getCommunityBaselines } from './baselines';

export interface SimilarUser {
  user_id: string;
  /** Jaccard similarity of the completed-skill sets, 0..1. */
  similarity: number;
  common_skills: number;
  skill_count: number;
}

export interface Recommendation {
  skill_name: string;
  score: number;
  /** 0..1 */
  completion_rate: number;
  source: 'collaborative_filtering' | 'community_baseline';
  /** Neighbours who used the skill (collaborative), or users behind the baseline. */
  evidence?: number;
}

export const CACHE_TTL_MS = 3_600_000;
export const CACHE_MAX_ENTRIES = 500;
const NEIGHBOURS = 10;
const MIN_COMMON_SKILLS = 2;

interface SkillUse {
  total: number;
  completed: number;
}

/** user → skill → counts, and user → distinct completed skills, kept in step with the table. */
class UserIndex {
  readonly users = new Map<string, Map<string, SkillUse>>();
  readonly completedSets = new Map<string, Set<string>>();
  rows = 0;
  maxId = -Infinity;

  private add(user: string, skill: string, counts: SkillUse): void {
    let skills = this.users.get(user);
    if (!skills) this.users.set(user, (skills = new Map()));
    const use = skills.get(skill) ?? { total: 0, completed: 0 };
    use.total += counts.total;
    use.completed += counts.completed;
    if (use.completed > 0) {
      let set = this.completedSets.get(user);
      if (!set) this.completedSets.set(user, (set = new Set()));
      set.add(skill);
    }
    skills.set(skill, use);
  }

  /**
   * Adds the rows with an id above `after`, counted per user and skill by SQLite: a million rows
   * arrive as a few hundred counts, without a JavaScript object per row (1.5 s and 50-100 MB of
   * resident memory left behind at 1,000,000 rows, against 0.6 s and 9 MB).
   */
  load(store: Store, after: number): number {
    const counts = all<{ user_id: string; skill_name: string; total: number; completed: number; max_id: number }>(
      store.db,
      `SELECT user_id, skill_name, COUNT(*) AS total, SUM(completed = 1) AS completed, MAX(id) AS max_id
       FROM skill_user_interactions WHERE id > ? GROUP BY user_id, skill_name`,
      [after],
    );
    let added = 0;
    for (const c of counts) {
      this.add(c.user_id, c.skill_name, { total: c.total, completed: c.completed });
      added += c.total;
      if (c.max_id > this.maxId) this.maxId = c.max_id;
    }
    this.rows += added;
    return added;
  }
}

interface CacheEntry {
  at: number;
  value: unknown;
}

interface Fingerprint {
  rows: number;
  maxId: number | null;
  baselines: string;
}

/**
 * Per store: the user index and the answer cache. The store's events say what changed: runs only
 * append interactions, which are read past the index's newest id (a range on the row id); anything
 * else that touches the table (retention, a purge, a re-imported profile, a team pull) or a change
 * that came without its events (a rebuilt replica) is checked by the table's row count and max id,
 * and reloads the index unless only rows were added. Counting a million rows after every run took
 * 14-40 ms of the sidebar's refresh. Answers are dropped on any change of the interactions or the
 * baselines.
 */
class Engine {
  private index: UserIndex | undefined;
  private baselines = '';
  private maybeStale = true;
  /** Whether rows may have gone or changed since the index was checked, not only been added. */
  private rowsMayHaveGone = true;
  /** Whether the events of the change being notified were seen (a change without them is checked in full). */
  private sawEvents = false;
  private readonly cache = new Map<string, CacheEntry>();

  constructor(private readonly store: Store) {
    store.onDidApply((events) => {
      this.sawEvents = true;
      if (events.some(mayRemoveInteractions)) this.rowsMayHaveGone = true;
    });
    store.onDidChange(() => {
      if (!this.sawEvents) this.rowsMayHaveGone = true;
      this.sawEvents = false;
      this.maybeStale = true;
    });
  }

  cached<T>(key: string, compute: () => T): T {
    this.checkFreshness();
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < CACHE_TTL_MS) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit.value as T;
    }
    if (hit) {
      // An expired answer also re-checks the data in full, in case a change notification was missed.
      this.maybeStale = true;
      this.rowsMayHaveGone = true;
      this.checkFreshness();
    }
    const value = compute();
    this.cache.delete(key);
    this.cache.set(key, { at: Date.now(), value });
    while (this.cache.size > CACHE_MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
    return value;
  }

  get size(): number {
    return this.cache.size;
  }

  userIndex(): UserIndex {
    this.checkFreshness();
    if (!this.index) {
      this.index = new UserIndex();
      this.index.load(this.store, -Infinity);
    }
    return this.index;
  }

  private checkFreshness(): void {
    if (!this.maybeStale) return;
    this.maybeStale = false;
    const baselines = this.baselinesFingerprint();
    const index = this.index;
    if (index && !this.rowsMayHaveGone) {
      const added = index.load(this.store, index.maxId);
      if (added === 0 && baselines === this.baselines) return;
      this.baselines = baselines;
      this.cache.clear();
      return;
    }
    this.rowsMayHaveGone = false;
    const now = { ...this.rowsFingerprint(), baselines };
    const same = index !== undefined && now.rows === index.rows && (now.maxId ?? -Infinity) === index.maxId;
    if (same && now.baselines === this.baselines) return;
    this.baselines = now.baselines;
    this.cache.clear();
    if (same || !index) return;
    const appended = now.rows > index.rows && index.load(this.store, index.maxId) > 0 && index.rows === now.rows;
    if (!appended) this.index = undefined;
  }

  private rowsFingerprint(): Omit<Fingerprint, 'baselines'> {
    const f = one<{ n: number; max_id: number | null }>(this.store.db, 'SELECT COUNT(*) AS n, MAX(id) AS max_id FROM skill_user_interactions');
    return { rows: f?.n ?? 0, maxId: f?.max_id ?? null };
  }

  private baselinesFingerprint(): string {
    const f = one<{ baselines: number; updated: string | null }>(
      this.store.db,
      'SELECT COUNT(*) AS baselines, MAX(last_updated) AS updated FROM skill_community_baselines',
    );
    return `${f?.baselines}:${f?.updated}`;
  }
}

/** Whether applying the event may remove or rewrite interactions (runs only add them). */
function mayRemoveInteractions(event: StoreEvent): boolean {
  if (removesRuns(event)) return true;
  return (event.t === 'upsert' || event.t === 'delete') && event.table === 'skill_user_interactions';
}

const engineOf = perStore((store) => new Engine(store));

/** How many answers are cached for this store (for tests and diagnostics). */
export function cachedAnswerCount(store: Store): number {
  return engineOf(store).size;
}

function similarUsers(index: UserIndex, userId: string, minCommon: number, limit: number): SimilarUser[] {
  const mine = index.completedSets.get(userId);
  if (!mine || mine.size === 0) return [];
  const found: SimilarUser[] = [];
  for (const [other, theirs] of index.completedSets) {
    if (other === userId) continue;
    let common = 0;
    for (const skill of mine) if (theirs.has(skill)) common++;
    if (common < minCommon) continue;
    found.push({ user_id: other, similarity: common / (mine.size + theirs.size - common), common_skills: common, skill_count: theirs.size });
  }
  found.sort((a, b) => b.similarity - a.similarity || b.common_skills - a.common_skills || (a.user_id < b.user_id ? -1 : 1));
  return found.slice(0, limit);
}

export function getSimilarUsers(store: Store, userId: string, options: { minCommonSkills?: number; limit?: number } = {}): SimilarUser[] {
  const user = requireName('userId', userId);
  const minCommon = positiveInteger('minCommonSkills', options.minCommonSkills, MIN_COMMON_SKILLS, 10_000);
  const limit = positiveInteger('limit', options.limit, 10, 1000);
  const engine = engineOf(store);
  const found = engine.cached(`similar\u0000${user}\u0000${minCommon}\u0000${limit}`, () => similarUsers(engine.userIndex(), user, minCommon, limit));
  return found.map((u) => ({ ...u }));
}

export function recommendFromSimilarUsers(store: Store, userId: string, options: { limit?: number } = {}): Recommendation[] {
  const user = requireName('userId', userId);
  const limit = positiveInteger('limit', options.limit, 5, 1000);
  const engine = engineOf(store);
  const found = engine.cached(`recommend\u0000${user}\u0000${limit}`, () => {
    const index = engine.userIndex();
    const collaborative = fromNeighbours(index, user, limit);
    return collaborative.length ? collaborative : fromBaselines(store, index, user, limit);
  });
  return found.map((r) => ({ ...r }));
}

function fromNeighbours(index: UserIndex, user: string, limit: number): Recommendation[] {
  const neighbours = similarUsers(index, user, MIN_COMMON_SKILLS, NEIGHBOURS);
  const tried = index.users.get(user) ?? new Map<string, SkillUse>();
  const totalSimilarity = neighbours.reduce((sum, n) => sum + n.similarity, 0);
  if (totalSimilarity === 0) return [];
  const candidates = new Map<string, { weighted: number; evidence: number; completed: number; total: number }>();
  for (const n of neighbours) {
    for (const [skill, use] of index.users.get(n.user_id) ?? []) {
      if (tried.has(skill)) continue;
      const c = candidates.get(skill) ?? { weighted: 0, evidence: 0, completed: 0, total: 0 };
      c.weighted += n.similarity * (use.completed / use.total);
      c.evidence += 1;
      c.completed += use.completed;
      c.total += use.total;
      candidates.set(skill, c);
    }
  }
  return [...candidates]
    .map(([skill_name, c]): Recommendation => ({
      skill_name,
      score: c.weighted / totalSimilarity,
      completion_rate: c.completed / c.total,
      source: 'collaborative_filtering',
      evidence: c.evidence,
    }))
    .sort(byScore)
    .slice(0, limit);
}

function fromBaselines(store: Store, index: UserIndex, user: string, limit: number): Recommendation[] {
  const tried = index.users.get(user) ?? new Map<string, SkillUse>();
  return getCommunityBaselines(store, { limit: Math.min(limit + tried.size, 10_000) })
    .filter((b) => !tried.has(b.skill_name))
    .slice(0, limit)
    .map((b) => ({
      skill_name: b.skill_name,
      score: b.effectiveness_percentile / 100,
      completion_rate: b.global_completion_rate,
      source: 'community_baseline',
      evidence: b.total_users,
    }));
}

function byScore(a: Recommendation, b: Recommendation): number {
  return b.score - a.score || (b.evidence ?? 0) - (a.evidence ?? 0) || (a.skill_name < b.skill_name ? -1 : 1);
}

