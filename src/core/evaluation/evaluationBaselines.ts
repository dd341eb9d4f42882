/**
 * The simple predictors an evaluation puts beside the product's, learned online from the same
 * replay (each asked before the run it is scored on): everyone's most frequent skill, the user's
 * most frequent, the user's first-order Markov chain (its row for the previous skill, filled up from
 * the user's most frequent when the row is short); and for discovery, popularity among other users
 * and user-user Jaccard with 5 neighbours. Ties go to the name that sorts first, so results are
 * deterministic.
 */

/** The `k` keys with the largest counts (ties by name), leaving out `excluded`. */
function topCounts(counts: ReadonlyMap<string, number>, k: number, excluded: ReadonlySet<string> = new Set()): string[] {
  const best: [string, number][] = [];
  for (const entry of counts) {
    if (excluded.has(entry[0])) continue;
    let at = best.length;
    while (at > 0 && (best[at - 1][1] < entry[1] || (best[at - 1][1] === entry[1] && best[at - 1][0] > entry[0]))) at--;
    if (at >= k) continue;
    best.splice(at, 0, entry);
    if (best.length > k) best.pop();
  }
  return best.map(([skill]) => skill);
}

function increment(counts: Map<string, number>, key: string, by = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + by);
}

interface UserCounts {
  skills: Map<string, number>;
  transitions: Map<string, Map<string, number>>;
  previous?: string;
}

export type BaselineName = 'everyone_most_frequent' | 'user_most_frequent' | 'user_markov_1';
export const BASELINES: readonly BaselineName[] = ['everyone_most_frequent', 'user_most_frequent', 'user_markov_1'];

export class NextSkillBaselines {
  private readonly everyone = new Map<string, number>();
  private readonly users = new Map<string, UserCounts>();

  observe(user: string, skill: string): void {
    const counts = this.userCounts(user);
    increment(this.everyone, skill);
    increment(counts.skills, skill);
    if (counts.previous !== undefined) {
      const row = counts.transitions.get(counts.previous) ?? new Map<string, number>();
      counts.transitions.set(counts.previous, row);
      increment(row, skill);
    }
    counts.previous = skill;
  }

  predict(name: BaselineName, user: string, k: number): string[] {
    const counts = this.users.get(user);
    if (name === 'everyone_most_frequent') return topCounts(this.everyone, k);
    if (!counts) return [];
    if (name === 'user_most_frequent') return topCounts(counts.skills, k);
    const row = counts.previous === undefined ? undefined : counts.transitions.get(counts.previous);
    const fromRow = row ? topCounts(row, k) : [];
    return fromRow.concat(topCounts(counts.skills, k - fromRow.length, new Set(fromRow)));
  }

  private userCounts(user: string): UserCounts {
    let counts = this.users.get(user);
    if (!counts) {
      counts = { skills: new Map(), transitions: new Map() };
      this.users.set(user, counts);
    }
    return counts;
  }
}

export type DiscoveryBaselineName = 'popularity' | 'jaccard_user_user_5';
export const DISCOVERY_BASELINES: readonly DiscoveryBaselineName[] = ['popularity', 'jaccard_user_user_5'];
const NEIGHBOURS = 5;

/** What each user has run so far, for the discovery baselines. */
export class DiscoveryBaselines {
  private readonly skillsOf = new Map<string, Set<string>>();

  observe(user: string, skill: string): void {
    const skills = this.skillsOf.get(user) ?? new Set<string>();
    this.skillsOf.set(user, skills);
    skills.add(skill);
  }

  /** The user's top `k` skills not run yet. */
  recommend(name: DiscoveryBaselineName, user: string, k: number): string[] {
    const own = this.skillsOf.get(user) ?? new Set<string>();
    const scores = new Map<string, number>();
    const others = [...this.skillsOf].filter(([other]) => other !== user);
    if (name === 'popularity') {
      for (const [, skills] of others) for (const skill of skills) increment(scores, skill);
    } else {
      const nearest = others
        .map(([other, skills]) => ({ other, skills, similarity: jaccard(own, skills) }))
        .filter((n) => n.similarity > 0)
        .sort((a, b) => b.similarity - a.similarity || (a.other < b.other ? -1 : 1))
        .slice(0, NEIGHBOURS);
      for (const { skills, similarity } of nearest) for (const skill of skills) increment(scores, skill, similarity);
    }
    return topCounts(scores, k, own);
  }
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let shared = 0;
  for (const skill of a) if (b.has(skill)) shared++;
  const union = a.size + b.size - shared;
  return union > 0 ? shared / union : 0;
}
