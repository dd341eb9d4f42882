/**
 * "Discover": skills users with a history like yours run that you have not tried, ranked by a model
 * learned from the data's own discoveries.
 *
 * Each time a user runs a skill for the first time that someone else already runs, that is a
 * discovery, and a training example: the model scores every skill the user had not run yet,
 *
 *   score(x) = θ_1 · ln(1 + users who run x) + θ_2 · (similarity-weighted share of the others who run x)
 *
 * (similarity: Jaccard of the sets of skills run, over all other users, so no neighbourhood size is
 * chosen), turns the scores into probabilities (softmax) and takes one AdaGrad step (rate 0.01, the
 * common default) on the log-probability of the skill actually discovered. The learned θ say how
 * much plain popularity and likeness are worth for this population (Murphy-Hill et al. 2012 found
 * that past discoveries are the useful signal for recommending development commands).
 *
 * Bounded: at most `maxUsers` users (the one active longest ago is forgotten entirely) and
 * `maxSkills` skill names; a discovery costs O(skills run by all users), any other run O(1).
 */
import { ValidationError } from '../validation';
import { SkillVocabulary, isSkillId } from './skillVocabulary';

const RATE = 0.01;
const FEATURES = 2;
const DEFAULT_MAX_USERS = 1_000;
const DEFAULT_MAX_SKILLS = 100_000;
/** How many of the most similar users a reason names ("4 of the 5 users most like you"). */
const REASON_NEIGHBOURS = 5;

export interface DiscoveryEvidence {
  /** Users other than you who have run the skill. */
  users: number;
  /** Other users with a known history. */
  otherUsers: number;
  /** Of the REASON_NEIGHBOURS users most like you (Jaccard of skills run), how many run it. */
  similarUsers: number;
  neighbours: number;
}

export interface DiscoveredSkill {
  skill: string;
  /** Of the skills you have not run, the model's probability that this is the next one you try. */
  probability: number;
  reason: string;
  evidence: DiscoveryEvidence;
}

interface DiscoveryUser {
  index: number;
  skills: Set<number>;
  /** Other user index → how many skills both have run. */
  shared: Map<number, number>;
  lastActive: number;
}

interface Scored {
  ids: number[];
  features: Float64Array;
  probabilities: Float64Array;
}

export class DiscoveryModel {
  private readonly vocabulary: SkillVocabulary;
  private readonly users = new Map<string, DiscoveryUser>();
  private readonly byIndex = new Map<number, DiscoveryUser>();
  /** Skill id → indices of the users who have run it. */
  private readonly usersOf = new Map<number, Set<number>>();
  private readonly theta = new Float64Array(FEATURES);
  private readonly squares = new Float64Array(FEATURES);
  private nextIndex = 0;
  private clock = 0;
  private readonly maxUsers: number;

  constructor(options: { maxUsers?: number; maxSkills?: number } = {}) {
    this.maxUsers = options.maxUsers ?? DEFAULT_MAX_USERS;
    this.vocabulary = new SkillVocabulary(options.maxSkills ?? DEFAULT_MAX_SKILLS);
  }

  /** The learned weights (popularity, likeness): what the ranking is made of. */
  get weights(): readonly number[] {
    return Array.from(this.theta);
  }

  observe(run: { user: string; skill: string }): void {
    if (typeof run.user !== 'string' || typeof run.skill !== 'string') throw new ValidationError('run', 'user and skill must be strings');
    const user = this.userFor(run.user);
    user.lastActive = ++this.clock;
    const id = this.vocabulary.intern(run.skill);
    if (!isSkillId(id) || user.skills.has(id)) return;
    const others = this.usersOf.get(id);
    if (others && others.size > 0 && user.skills.size > 0) this.learn(user, id);
    this.add(user, id);
  }

  /** The k skills this user has not run that the model ranks highest, with the evidence. */
  recommend(userName: string, k: number): DiscoveredSkill[] {
    const user = this.users.get(userName);
    const scored = this.score(user);
    const order = scored.ids.map((_, i) => i);
    const names = scored.ids.map((id) => this.vocabulary.name(id));
    order.sort((a, b) => scored.probabilities[b] - scored.probabilities[a] || (names[a] < names[b] ? -1 : 1));
    const neighbours = user ? this.mostSimilar(user, REASON_NEIGHBOURS) : [];
    return order.slice(0, k).map((i) => {
      const evidence = this.evidence(user, scored.ids[i], neighbours);
      return { skill: names[i], probability: scored.probabilities[i], reason: discoveryReason(evidence), evidence };
    });
  }

  private learn(user: DiscoveryUser, discovered: number): void {
    const scored = this.score(user);
    const target = scored.ids.indexOf(discovered);
    if (target < 0) return;
    for (let f = 0; f < FEATURES; f++) {
      let expected = 0;
      for (let i = 0; i < scored.ids.length; i++) expected += scored.probabilities[i] * scored.features[i * FEATURES + f];
      const gradient = scored.features[target * FEATURES + f] - expected;
      if (gradient === 0) continue;
      this.squares[f] += gradient * gradient;
      this.theta[f] += (RATE * gradient) / Math.sqrt(this.squares[f]);
    }
  }

