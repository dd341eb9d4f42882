/**
 * Statistical helpers shared by the analytics modules. Special functions (normal and Student t
 * distributions, log-beta) come from jStat; regression and robust location from simple-statistics.
 */
import { jStat } from 'jstat';
import { linearRegression, median, medianAbsoluteDeviation } from 'simple-statistics';

/** The two-sided 95 % quantile of the standard normal distribution. */
export const Z_95 = 1.959963984540054;

/**
 * The largest |z| reported. Tail probabilities below 1e-300 are where doubles run out; a deviation
 * that extreme is reported as this value rather than as Infinity (which JSON cannot carry).
 */
export const MAX_ABS_Z = 37;
const MIN_TAIL = 1e-300;

/** Consistency factor that turns a median absolute deviation into a standard deviation (normal data). */
const MAD_TO_SD = 1.482602218505602;
/**
 * Asymptotic efficiency of the MAD relative to the standard deviation (normal data): a scale taken
 * from n values' MAD is about as certain as a standard deviation from 0.37·n values, which sets the
 * degrees of freedom of the t reference.
 */
const MAD_EFFICIENCY = 0.3675;
/** Standard error of a sample median relative to σ/√n (√(π/2), normal data). */
const MEDIAN_SE_FACTOR = 1.2533141373155001;

export interface Interval {
  lower: number;
  upper: number;
}

/** P(Z ≤ z) for a standard normal Z. */
export function normalCdf(z: number): number {
  return jStat.normal.cdf(z, 0, 1);
}

/** The z with P(Z ≤ z) = p. */
export function normalQuantile(p: number): number {
  return jStat.normal.inv(p, 0, 1);
}

/**
 * The normal deviate whose one-sided tail holds probability `tail`: negative for a lower tail,
 * positive for an upper one. Tails above 0.5 mean "no deviation" and give 0.
 */
export function zFromTail(tail: number, side: 'lower' | 'upper'): number {
  if (tail >= 0.5) return 0;
  const p = Math.max(MIN_TAIL, tail);
  const z = Math.max(-MAX_ABS_Z, normalQuantile(p));
  return side === 'lower' ? z : -z;
}

/** Wilson score interval for a proportion x/n (z = 1.96 gives the 95 % interval). */
export function wilsonInterval(successes: number, trials: number, z: number = Z_95): Interval {
  if (trials <= 0) return { lower: 0, upper: 1 };
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

export interface TwoProportionTest {
  /** rate of b − rate of a */
  difference: number;
  z: number;
  /** two-sided */
  p_value: number;
  /** Newcombe's hybrid score interval for the difference (95 % by default). */
  interval: Interval;
}

/**
 * Pooled two-proportion z-test of b against a, with Newcombe's interval for the difference (which,
 * unlike the Wald interval, stays sensible at rates of 0 or 1 and small samples).
 */
export function twoProportionZTest(successesA: number, trialsA: number, successesB: number, trialsB: number, z: number = Z_95): TwoProportionTest {
  if (trialsA <= 0 || trialsB <= 0) throw new RangeError('both groups need at least one trial');
  const pa = successesA / trialsA;
  const pb = successesB / trialsB;
  const pooled = (successesA + successesB) / (trialsA + trialsB);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / trialsA + 1 / trialsB));
  const difference = pb - pa;
  const statistic = se > 0 ? difference / se : 0;
  const wa = wilsonInterval(successesA, trialsA, z);
  const wb = wilsonInterval(successesB, trialsB, z);
  return {
    difference,
    z: statistic,
    p_value: Math.min(1, 2 * normalCdf(-Math.abs(statistic))),
    interval: {
      lower: difference - Math.hypot(pb - wb.lower, wa.upper - pa),
      upper: difference + Math.hypot(wb.upper - pb, pa - wa.lower),
    },
  };
}

export interface LeastSquaresFit {
  slope: number;
  intercept: number;
  /** Two-sided p-value of slope ≠ 0 (Student t with n − 2 degrees of freedom); null below 3 points. */
  p_value: number | null;
  n: number;
}

