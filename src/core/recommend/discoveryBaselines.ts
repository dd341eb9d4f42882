/**
 * The simple rankings a discovery evaluation puts beside the model, over the same runs:
 *
 * - popularity: the skills run by the most other users;
 * - Jaccard user-user, k neighbours: the k users whose sets of skills run are most like yours
 *   (Jaccard |A∩B|/|A∪B|), each skill scored by the summed similarity of the neighbours who run it.
 *
 * Both never rank a skill the user has run; ties go by name.
 */

export interface DiscoveryBaseline {
  readonly name: string;
  recommend(user: string, k: number): string[];
}

class SkillSets {
  readonly users = new Map<string, Set<string>>();
  readonly usersOf = new Map<string, number>();

  observe(user: string, skill: string): void {
    let skills = this.users.get(user);
    if (!skills) this.users.set(user, (skills = new Set()));
    if (skills.has(skill)) return;
    skills.add(skill);
    this.usersOf.set(skill, (this.usersOf.get(skill) ?? 0) + 1);
  }
}

function ranked(scores: Map<string, number>, exclude: Set<string> | undefined, k: number): string[] {
  const skills: string[] = [];
  for (const [skill, score] of scores) if (score > 0 && !exclude?.has(skill)) skills.push(skill);
  skills.sort((a, b) => (scores.get(b) ?? 0) - (scores.get(a) ?? 0) || (a < b ? -1 : 1));
  return skills.slice(0, k);
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let shared = 0;
  for (const skill of a) if (b.has(skill)) shared++;
  return shared === 0 ? 0 : shared / (a.size + b.size - shared);
}

/** Both baselines over one set of counts; `observe` feeds them both. */
export class DiscoveryBaselines {
  private readonly sets = new SkillSets();
  readonly all: readonly DiscoveryBaseline[];

  constructor(neighbours: number) {
    this.all = [
      { name: 'popularity', recommend: (user, k) => ranked(this.sets.usersOf, this.sets.users.get(user), k) },
      { name: `Jaccard user-user, ${neighbours} neighbours`, recommend: (user, k) => this.neighbourhood(user, neighbours, k) },
    ];
  }

  observe(user: string, skill: string): void {
    this.sets.observe(user, skill);
  }

  private neighbourhood(user: string, neighbours: number, k: number): string[] {
    const mine = this.sets.users.get(user) ?? new Set<string>();
    const similar: { skills: Set<string>; similarity: number; name: string }[] = [];
    for (const [name, skills] of this.sets.users) if (name !== user) similar.push({ skills, similarity: jaccard(mine, skills), name });
    similar.sort((a, b) => b.similarity - a.similarity || (a.name < b.name ? -1 : 1));
    const scores = new Map<string, number>();
    for (const neighbour of similar.slice(0, neighbours)) for (const skill of neighbour.skills) scores.set(skill, (scores.get(skill) ?? 0) + neighbour.similarity);
    return ranked(scores, mine, k);
  }
}
