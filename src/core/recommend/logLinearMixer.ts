/**
 * Geometric (log-linear) mixing of experts, trained online on log-loss.
 *
 *   score(c) = Σ_i w_i · log p_i(c),   p(c) = exp(score(c)) / Σ_c' exp(score(c'))
 *
 * After each run y every weight takes one gradient step on log p(y), whose gradient is
 * g_i = log p_i(y) − Σ_c p(c)·log p_i(c): an expert gains weight when it gave the actual run more
 * log-probability than the mixture expected. A product of experts, unlike a weighted average, lets
 * a confident specialist (a long context) overrule the others, and the weights' sum also sets how
 * sharp the output is, so log-loss training calibrates it too.
 *
 * The step size is learned too: one weight vector per rate of the grid RATES (×4 apart, spanning
 * the rates context-mixing compressors use), and the output is their Bayesian average, each rate's
 * posterior multiplied by the probability it gave each run (kept per weight set below, so a
 * context can settle on its own rate). Fixed share with a decreasing switch rate (1/(t+1) after t
 * runs; Herbster & Warmuth 1998, the parameter-free choice) lets the average move from a fast rate
 * early to a slow one later.
 *
 * Weights come in sets chosen by small contexts, because how far to trust each expert depends on
 * where the user is. Three add up: a general set chosen by how deep the user's known context is
 * and the last outcome (few, well trained), a specific set chosen by the last skill as well (what
 * to trust after this skill; learned as an offset on the general set, so a skill seen rarely falls
 * back to the general weights), and the user's own offset on the general set (a new user starts
 * with everyone's weights and moves away only as far as their own runs show). Specific sets are
 * at most `specificCapacity`, the least recently trained dropped in batches.
 */
import { PRUNE_SHARE, pruneCutoff } from './countRow';

const RATES: readonly number[] = [0.0005, 0.002, 0.008];

/** A general set: per rate, one weight per input (rate-major), and the rates' posterior. */
export interface SharedWeights {
  weights: Float64Array;
  /** Per rate, its posterior weight (they sum to 1). */
  posterior: Float64Array;
  updates: number;
}

/** Offsets on a general set's weights, per rate (rate-major): a specific set's, or a user's. */
export type OwnWeights = Float64Array;

export type OwnWeightSets = Map<number, OwnWeights>;

/** The weights one prediction mixes with. */
export interface MixerWeights {
  general: SharedWeights;
  specific: SpecificSet | undefined;
  own: OwnWeights | undefined;
}

/** A specific set: offsets on the general set's weights, and its own rates' posterior. */
interface SpecificSet extends SharedWeights {
  stamp: number;
}

export class LogLinearMixer {
  private readonly general = new Map<number, SharedWeights>();
  private readonly specific = new Map<number, SpecificSet>();
  private readonly untrained: SharedWeights;
  private clock = 0;

  constructor(
    readonly inputs: number,
    private readonly specificCapacity: number,
  ) {
    this.untrained = this.newGeneral();
  }

  /** Room for the per-rate probabilities of `columns` candidates. */
  static perRateSize(columns: number): number {
    return RATES.length * columns;
  }

  newOwn(): OwnWeights {
    return new Float64Array(RATES.length * this.inputs);
  }

  /** The weights of two sets and a user's offsets, as trained so far (reading creates nothing). */
  weightsFor(general: number, specific: number, own: OwnWeights | undefined): MixerWeights {
    return { general: this.general.get(general) ?? this.untrained, specific: this.specific.get(specific), own };
  }

  /** The weight of input i in the average of the rates (for explaining an item). */
  weightOf(weights: MixerWeights, i: number): number {
    const posterior = posteriorOf(weights);
    let weight = 0;
    for (let r = 0; r < RATES.length; r++) weight += posterior[r] * this.weightAt(weights, r * this.inputs + i);
    return weight;
  }

