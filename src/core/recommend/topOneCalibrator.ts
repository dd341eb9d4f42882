/**
 * Makes the top item's probability mean what it says: a monotone map from the mixture's top-1
 * probability to the share of such predictions that were right, fitted online on the predictions
 * already scored (each run is scored before it is learned, so the map never sees the run it is
 * applied to).
 *
 * The top-1 probabilities fall into 20 equal bins; each bin's accuracy is its hits over its
 * predictions, with PRIOR_PREDICTIONS pseudo-predictions that were right exactly as often as they
 * claimed (so with no data the map is the identity, and a bin's own record outweighs the prior
 * once it has more predictions than that); the bins are then made monotone by pool-adjacent-
 * violators (isotonic regression, Zadrozny & Elkan 2002) and read by linear interpolation.
 */

const BINS = 20;
const PRIOR_PREDICTIONS = 20;

export class TopOneCalibrator {
  private readonly predictions = new Float64Array(BINS);
  private readonly hits = new Float64Array(BINS);
  private readonly confidence = new Float64Array(BINS);
  private readonly points = new Float64Array(BINS);
  private readonly accuracy = new Float64Array(BINS);
  private fitted = false;

  learn(probability: number, hit: boolean): void {
    const bin = binOf(probability);
    this.predictions[bin] += 1;
    this.confidence[bin] += probability;
    if (hit) this.hits[bin] += 1;
    this.fitted = false;
  }

  /** The calibrated probability for a top-1 probability. */
  calibrate(probability: number): number {
    if (!this.fitted) this.fit();
    const points = this.points;
    if (probability <= points[0]) return (this.accuracy[0] * probability) / points[0];
    for (let b = 1; b < BINS; b++) {
      if (probability <= points[b]) {
        const share = (probability - points[b - 1]) / (points[b] - points[b - 1]);
        return this.accuracy[b - 1] + share * (this.accuracy[b] - this.accuracy[b - 1]);
      }
    }
    const last = BINS - 1;
    return this.accuracy[last] + ((1 - this.accuracy[last]) * (probability - points[last])) / (1 - points[last]);
  }

  private fit(): void {
    const values: number[] = [];
    const weights: number[] = [];
    for (let b = 0; b < BINS; b++) {
      const centre = (b + 0.5) / BINS;
      const weight = this.predictions[b] + PRIOR_PREDICTIONS;
      this.points[b] = (this.confidence[b] + PRIOR_PREDICTIONS * centre) / weight;
      values.push((this.hits[b] + PRIOR_PREDICTIONS * centre) / weight);
      weights.push(weight);
    }
    const monotone = poolAdjacentViolators(values, weights);
    for (let b = 0; b < BINS; b++) this.accuracy[b] = monotone[b];
    this.fitted = true;
  }
}

function binOf(probability: number): number {
  return Math.min(BINS - 1, Math.max(0, Math.floor(probability * BINS)));
}

/** The non-decreasing sequence closest to `values` in weighted squared error. */
export function poolAdjacentViolators(values: readonly number[], weights: readonly number[]): number[] {
  const blockValue: number[] = [];
  const blockWeight: number[] = [];
  const blockSize: number[] = [];
  for (let i = 0; i < values.length; i++) {
    blockValue.push(values[i]);
    blockWeight.push(weights[i]);
    blockSize.push(1);
    while (blockValue.length > 1 && blockValue[blockValue.length - 2] > blockValue[blockValue.length - 1]) {
      const weight = blockWeight[blockWeight.length - 2] + blockWeight[blockWeight.length - 1];
      const value = (blockValue[blockValue.length - 2] * blockWeight[blockWeight.length - 2] + blockValue[blockValue.length - 1] * blockWeight[blockWeight.length - 1]) / weight;
      const size = blockSize[blockSize.length - 2] + blockSize[blockSize.length - 1];
      blockValue.length -= 1;
      blockWeight.length -= 1;
      blockSize.length -= 1;
      blockValue[blockValue.length - 1] = value;
      blockWeight[blockWeight.length - 1] = weight;
      blockSize[blockSize.length - 1] = size;
    }
  }
  const out: number[] = [];
  for (let b = 0; b < blockValue.length; b++) for (let i = 0; i < blockSize[b]; i++) out.push(blockValue[b]);
  return out;
}
