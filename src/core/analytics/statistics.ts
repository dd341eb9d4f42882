/**
 * Statistical helpers shared by the analytics modules. Special functions (normal and Student t
 * distributions, log-beta) come from jStat; regression and robust location from simple-statistics.
 */
import { jStat } from 'jstat';
import { linearRegression, median, medianAbsoluteDeviation } from 'simple-statistics';
import { seededRandom } from './seededRandom';

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

/** P(|Z| ≥ |z|). */
function twoSidedNormalP(z: number): number {
  return Math.min(1, 2 * normalCdf(-Math.abs(z)));
}

export interface ZTest {
  z: number;
  /** two-sided */
  p_value: number;
}

export interface TwoProportionTest extends ZTest {
  /** p2 − p1 */
  difference: number;
  /** Newcombe's hybrid score interval for the difference (95 % by default). */
  interval: Interval;
}

/**
 * Two-proportion z-test of p2 − p1 with the pooled proportion under H0 (the same statistic as
 * Pearson's chi-square on the 2×2 table without continuity correction: z² = χ²), with Newcombe's
 * interval for the difference.
 */
export function twoProportionZTest(x1: number, n1: number, x2: number, n2: number, z: number = Z_95): TwoProportionTest {
  checkCounts(x1, n1);
  checkCounts(x2, n2);
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const difference = x2 / n2 - x1 / n1;
  const statistic = se > 0 ? difference / se : 0;
  return { difference, z: statistic, p_value: twoSidedNormalP(statistic), interval: newcombeDifferenceInterval(x1, n1, x2, n2, z) };
}

/**
 * z-test of mean(b) − mean(a) for values in [0, 1] (one per user), with the variance of all
 * values pooled under H0. For 0/1 values this is exactly the two-proportion z-test; it extends
 * it to users whose several outcomes give a completion share between 0 and 1.
 */
export function meanDifferenceZTest(a: readonly number[], b: readonly number[]): ZTest {
  if (a.length === 0 || b.length === 0) throw new RangeError('both groups need at least one value');
  const all = [...a, ...b];
  const mean = sum(all) / all.length;
  const variance = sum(all.map((v) => (v - mean) ** 2)) / all.length;
  const se = Math.sqrt(variance * (1 / a.length + 1 / b.length));
  if (se === 0) return { z: 0, p_value: 1 };
  const z = (sum(b) / b.length - sum(a) / a.length) / se;
  return { z, p_value: twoSidedNormalP(z) };
}

export interface FisherExact {
  /** Sum of the probabilities of all tables no more likely than the observed one (as R's fisher.test). */
  p_two_sided: number;
  /** P(X ≥ a): the top-left cell at least as large as observed. */
  p_greater: number;
  /** P(X ≤ a). */
  p_less: number;
}

/**
 * Fisher's exact test on the 2×2 table [[a, b], [c, d]], conditional on its margins (the top-left
 * cell is hypergeometric).
 */
export function fisherExact(a: number, b: number, c: number, d: number): FisherExact {
  for (const [name, v] of [['a', a], ['b', b], ['c', c], ['d', d]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`cell ${name} must be a non-negative integer (got ${v})`);
  }
  const n = a + b + c + d;
  const row = a + b;
  const col = a + c;
  const logFact = logFactorials(n);
  const logChoose = (m: number, k: number) => logFact[m] - logFact[k] - logFact[m - k];
  const logTotal = logChoose(n, row);
  const lo = Math.max(0, row + col - n);
  const hi = Math.min(row, col);
  const probability = (x: number) => Math.exp(logChoose(col, x) + logChoose(n - col, row - x) - logTotal);
  const observed = probability(a);
  // Relative tolerance, as R uses, so tables as likely as the observed one count despite rounding.
  const bound = observed * (1 + 1e-7);
  let twoSided = 0;
  let greater = 0;
  let less = 0;
  for (let x = lo; x <= hi; x++) {
    const p = probability(x);
    if (p <= bound) twoSided += p;
    if (x >= a) greater += p;
    if (x <= a) less += p;
  }
  return { p_two_sided: Math.min(1, twoSided), p_greater: Math.min(1, greater), p_less: Math.min(1, less) };
}

/**
 * Monte-Carlo permutation test of |mean(b) − mean(a)| (two-sided), with a fixed seed so the same
 * data gives the same p-value. The small-sample counterpart of meanDifferenceZTest, as Fisher's
 * test is of the z-test for 0/1 values.
 */
export function permutationTest(a: readonly number[], b: readonly number[], options: { rounds?: number; seed?: number } = {}): number {
  if (a.length === 0 || b.length === 0) throw new RangeError('both groups need at least one value');
  const rounds = options.rounds ?? 10_000;
  const random = seededRandom(options.seed ?? 0x5eed);
  const values = Float64Array.from([...a, ...b]);
  const total = sum(values);
  const gap = (sumA: number) => Math.abs((total - sumA) / b.length - sumA / a.length);
  const observed = gap(sum(a));
  let extreme = 0;
  for (let r = 0; r < rounds; r++) {
    // A partial Fisher–Yates shuffle: only the first |a| positions need to be random.
    let sumA = 0;
    for (let i = 0; i < a.length; i++) {
      const j = i + Math.floor(random() * (values.length - i));
      const t = values[i];
      values[i] = values[j];
      values[j] = t;
      sumA += values[i];
    }
    if (gap(sumA) >= observed - 1e-12) extreme++;
  }
  return (extreme + 1) / (rounds + 1);
}

/** Wilson score interval for a proportion x/n. */
export function wilsonInterval(x: number, n: number, z: number = Z_95): Interval {
  checkCounts(x, n);
  const p = x / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

/**
 * Interval for p2 − p1 by Newcombe's hybrid score method (his method 10), built from the two
 * Wilson intervals: unlike the Wald interval it stays inside [−1, 1] and keeps its coverage with
 * small counts and rates near 0 or 1.
 */
export function newcombeDifferenceInterval(x1: number, n1: number, x2: number, n2: number, z: number = Z_95): Interval {
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const w1 = wilsonInterval(x1, n1, z);
  const w2 = wilsonInterval(x2, n2, z);
  const d = p2 - p1;
  return {
    lower: d - Math.sqrt((p2 - w2.lower) ** 2 + (w1.upper - p1) ** 2),
    upper: d + Math.sqrt((w2.upper - p2) ** 2 + (p1 - w1.lower) ** 2),
  };
}

/** Wald interval for mean(b) − mean(a), with each group's sample variance. */
export function meanDifferenceInterval(a: readonly number[], b: readonly number[], z: number = Z_95): Interval {
  const d = sum(b) / b.length - sum(a) / a.length;
  const se = Math.sqrt(sampleVariance(a) / a.length + sampleVariance(b) / b.length);
  return { lower: Math.max(-1, d - z * se), upper: Math.min(1, d + z * se) };
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

function sampleVariance(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = sum(values) / values.length;
  return sum(values.map((v) => (v - mean) ** 2)) / (values.length - 1);
}

function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s;
}

function logFactorials(n: number): Float64Array {
  const out = new Float64Array(n + 1);
  for (let i = 2; i <= n; i++) out[i] = out[i - 1] + Math.log(i);
  return out;
}

function checkCounts(x: number, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`sample size must be a positive integer (got ${n})`);
  if (!(x >= 0 && x <= n)) throw new RangeError(`successes must be between 0 and ${n} (got ${x})`);
}
