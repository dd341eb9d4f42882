import { seededRandom } from './seededRandom';

/** The two-sided 95 % quantile of the standard normal distribution. */
export const Z_95 = 1.959963984540054;

export interface Interval {
  lower: number;
  upper: number;
}

/**
 * The complementary error function, relative error < 1.2e-7 everywhere (Chebyshev fit, Numerical
 * Recipes `erfcc`). Computed directly rather than as 1 − erf so small tail p-values keep their
 * precision instead of rounding to 0.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(-z * z + poly);
  return x >= 0 ? r : 2 - r;
}

/** P(Z ≤ z) for a standard normal Z. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** P(|Z| ≥ |z|). */
export function twoSidedNormalP(z: number): number {
  return Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
}

export interface ZTest {
  z: number;
  p_value: number;
}

/**
 * Two-proportion z-test of p2 − p1 with the pooled proportion under H0 (the same statistic as
 * Pearson's chi-square on the 2×2 table without continuity correction: z² = χ²).
 */
export function twoProportionZTest(x1: number, n1: number, x2: number, n2: number): ZTest {
  checkCounts(x1, n1);
  checkCounts(x2, n2);
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return { z: 0, p_value: 1 };
  const z = (x2 / n2 - x1 / n1) / se;
  return { z, p_value: twoSidedNormalP(z) };
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