  /** Features and probabilities of every skill someone runs and this user has not. */
  private score(user: DiscoveryUser | undefined): Scored {
    const likeness = this.likeness(user);
    const ids: number[] = [];
    for (const [id, runners] of this.usersOf) if (runners.size > 0 && !user?.skills.has(id)) ids.push(id);
    const features = new Float64Array(ids.length * FEATURES);
    const probabilities = new Float64Array(ids.length);
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < ids.length; i++) {
      features[i * FEATURES] = Math.log1p(this.usersOf.get(ids[i])?.size ?? 0);
      features[i * FEATURES + 1] = likeness.get(ids[i]) ?? 0;
      probabilities[i] = this.theta[0] * features[i * FEATURES] + this.theta[1] * features[i * FEATURES + 1];
      if (probabilities[i] > max) max = probabilities[i];
    }
    let sum = 0;
    for (let i = 0; i < ids.length; i++) sum += probabilities[i] = Math.exp(probabilities[i] - max);
    for (let i = 0; i < ids.length; i++) probabilities[i] /= sum;
    return { ids, features, probabilities };
  }

  /** Skill id → Σ similarity of the others who run it / Σ similarity of all others. */
  private likeness(user: DiscoveryUser | undefined): Map<number, number> {
    const shares = new Map<number, number>();
    if (!user || user.skills.size === 0) return shares;
    let total = 0;
    for (const [index, shared] of user.shared) {
      const other = this.byIndex.get(index);
      if (!other || shared === 0) continue;
      const similarity = shared / (user.skills.size + other.skills.size - shared);
      total += similarity;
      for (const id of other.skills) if (!user.skills.has(id)) shares.set(id, (shares.get(id) ?? 0) + similarity);
    }
    if (total > 0) for (const [id, value] of shares) shares.set(id, value / total);
    return shares;
  }

  private mostSimilar(user: DiscoveryUser, n: number): DiscoveryUser[] {
    const ranked: { other: DiscoveryUser; similarity: number }[] = [];
    for (const [index, shared] of user.shared) {
      const other = this.byIndex.get(index);
      if (other && shared > 0) ranked.push({ other, similarity: shared / (user.skills.size + other.skills.size - shared) });
    }
    ranked.sort((a, b) => b.similarity - a.similarity || a.other.index - b.other.index);
    return ranked.slice(0, n).map((r) => r.other);
  }

  private evidence(user: DiscoveryUser | undefined, id: number, neighbours: readonly DiscoveryUser[]): DiscoveryEvidence {
    let similarUsers = 0;
    for (const other of neighbours) if (other.skills.has(id)) similarUsers++;
    const otherUsers = this.users.size - (user ? 1 : 0);
    return { users: this.usersOf.get(id)?.size ?? 0, otherUsers, similarUsers, neighbours: neighbours.length };
  }

  private userFor(name: string): DiscoveryUser {
    const known = this.users.get(name);
    if (known) return known;
    if (this.users.size >= this.maxUsers) this.forgetLeastActive();
    const user: DiscoveryUser = { index: this.nextIndex++, skills: new Set(), shared: new Map(), lastActive: 0 };
    this.users.set(name, user);
    this.byIndex.set(user.index, user);
    return user;
  }

  private add(user: DiscoveryUser, id: number): void {
    let runners = this.usersOf.get(id);
    if (!runners) this.usersOf.set(id, (runners = new Set()));
    for (const index of runners) {
      const other = this.byIndex.get(index);
      if (!other) continue;
      user.shared.set(index, (user.shared.get(index) ?? 0) + 1);
      other.shared.set(user.index, (other.shared.get(user.index) ?? 0) + 1);
    }
    runners.add(user.index);
    user.skills.add(id);
  }

  private forgetLeastActive(): void {
    let oldest: [string, DiscoveryUser] | undefined;
    for (const entry of this.users) if (!oldest || entry[1].lastActive < oldest[1].lastActive) oldest = entry;
    if (!oldest) return;
    const [name, user] = oldest;
    this.users.delete(name);
    this.byIndex.delete(user.index);
    for (const id of user.skills) this.usersOf.get(id)?.delete(user.index);
    for (const index of user.shared.keys()) this.byIndex.get(index)?.shared.delete(user.index);
  }
}

export function discoveryReason(evidence: DiscoveryEvidence): string {
  const overall = `${evidence.users} of ${evidence.otherUsers} other ${evidence.otherUsers === 1 ? 'user runs' : 'users run'} it`;
  if (evidence.neighbours === 0) return `You have not run it; ${overall}.`;
  return `You have not run it; ${evidence.similarUsers} of the ${evidence.neighbours} users most like you and ${overall}.`;
}
