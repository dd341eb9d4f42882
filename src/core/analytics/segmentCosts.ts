/**
 * What a segment of a series costs under each model the change-point search can use: twice the
 * negative log-likelihood of its points (scaled by the effective-sample-size weight, see
 * changePoints.ts) plus log n for each parameter the segment fits (BIC). Running sums make every
 * cost O(1), and a cost grows by one point in O(1), so the search can take new runs as they come.
 *
 * - Gaussian (any numeric series, log durations): each segment is a constant or a
 *   straight line, whichever costs less (1 or 2 parameters), with its own noise variance. The
 *   variance is integrated out under an inverse-gamma prior worth two observations (a0 = 1) and
 *   centred on the series' own scale (the caller standardises the values by it), so a short segment
 *   cannot buy a near-zero variance (the failure of the plain mean-and-variance cost on quantised
 *   or repeated values), and a segment as noisy as the series pays for re-learning its variance.
 * - Bernoulli (pass/fail per run): each segment has its own failure rate (1 parameter).
 * - Poisson (runs per day): each segment has its own daily rate (1 parameter).
 *
 * Missing values (null) are skipped: a segment's cost counts only the points it has.
 */
import { jStat } from 'jstat';
import { NumberColumn } from './numberColumn';

export interface SegmentCost {
  /** Time indices seen so far (missing ones included). */
  readonly length: number;
  /** Twice the negative log-likelihood of indices [start, end), plus the segment's parameter penalty. */
  cost(start: number, end: number): number;
}

export type SegmentShape = 'constant' | 'linear';

/** A segment's fitted line in the cost's own units: value ≈ intercept + slope · index. */
export interface SegmentFit {
  shape: SegmentShape;
  intercept: number;
  slope: number;
}

/** Prior shape of each segment's noise variance: worth 2·A0 = 2 observations. */
const A0 = 1;
const LOG_2PI = Math.log(2 * Math.PI);
/** −log of the inverse-gamma prior's normalising constant with shape and scale A0 (standardised values). */
const PRIOR_CONSTANT = jStat.gammaln(A0) - A0 * Math.log(A0);

/** A growable running sum: between(start, end) is the sum of the values pushed at indices [start, end). */
class RunningSum {
  private readonly sums = new NumberColumn(Float64Array, [0]);

  push(value: number): void {
    this.sums.push(this.sums.at(this.sums.length - 1) + value);
  }

  between(start: number, end: number): number {
    return this.sums.at(end) - this.sums.at(start);
  }

  /** Values pushed. */
  get length(): number {
    return this.sums.length - 1;
  }
}

/** lgamma(A0 + m/2) for m = 0, 1, 2…, extended as segments grow. */
const halfGammas: number[] = [];
function lgammaHalf(m: number): number {
  for (let k = halfGammas.length; k <= m; k++) halfGammas.push(jStat.gammaln(A0 + k / 2));
  return halfGammas[m];
}

/** −log of the marginal likelihood of m standardised residuals with sum of squares rss, variance integrated out. */
function negLogMarginal(m: number, rss: number): number {
  const shape = A0 + m / 2;
  return shape * Math.log(A0 + rss / 2) - lgammaHalf(m) + (m / 2) * LOG_2PI + PRIOR_CONSTANT;
}

export interface CostOptions {
  /** The log-likelihood's weight: the effective share of independent observations (1 for independent points). */
  weight: number;
  /** What one parameter costs (log n). */
  parameterPenalty: number;
}

/** A cost over running sums, one time index per pushed value; `present` counts the values that are not missing. */
abstract class RunningSegmentCost implements SegmentCost {
  protected readonly present = new RunningSum();

  constructor(protected readonly options: CostOptions) {}

  get length(): number {
    return this.present.length;
  }

  abstract push(value: number | null): void;
  abstract cost(start: number, end: number): number;
  abstract fit(start: number, end: number): SegmentFit;
}

/** Gaussian constant-or-line segments over values already centred and scaled by the series' scale. */
export class GaussianSegmentCost extends RunningSegmentCost {
  private readonly y = new RunningSum();
  private readonly yy = new RunningSum();
  private readonly t = new RunningSum();
  private readonly tt = new RunningSum();
  private readonly ty = new RunningSum();

  push(value: number | null): void {
    const t = this.length;
    const present = value === null ? 0 : 1;
    const v = value ?? 0;
    this.present.push(present);
    this.y.push(v);
    this.yy.push(v * v);
    this.t.push(present * t);
    this.tt.push(present * t * t);
    this.ty.push(t * v);
  }

