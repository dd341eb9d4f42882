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
 * posterior multiplied by the probability it gave each run. Fixed share with a decreasing switch
 * rate (1/(t+1) after t runs; Herbster & Warmuth 1998, the parameter-free choice) lets the average
 * move from a fast rate early to a slow one later.
 *
 * Weights come in sets chosen by a small context (the caller's `set`: how deep the known context
 * is, the last outcome), because how far to trust a long context depends on how long it is. Each
 * user has an offset on the shared weights, learned by the same steps: a new user starts with
 * everyone's weights (offset 0) and moves away only as far as their own runs show.
 */

const RATES: readonly number[] = [0.0005, 0.002, 0.008];

/** The weights of one set: per rate, one weight per input (rate-major). */
export interface SharedWeights {
  weights: Float64Array;
  /** Per rate, its posterior weight (they sum to 1). */
  posterior: Float64Array;
  updates: number;
}

/** A user's offsets on a set's weights, per rate (rate-major). */
export type OwnWeights = Float64Array;

export type OwnWeightSets = Map<number, OwnWeights>;

export class LogLinearMixer {
  private readonly shared = new Map<number, SharedWeights>();

  constructor(readonly inputs: number) {}

  /** Room for the per-rate probabilities of `columns` candidates. */
  static perRateSize(columns: number): number {
    return RATES.length * columns;
  }

  newOwn(): OwnWeights {
    return new Float64Array(RATES.length * this.inputs);
  }

  /** The shared weights of a set, created at 1/inputs each (the normalised geometric mean). */
  sharedSet(set: number): SharedWeights {
    let found = this.shared.get(set);
    if (!found) {
      found = { weights: new Float64Array(RATES.length * this.inputs).fill(1 / this.inputs), posterior: new Float64Array(RATES.length).fill(1 / RATES.length), updates: 0 };
      this.shared.set(set, found);
    }
    return found;
  }

  /** The weight of input i in the average of the rates (for explaining an item). */
  weightOf(shared: SharedWeights, own: OwnWeights | undefined, i: number): number {
    const posterior = shared.posterior;
    let weight = 0;
    for (let r = 0; r < RATES.length; r++) weight += posterior[r] * (shared.weights[r * this.inputs + i] + (own ? own[r * this.inputs + i] : 0));
    return weight;
  }

  /**
   * Probabilities of `columns` candidates from the inputs `x` (input-major) into `out`; each rate's
   * own probabilities into `perRate` (rate-major), which `learn` needs.
   */
  mix(x: Float64Array, columns: number, shared: SharedWeights, own: OwnWeights | undefined, out: Float64Array, perRate: Float64Array): void {
    const posterior = shared.posterior;
    out.fill(0, 0, columns);
    for (let r = 0; r < RATES.length; r++) {
      const at = r * columns;
      const base = r * this.inputs;
      perRate.fill(0, at, at + columns);
      for (let i = 0; i < this.inputs; i++) {
        const weight = shared.weights[base + i] + (own ? own[base + i] : 0);
        const row = i * columns;
        for (let c = 0; c < columns; c++) perRate[at + c] += weight * x[row + c];
      }
      softmaxInPlace(perRate, at, columns);
      for (let c = 0; c < columns; c++) out[c] += posterior[r] * perRate[at + c];
    }
  }

  /** One step towards `target` (a column) for every rate, the shared weights and the user's own. */
  learn(x: Float64Array, columns: number, perRate: Float64Array, target: number, shared: SharedWeights, own: OwnWeights): void {
    for (let r = 0; r < RATES.length; r++) {
      const at = r * columns;
      const base = r * this.inputs;
      for (let i = 0; i < this.inputs; i++) {
        const row = i * columns;
        let expected = 0;
        for (let c = 0; c < columns; c++) expected += perRate[at + c] * x[row + c];
        const step = RATES[r] * (x[row + target] - expected);
        shared.weights[base + i] += step;
        own[base + i] += step;
      }
    }
    updatePosterior(shared, perRate, columns, target);
  }
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