/** Ordinary least squares of y on x, with the slope's p-value. */
export function leastSquares(points: readonly (readonly [number, number])[]): LeastSquaresFit {
  const n = points.length;
  if (n < 2) throw new RangeError('a least-squares line needs at least two points');
  const meanX = points.reduce((s, [x]) => s + x, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - meanX) ** 2, 0);
  if (sxx === 0) throw new RangeError('a least-squares line needs at least two distinct x values');
  const { m: slope, b: intercept } = linearRegression(points.map(([x, y]) => [x, y]));
  if (n < 3) return { slope, intercept, p_value: null, n };
  const residual = points.reduce((s, [x, y]) => s + (y - (intercept + slope * x)) ** 2, 0);
  const se = Math.sqrt(residual / (n - 2) / sxx);
  let p: number;
  if (se > 0) p = 2 * jStat.studentt.cdf(-Math.abs(slope / se), n - 2);
  else p = slope === 0 ? 1 : 0;
  return { slope, intercept, p_value: Math.min(1, p), n };
}

/**
 * How far a recent count of successes lies from what a baseline predicts, as a signed z-score.
 *
 * The baseline rate is uncertain (Jeffreys posterior Beta(x + ½, n − x + ½)) and the recent window
 * adds its own binomial sampling error, which is large when the window is small. Together they give
 * the beta-binomial predictive distribution of the recent count; the exact tail probability of the
 * observed count is turned into a normal deviate. Unlike a z-score over the baseline's standard
 * deviation, this works when the baseline is 0 % or 100 %, and it stays calibrated for a handful of
 * recent samples, where normal approximations raise false alarms.
 */
export function predictiveCountZ(baselineSuccesses: number, baselineTrials: number, recentSuccesses: number, recentTrials: number): number {
  if (recentTrials <= 0) return 0;
  const alpha = baselineSuccesses + 0.5;
  const beta = baselineTrials - baselineSuccesses + 0.5;
  const n = recentTrials;
  const logPmf = new Float64Array(n + 1);
  logPmf[0] = jStat.betaln(alpha, n + beta) - jStat.betaln(alpha, beta);
  for (let k = 0; k < n; k++) {
    logPmf[k + 1] = logPmf[k] + Math.log(n - k) - Math.log(k + 1) + Math.log(k + alpha) - Math.log(n - k - 1 + beta);
  }
  const lower = Math.exp(logSumExp(logPmf, 0, recentSuccesses));
  const upper = Math.exp(logSumExp(logPmf, recentSuccesses, n));
  return lower < upper ? zFromTail(lower, 'lower') : zFromTail(upper, 'upper');
}

function logSumExp(values: Float64Array, from: number, to: number): number {
  let max = -Infinity;
  for (let i = from; i <= to; i++) max = Math.max(max, values[i]);
  if (max === -Infinity) return max;
  let sum = 0;
  for (let i = from; i <= to; i++) sum += Math.exp(values[i] - max);
  return max + Math.log(sum);
}

export interface RobustShift {
  z: number;
  baselineMedian: number;
  recentMedian: number;
}

/**
 * A robust z-score for a shift of the recent sample's median away from the baseline's: the scale is
 * the baseline's MAD (as a standard deviation, but never below `minScale`, so identical baseline
 * values do not make every wobble infinitely significant), the standard error covers both medians,
 * and the statistic is referred to Student t because the
 * scale itself is estimated (with the MAD's lower efficiency counted in the degrees of freedom).
 */
export function robustShiftZ(baseline: readonly number[], recent: readonly number[], minScale: number): RobustShift {
  if (baseline.length < 2 || recent.length < 1) throw new RangeError('a robust shift needs at least two baseline values and one recent value');
  const baselineMedian = median(baseline as number[]);
  const recentMedian = median(recent as number[]);
  const scale = Math.max(MAD_TO_SD * medianAbsoluteDeviation(baseline as number[]), minScale);
  const se = MEDIAN_SE_FACTOR * scale * Math.sqrt(1 / recent.length + 1 / baseline.length);
  const t = (recentMedian - baselineMedian) / se;
  const df = Math.max(1, MAD_EFFICIENCY * (baseline.length - 1));
  const z = t < 0 ? zFromTail(jStat.studentt.cdf(t, df), 'lower') : zFromTail(jStat.studentt.cdf(-t, df), 'upper');
  return { z, baselineMedian, recentMedian };
}