  /**
   * Probabilities of `columns` candidates from the inputs `x` (input-major) into `out`; each rate's
   * own probabilities into `perRate` (rate-major), which `learn` needs.
   */
  mix(x: Float64Array, columns: number, weights: MixerWeights, out: Float64Array, perRate: Float64Array): void {
    const posterior = posteriorOf(weights);
    out.fill(0, 0, columns);
    for (let r = 0; r < RATES.length; r++) {
      const at = r * columns;
      const base = r * this.inputs;
      perRate.fill(0, at, at + columns);
      for (let i = 0; i < this.inputs; i++) {
        const weight = this.weightAt(weights, base + i);
        const row = i * columns;
        for (let c = 0; c < columns; c++) perRate[at + c] += weight * x[row + c];
      }
      softmaxInPlace(perRate, at, columns);
      for (let c = 0; c < columns; c++) out[c] += posterior[r] * perRate[at + c];
    }
  }

  /** One step towards `target` (a column) for every rate and all three sets (created as needed). */
  learn(x: Float64Array, columns: number, perRate: Float64Array, target: number, sets: { general: number; specific: number; own: OwnWeights }): void {
    const general = this.generalSet(sets.general);
    const specific = this.specificSet(sets.specific, general);
    for (let r = 0; r < RATES.length; r++) {
      const at = r * columns;
      const base = r * this.inputs;
      for (let i = 0; i < this.inputs; i++) {
        const row = i * columns;
        let expected = 0;
        for (let c = 0; c < columns; c++) expected += perRate[at + c] * x[row + c];
        const step = RATES[r] * (x[row + target] - expected);
        general.weights[base + i] += step;
        specific.weights[base + i] += step;
        sets.own[base + i] += step;
      }
    }
    updatePosterior(general, perRate, columns, target);
    updatePosterior(specific, perRate, columns, target);
  }

  private weightAt(weights: MixerWeights, at: number): number {
    return weights.general.weights[at] + (weights.specific ? weights.specific.weights[at] : 0) + (weights.own ? weights.own[at] : 0);
  }

  /** General sets start at 1/inputs each (the normalised geometric mean of the experts). */
  private newGeneral(): SharedWeights {
    return { weights: new Float64Array(RATES.length * this.inputs).fill(1 / this.inputs), posterior: new Float64Array(RATES.length).fill(1 / RATES.length), updates: 0 };
  }

  private generalSet(key: number): SharedWeights {
    let found = this.general.get(key);
    if (!found) this.general.set(key, (found = this.newGeneral()));
    return found;
  }

  /** A new specific set starts with no offsets and the general set's posterior. */
  private specificSet(key: number, general: SharedWeights): SpecificSet {
    let found = this.specific.get(key);
    if (!found) {
      this.specific.set(key, (found = { weights: this.newOwn(), posterior: general.posterior.slice(), updates: general.updates, stamp: 0 }));
      if (this.specific.size > this.specificCapacity) this.pruneSpecific();
    }
    found.stamp = ++this.clock;
    return found;
  }

  private pruneSpecific(): void {
    const stamps: number[] = [];
    for (const set of this.specific.values()) stamps.push(set.stamp);
    const cutoff = pruneCutoff(stamps, Math.floor(this.specificCapacity * (1 - PRUNE_SHARE)));
    for (const [key, set] of this.specific) if (set.stamp < cutoff) this.specific.delete(key);
  }
}

/** The rates' posterior of the most specific set trained. */
function posteriorOf(weights: MixerWeights): Float64Array {
  return (weights.specific ?? weights.general).posterior;
}

/**
 * Bayes' rule on the rates' probabilities of the run, then fixed share at rate 1/(t+1): a little of
 * the posterior is spread evenly again after each run.
 */
function updatePosterior(shared: SharedWeights, perRate: Float64Array, columns: number, target: number): void {
  const posterior = shared.posterior;
  let sum = 0;
  for (let r = 0; r < RATES.length; r++) sum += posterior[r] *= perRate[r * columns + target];
  shared.updates++;
  const share = 1 / (shared.updates + 1);
  for (let r = 0; r < RATES.length; r++) posterior[r] = sum > 0 ? (1 - share) * (posterior[r] / sum) + share / RATES.length : 1 / RATES.length;
}

function softmaxInPlace(scores: Float64Array, at: number, columns: number): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let c = at; c < at + columns; c++) if (scores[c] > max) max = scores[c];
  let sum = 0;
  for (let c = at; c < at + columns; c++) {
    scores[c] = Math.exp(scores[c] - max);
    sum += scores[c];
  }
  for (let c = at; c < at + columns; c++) scores[c] /= sum;
}
