/**
 * The skills one prediction scores by name: a small set gathered from the top of the rows that
 * apply (see nextSkillExperts.ts). Everything else shares one "rest" column, so a prediction costs
 * O(candidates), not O(skills ever seen).
 *
 * Membership is a stamp per skill id: starting a new set bumps the generation instead of clearing.
 */
import type { CountRow } from './countRow';
import { isSkillId } from './skillVocabulary';

export class CandidateSet {
  ids = new Int32Array(64);
  size = 0;
  private slots = new Int32Array(64);
  private stamps = new Uint32Array(64);
  private generation = 0;

  /** Starts an empty set for ids below `idLimit`. */
  reset(idLimit: number): void {
    if (idLimit > this.slots.length) {
      const length = Math.max(idLimit, this.slots.length * 2);
      this.slots = new Int32Array(length);
      this.stamps = new Uint32Array(length);
    }
    this.generation++;
    this.size = 0;
  }

  /** The column of `id`, or −1 when it is not a candidate (its mass is in the rest column). */
  slotOf(id: number): number {
    return id < this.stamps.length && this.stamps[id] === this.generation ? this.slots[id] : -1;
  }

  add(id: number): void {
    if (!isSkillId(id) || this.slotOf(id) >= 0) return;
    if (this.size === this.ids.length) {
      const grown = new Int32Array(this.ids.length * 2);
      grown.set(this.ids);
      this.ids = grown;
    }
    this.stamps[id] = this.generation;
    this.slots[id] = this.size;
    this.ids[this.size++] = id;
  }

  /** Adds the `limit` most counted ids of a row. */
  addTop(row: CountRow | undefined, limit: number): void {
    if (!row) return;
    const n = Math.min(limit, row.distinct);
    for (let rank = 0; rank < n; rank++) this.add(row.idAt(rank));
  }
}
