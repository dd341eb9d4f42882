/**
 * A prediction's probabilities: one per candidate skill, and one for the rest (every other skill,
 * including skills nobody has run yet). A copy: it stays valid after the model learns more, except
 * for the split of the rest among its skills, which reads the model's counts and is therefore only
 * given while the model is unchanged (`restShare` throws after that, rather than answer from
 * counts the prediction did not have).
 */
import type { SkillVocabulary } from './skillVocabulary';

export interface RankedSkill {
  skill: string;
  probability: number;
}

/** The share of the rest a skill id (undefined: a name nobody has run) gets, while the model is unchanged. */
export type RestShare = (id: number | undefined) => number;

export class SkillDistribution {
  constructor(
    private readonly vocabulary: SkillVocabulary,
    private readonly ids: Int32Array,
    /** Per candidate, then the rest last. */
    private readonly probabilities: Float64Array,
    private readonly restShare: RestShare,
  ) {}

  get candidates(): number {
    return this.ids.length;
  }

  /** The probability that the next run is none of the candidates. */
  get rest(): number {
    return this.probabilities[this.ids.length];
  }

  /** The k most probable skills, most probable first (ties by name). */
  top(k: number): RankedSkill[] {
    return topSlots(this.probabilities, this.ids.length, k, (slot) => this.vocabulary.name(this.ids[slot])).map((slot) => ({
      skill: this.vocabulary.name(this.ids[slot]),
      probability: this.probabilities[slot],
    }));
  }

  probability(skill: string): number {
    const id = this.vocabulary.find(skill);
    if (id !== undefined) {
      for (let slot = 0; slot < this.ids.length; slot++) if (this.ids[slot] === id) return this.probabilities[slot];
    }
    return this.rest * this.restShare(id);
  }
}

/** The slots of the `k` largest values among the first `size`, largest first, ties by name. */
export function topSlots(values: Float64Array, size: number, k: number, nameOf: (slot: number) => string): number[] {
  const chosen: number[] = [];
  for (let slot = 0; slot < size; slot++) {
    let position = chosen.length;
    while (position > 0 && ranksBefore(values, slot, chosen[position - 1], nameOf)) position--;
    if (position >= k) continue;
    chosen.splice(position, 0, slot);
    if (chosen.length > k) chosen.pop();
  }
  return chosen;
}

function ranksBefore(values: Float64Array, a: number, b: number, nameOf: (slot: number) => string): boolean {
  if (values[a] !== values[b]) return values[a] > values[b];
  return nameOf(a) < nameOf(b);
}