  cost(start: number, end: number): number {
    const { weight, parameterPenalty } = this.options;
    // Inlined (no object per call): the search evaluates this for every candidate at every point.
    const m = this.present.between(start, end);
    if (m === 0) return parameterPenalty;
    const sy = this.y.between(start, end);
    const rssConstant = Math.max(this.yy.between(start, end) - (sy * sy) / m, 0);
    const constant = 2 * weight * negLogMarginal(m, rssConstant) + parameterPenalty;
    if (m < 3) return constant;
    const st = this.t.between(start, end);
    const stt = this.tt.between(start, end) - (st * st) / m;
    if (!(stt > 0)) return constant;
    const sty = this.ty.between(start, end) - (st * sy) / m;
    const rssLinear = Math.max(rssConstant - (sty * sty) / stt, 0);
    return Math.min(constant, 2 * weight * negLogMarginal(m, rssLinear) + 2 * parameterPenalty);
  }

  /** The shape the cost chose for [start, end) and its least-squares coefficients. */
  fit(start: number, end: number): SegmentFit {
    const { weight, parameterPenalty } = this.options;
    const s = this.sums(start, end);
    const mean = s.m > 0 ? s.sy / s.m : 0;
    const constant: SegmentFit = { shape: 'constant', intercept: mean, slope: 0 };
    if (s.rssLinear === null) return constant;
    const linearCost = 2 * weight * negLogMarginal(s.m, s.rssLinear) + 2 * parameterPenalty;
    if (linearCost >= 2 * weight * negLogMarginal(s.m, s.rssConstant) + parameterPenalty) return constant;
    const slope = (s.sty - (s.st * s.sy) / s.m) / s.stt;
    return { shape: 'linear', intercept: mean - slope * (s.st / s.m), slope };
  }

  private sums(start: number, end: number) {
    const m = this.present.between(start, end);
    const sy = this.y.between(start, end);
    const st = this.t.between(start, end);
    const sty = this.ty.between(start, end);
    const rssConstant = m > 0 ? Math.max(this.yy.between(start, end) - (sy * sy) / m, 0) : 0;
    // A line needs a third point to leave a residual; its time spread is zero for one point.
    const stt = m >= 3 ? this.tt.between(start, end) - (st * st) / m : 0;
    const rssLinear = stt > 0 ? Math.max(rssConstant - (sty - (st * sy) / m) ** 2 / stt, 0) : null;
    return { m, sy, st, sty, stt, rssConstant, rssLinear };
  }
}

/** Segments with one rate each, over counts: the rate's maximum-likelihood estimate is the mean. */
abstract class RateSegmentCost extends RunningSegmentCost {
  private readonly k = new RunningSum();

  push(value: number | null): void {
    this.present.push(value === null ? 0 : 1);
    this.k.push(value ?? 0);
  }

  cost(start: number, end: number): number {
    const m = this.present.between(start, end);
    const k = this.k.between(start, end);
    const { weight, parameterPenalty } = this.options;
    return m === 0 ? parameterPenalty : -2 * weight * this.logLikelihood(m, k) + parameterPenalty;
  }

  /** The rate of [start, end) (the constant it fits). */
  fit(start: number, end: number): SegmentFit {
    const m = this.present.between(start, end);
    return { shape: 'constant', intercept: m > 0 ? this.k.between(start, end) / m : 0, slope: 0 };
  }

  /** The maximised log-likelihood of m values summing to k (without terms that do not depend on the segments). */
  protected abstract logLikelihood(m: number, k: number): number;
}

/** Bernoulli segments over 0/1 values (1 = a failure). */
export class BernoulliSegmentCost extends RateSegmentCost {
  protected logLikelihood(m: number, k: number): number {
    if (k === 0 || k === m) return 0;
    const p = k / m;
    return k * Math.log(p) + (m - k) * Math.log(1 - p);
  }
}

/** Poisson segments over counts (runs per day); Σ log y! is the same for every segmentation and left out. */
export class PoissonSegmentCost extends RateSegmentCost {
  protected logLikelihood(m: number, k: number): number {
    return k === 0 ? 0 : k * Math.log(k / m) - k;
  }
}

/** Dimensions of one multivariate series: independent costs added, segments shared. */
export class SummedSegmentCost implements SegmentCost {
  constructor(private readonly parts: readonly SegmentCost[]) {}

  get length(): number {
    return this.parts[0].length;
  }

  cost(start: number, end: number): number {
    let total = 0;
    for (const part of this.parts) total += part.cost(start, end);
    return total;
  }
}
