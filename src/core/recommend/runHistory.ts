/**
 * One user's runs in order (the newest `capacity` of them, session starts included as a marker),
 * and what is read from that order rather than from counts:
 *
 * - the match: when the last MATCH_MIN runs repeat a stretch seen before, the run that followed it
 *   then, and how long the repeat is (a longer repeat of a scripted or habitual sequence predicts
 *   better; how much better is learned by the model, per length);
 * - the distinct skills run most recently, newest first;
 * - how often a skill ran among the last n runs (for the reasons shown to the user).
 *
 * Following the match costs O(1) per run: the pointer moves on while the runs keep agreeing, and
 * only a disagreement looks the context up again (by a hash of the last MATCH_MIN runs, checked
 * against the runs themselves, so a hash collision cannot produce a false match).
 */
import { SESSION_START } from './skillVocabulary';

export const MATCH_MIN = 4;
const MATCH_MAX = 64;
const RECENT_DISTINCT = 8;

export interface Match {
  id: number;
  length: number;
}

export class RunHistory {
  private runs: Int32Array;
  private count = 0;
  private pointer = -1;
  private matched = 0;
  private readonly lastSeen = new Map<number, number>();
  private readonly recent: number[] = [];

  constructor(private readonly capacity: number) {
    this.runs = new Int32Array(Math.min(capacity, 64));
  }

  /** The run predicted by the current match, or undefined. */
  match(): Match | undefined {
    if (this.pointer < 0) return undefined;
    return { id: this.at(this.pointer), length: this.matched };
  }

  /** The distinct skills run most recently, newest first (at most 8). */
  recentDistinct(): readonly number[] {
    return this.recent;
  }

  /** How many of the last `window` runs (session markers not counted) were `id`. */
  countInLast(id: number, window: number): { count: number; runs: number } {
    let count = 0;
    let runs = 0;
    for (let i = this.count - 1; i >= this.oldest() && runs < window; i--) {
      const run = this.at(i);
      if (run === SESSION_START) continue;
      runs++;
      if (run === id) count++;
    }
    return { count, runs };
  }

  record(id: number): void {
    const follows = this.pointer >= 0 && this.at(this.pointer) === id;
    this.append(id);
    if (follows) {
      this.pointer++;
      this.matched = Math.min(MATCH_MAX, this.matched + 1);
    } else {
      this.pointer = -1;
      this.matched = 0;
    }
    if (id !== SESSION_START) this.touchRecent(id);
    if (this.count < MATCH_MIN) return;
    const hash = this.tailHash();
    if (this.pointer < 0) this.findMatch(this.lastSeen.get(hash));
    this.lastSeen.delete(hash);
    this.lastSeen.set(hash, this.count);
    if (this.lastSeen.size > this.capacity) this.lastSeen.delete(this.lastSeen.keys().next().value as number);
  }

  private findMatch(candidate: number | undefined): void {
    if (candidate === undefined || candidate <= this.oldest()) return;
    let length = 0;
    while (length < MATCH_MAX && candidate - 1 - length >= this.oldest() && this.at(candidate - 1 - length) === this.at(this.count - 1 - length)) length++;
    if (length < MATCH_MIN) return;
    this.pointer = candidate;
    this.matched = length;
  }

  private tailHash(): number {
    let hash = 0x811c9dc5;
    for (let i = this.count - MATCH_MIN; i < this.count; i++) hash = Math.imul(hash ^ this.at(i), 0x01000193) >>> 0;
    return hash;
  }

  private touchRecent(id: number): void {
    const position = this.recent.indexOf(id);
    if (position >= 0) this.recent.splice(position, 1);
    this.recent.unshift(id);
    if (this.recent.length > RECENT_DISTINCT) this.recent.pop();
  }

  private append(id: number): void {
    if (this.count >= this.runs.length && this.runs.length < this.capacity) {
      const grown = new Int32Array(Math.min(this.capacity, this.runs.length * 2));
      grown.set(this.runs);
      this.runs = grown;
    }
    this.runs[this.count % this.runs.length] = id;
    this.count++;
  }

  private oldest(): number {
    return Math.max(0, this.count - this.runs.length);
  }

  private at(index: number): number {
    return this.runs[index % this.runs.length];
  }
}
