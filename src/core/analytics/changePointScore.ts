/**
 * How well predicted change points match human annotations: the two metrics of TCPDBench
 * (van den Burg & Williams, "An Evaluation of Change Point Detection Algorithms", arXiv 2003.06222;
 * analysis/scripts/metrics.py), so our detector's figures stand beside the published ones.
 *
 * A change point at t means observation t is the first of a new segment (0-based).
 *
 * - F1 (f_measure, margin M = 5, α = ½): index 0 is added to every annotator's set and to the
 *   predictions. True positives match each true point to the closest unused prediction within M
 *   (ties to the smaller index), walking the true points in ascending order. Precision is against
 *   the union of the annotators, recall is the mean over annotators, F = PR / (αR + (1−α)P).
 * - Cover (covering; Arbeláez et al., TPAMI 2011, eq. 8): each annotator's segments, weighted by
 *   length, take the best Jaccard overlap with a predicted segment; the mean over annotators.
 */

/** One annotator's change points per annotator id, as TCPD's annotations.json holds them. */
export type Annotations = Readonly<Record<string, readonly number[]>>;

export const F1_MARGIN = 5;
const ALPHA = 0.5;

/** The sorted set of `points` with 0 added (every segmentation starts a segment at 0). */
function withOrigin(points: Iterable<number>): number[] {
  const set = new Set<number>([0]);
  for (const p of points) set.add(p);
  return [...set].sort((a, b) => a - b);
}

/** How many true points find an unused prediction within the margin, each prediction used once. */
export function countTruePositives(truth: readonly number[], predictions: readonly number[], margin = F1_MARGIN): number {
  const unused = new Set(predictions);
  let hits = 0;
  for (const tau of [...new Set(truth)].sort((a, b) => a - b)) {
    let best: number | undefined;
    for (const x of unused) {
      const d = Math.abs(tau - x);
      if (d > margin) continue;
      if (best === undefined || d < Math.abs(tau - best) || (d === Math.abs(tau - best) && x < best)) best = x;
    }
    if (best === undefined) continue;
    hits++;
    unused.delete(best);
  }
  return hits;
}

export interface F1Score {
  f1: number;
  precision: number;
  recall: number;
}

/** TCPDBench's f_measure: precision against the union of the annotators, recall averaged over them. */
export function f1Score(annotations: Annotations, predictions: readonly number[], margin = F1_MARGIN): F1Score {
  const sets = Object.values(annotations).map(withOrigin);
  if (sets.length === 0) throw new RangeError('at least one annotator is needed');
  const x = withOrigin(predictions);
  const union = withOrigin(sets.flat());
  const precision = countTruePositives(union, x, margin) / x.length;
  let recallSum = 0;
  for (const truth of sets) recallSum += countTruePositives(truth, x, margin) / truth.length;
  const recall = recallSum / sets.length;
  const f1 = (precision * recall) / (ALPHA * recall + (1 - ALPHA) * precision);
  return { f1, precision, recall };
}

/** Half-open [start, end) segments of 0..length−1 that start at each change point. */
export function segmentsOf(changePoints: readonly number[], length: number): [number, number][] {
  for (const c of changePoints) {
    if (!Number.isInteger(c) || c < 0 || c >= length) throw new RangeError(`change point ${c} is outside 0..${length - 1}`);
  }
  const starts = withOrigin(changePoints);
  return starts.map((start, i) => [start, i + 1 < starts.length ? starts[i + 1] : length]);
}

/** C(S', S): the length-weighted best Jaccard overlap of each true segment with a predicted one. */
function cover(truth: [number, number][], predicted: [number, number][], length: number): number {
  let total = 0;
  let j = 0;
  for (const [a, b] of truth) {
    // Predicted segments are sorted: skip those that end before this true segment begins.
    while (j < predicted.length && predicted[j][1] <= a) j++;
    let best = 0;
    for (let k = j; k < predicted.length && predicted[k][0] < b; k++) {
      const [c, d] = predicted[k];
      const overlap = Math.min(b, d) - Math.max(a, c);
      const union = Math.max(b, d) - Math.min(a, c);
      best = Math.max(best, overlap / union);
    }
    total += (b - a) * best;
  }
  return total / length;
}

/** TCPDBench's covering: the mean over annotators of how well the predicted segments cover theirs. */
export function coverScore(annotations: Annotations, predictions: readonly number[], length: number): number {
  const sets = Object.values(annotations);
  if (sets.length === 0) throw new RangeError('at least one annotator is needed');
  if (!Number.isInteger(length) || length < 1) throw new RangeError('the series needs at least one observation');
  const predicted = segmentsOf(predictions, length);
  let sum = 0;
  for (const truth of sets) sum += cover(segmentsOf(truth, length), predicted, length);
  return sum / sets.length;
}
