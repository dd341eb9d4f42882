/**
 * The segmentation of least total cost, Σ cost(segment) + β·(number of changes), found by optimal
 * partitioning with PELT's pruning (Killick, Fearnhead & Eckley, JASA 2012):
 * F(t) = min over τ of F(τ) + cost(τ, t) + β, keeping as candidates only the τ that may still begin
 * the last segment of a longer series.
 *
 * PELT drops τ once F(τ) + cost(τ, t) + K > F(t), which is exact when splitting a segment never
 * raises its cost by more than −K. Costs that integrate a segment's variance out (segmentCosts.ts)
 * have no such bound (a new segment re-learns its variance, which costs more the longer the data
 * it could have shared), so two search settings stand in for it: a candidate is kept while it is
 * within `pruneMargin` of the best, and at most `maxCandidates` of the best are kept (the
 * "R most probable run lengths" of pruned Bayesian online change-point detection). The caller
 * chooses both, and changePoints.test.ts checks the result against the unpruned search.
 *
 * Incremental: `extend()` takes the points the cost has gained since the last call, at
 * O(candidates) each, so a new run does not recompute a long history.
 */
import { NumberColumn } from './numberColumn';
import type { SegmentCost } from './segmentCosts';

export interface SearchOptions {
  /** β: what each change point costs beyond the parameters of the segment it starts. */
  changePenalty: number;
  /** Fewest time indices in a segment. */
  minSegment: number;
  /** How much worse than the best a candidate may be and still be kept (Infinity: no pruning). */
  pruneMargin: number;
  /** Most candidates kept (Infinity: no limit). */
  maxCandidates: number;
}

/** Where a search stands, as plain data (a worker thread hands it to the editor's thread). */
export interface SearchState {
  best: Float64Array;
  previous: Int32Array;
  candidates: number[];
  totals: number[];
}

export class ChangePointSearch {
  /** best[t]: least cost of indices [0, t) (−β for the empty prefix, so the first segment pays no change). */
  private readonly best: NumberColumn<Float64Array>;
  /** previous[t]: where the last segment of that best segmentation begins. */
  private readonly previous: NumberColumn<Int32Array>;
  private candidates: number[] = [0];
  /** Each candidate's total at the last step (NaN: too recent to end a segment). */
  private totals: number[] = [];

  /** A new search, or one carrying on from `state` over a cost that holds the same points. */
  constructor(private readonly segmentCost: SegmentCost, private readonly options: SearchOptions, state?: SearchState) {
    this.best = new NumberColumn(Float64Array, state ? state.best : [-options.changePenalty]);
    this.previous = new NumberColumn(Int32Array, state ? state.previous : [0]);
    if (!state) return;
    this.candidates = state.candidates.slice();
    this.totals = state.totals.slice();
  }

  state(): SearchState {
    return { best: this.best.values(), previous: this.previous.values(), candidates: this.candidates.slice(), totals: this.totals.slice() };
  }

  /** Indices searched so far. */
  get length(): number {
    return this.best.length - 1;
  }

  /** Takes every index the cost has that the search has not seen. */
  extend(): void {
    while (this.length < this.segmentCost.length) this.step(this.length + 1);
  }

  /** Where each segment after the first begins (0-based, ascending). */
  changePoints(): number[] {
    const points: number[] = [];
    let t = this.length;
    if (!Number.isFinite(this.best.at(t))) return points;
    while (t > 0) {
      t = this.previous.at(t);
      if (t > 0) points.push(t);
    }
    return points.reverse();
  }

  private step(t: number): void {
    const { changePenalty, minSegment } = this.options;
    const candidates = this.candidates;
    const totals = this.totals;
    totals.length = candidates.length;
    let least = Infinity;
    let from = -1;
    for (let i = 0; i < candidates.length; i++) {
      const tau = candidates[i];
      if (t - tau < minSegment) {
        totals[i] = Number.NaN;
        continue;
      }
      const total = this.best.at(tau) + this.segmentCost.cost(tau, t) + changePenalty;
      totals[i] = total;
      if (total < least) {
        least = total;
        from = tau;
      }
    }
    this.best.push(least);
    this.previous.push(from);
    this.prune(least);
    if (Number.isFinite(least)) {
      candidates.push(t);
      totals.push(Number.NaN);
    }
  }

  /** Drops the candidates that can no longer win, then the worst beyond the limit. */
  private prune(least: number): void {
    const { pruneMargin, maxCandidates } = this.options;
    let bound = least + pruneMargin;
    // The limit is enforced in batches (when twice exceeded), so finding the cut stays O(1) per step.
    if (this.candidates.length > 2 * maxCandidates) bound = Math.min(bound, kthSmallest(this.totals, maxCandidates));
    let kept = 0;
    for (let i = 0; i < this.candidates.length; i++) {
      const total = this.totals[i];
      // Too recent to end a segment yet, or still close enough to the best to win later.
      if (!(Number.isNaN(total) || total <= bound)) continue;
      this.candidates[kept] = this.candidates[i];
      this.totals[kept] = total;
      kept++;
    }
    this.candidates.length = kept;
    this.totals.length = kept;
  }
}

/** The k-th smallest of the numbers that are not NaN (Infinity when there are fewer). */
function kthSmallest(values: readonly number[], k: number): number {
  const finite = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  return finite.length >= k ? finite[k - 1] : Infinity;
}
