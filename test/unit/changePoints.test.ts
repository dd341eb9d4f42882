import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChangePointDetector, detectChangePoints, type ChangePointModel, type SeriesValue } from '../../src/core/analytics/changePoints';
import { seededRandom } from '../../src/core/analytics/seededRandom';
import { BernoulliSegmentCost, GaussianSegmentCost } from '../../src/core/analytics/segmentCosts';

const close = (actual: number, expected: number, what = '') => assert.ok(Math.abs(actual - expected) < 1e-9, `${what} ${actual} ≠ ${expected}`);

/** Standard normal draws (Box–Muller) from a seeded generator. */
function normals(seed: number, n: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
}

/** Poisson draws (inversion) with mean `rates(i)` at index i. */
function counts(seed: number, rates: (i: number) => number, n: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const u = random();
    let k = 0;
    let p = Math.exp(-rates(i));
    let cumulative = p;
    while (u > cumulative) {
      k++;
      p *= rates(i) / k;
      cumulative += p;
    }
    return k;
  });
}

function bernoulli(seed: number, rates: (i: number) => number, n: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => (random() < rates(i) ? 1 : 0));
}

const LOG_2PI = Math.log(2 * Math.PI);

describe('segment costs, worked by hand (a0 = 1: the variance prior is worth two observations)', () => {
  it('Gaussian constant: [1, −1] has rss 2; −log p = 2·log 2 − lgamma(2) + log 2π, doubled; a null in between changes nothing', () => {
    const cost = new GaussianSegmentCost({ weight: 1, parameterPenalty: 0 });
    for (const v of [1, null, -1]) cost.push(v);
    close(cost.cost(0, 3), 4 * Math.log(2) + 2 * LOG_2PI);
    close(cost.cost(0, 1), 2 * (1.5 * Math.log(1) - Math.log(Math.sqrt(Math.PI) / 2) + 0.5 * LOG_2PI), 'one point: rss 0, lgamma(3/2) = log(√π/2)');
  });

  it('a line is chosen while its extra parameter costs less than it explains: 0,1,2,3 is 6·log 3.5 better as a line', () => {
    // Constant: rss 5 → 3·log(1 + 5/2) − lgamma(3) + 2·log 2π; line: rss 0 → 3·log 1 − lgamma(3) + 2·log 2π.
    const cheap = new GaussianSegmentCost({ weight: 1, parameterPenalty: 1 });
    const dear = new GaussianSegmentCost({ weight: 1, parameterPenalty: 8 });
    for (const v of [0, 1, 2, 3]) {
      cheap.push(v);
      dear.push(v);
    }
    close(cheap.cost(0, 4), 2 * (-Math.log(2) + 2 * LOG_2PI) + 2 * 1);
    assert.deepEqual(cheap.fit(0, 4), { shape: 'linear', intercept: 0, slope: 1 });
    close(dear.cost(0, 4), 2 * (3 * Math.log(3.5) - Math.log(2) + 2 * LOG_2PI) + 8);
    assert.deepEqual(dear.fit(0, 4), { shape: 'constant', intercept: 1.5, slope: 0 });
  });

  it('the weight scales the likelihood, not the parameter penalty', () => {
    const cost = new GaussianSegmentCost({ weight: 0.5, parameterPenalty: 3 });
    for (const v of [1, -1]) cost.push(v);
    close(cost.cost(0, 2), 0.5 * (4 * Math.log(2) + 2 * LOG_2PI) + 3);
  });

  it('Bernoulli: 1 failure in 4 costs −2·(log ¼ + 3·log ¾); a segment without failures only its parameter', () => {
    const cost = new BernoulliSegmentCost({ weight: 1, parameterPenalty: 2 });
    for (const v of [1, 0, 0, 0, 0, 0]) cost.push(v);
    close(cost.cost(0, 4), -2 * (Math.log(0.25) + 3 * Math.log(0.75)) + 2);
    close(cost.cost(1, 6), 2);
    assert.equal(cost.fit(0, 4).intercept, 0.25);
  });
});

describe('detectChangePoints: planted changes', () => {
  it('a level shift of 3 σ at 120 of 200 is found there, once', () => {
    const y = normals(1, 200).map((v, i) => v + (i >= 120 ? 3 : 0));
    const { change_points, segments } = detectChangePoints([y]);
    assert.equal(change_points.length, 1, JSON.stringify(change_points));
    assert.ok(Math.abs(change_points[0] - 120) <= 2, `${change_points[0]}`);
    assert.equal(segments.length, 2);
    assert.equal(segments[0].start, 0);
    assert.equal(segments[1].end, 200);
    assert.ok(Math.abs((segments[1].mean[0] as number) - (segments[0].mean[0] as number) - 3) < 0.5);
  });

  it('a 1.6× slowdown of log durations (10 % noise) at run 150 of 300 is found at 150', () => {
    const y = normals(2, 300).map((v, i) => Math.log(20) + 0.1 * v + (i >= 150 ? Math.log(1.6) : 0));
    assert.deepEqual(detectChangePoints([y]).change_points, [150]);
  });

  it('missing values are left out but keep their indices: the shift is reported at its index in the full series', () => {
    const random = seededRandom(3);
    const y: SeriesValue[] = normals(3, 200).map((v, i) => (random() < 0.2 ? null : v + (i >= 80 ? 4 : 0)));
    const [cp] = detectChangePoints([y]).change_points;
    assert.ok(Math.abs(cp - 80) <= 2, `${cp}`);
  });

  it('a failure rate 4% → 31% at run 300 of 500 is found near 300', () => {
    // Planted, not drawn: 1 failure in 25 runs before, 4 in 13 from run 300 on (the first at 300).
    const y = Array.from({ length: 500 }, (_, i) => (i < 300 ? Number(i % 25 === 12) : Number([0, 4, 8, 11].includes((i - 300) % 13))));
    const { change_points, segments } = detectChangePoints([y], 'bernoulli');
    assert.equal(change_points.length, 1, JSON.stringify(change_points));
    assert.ok(Math.abs(change_points[0] - 300) <= 5, `${change_points[0]}`);
    close(segments[0].mean[0] as number, y.slice(0, change_points[0]).filter((v) => v === 1).length / change_points[0]);
    assert.ok((segments[0].mean[0] as number) < 0.05 && (segments[1].mean[0] as number) > 0.29);
  });

  it('a clean step without noise (runs per day 10 → 2) is found: rounding-size residuals are no dependence', () => {
    assert.deepEqual(detectChangePoints([[...Array<number>(60).fill(10), ...Array<number>(30).fill(2)]]).change_points, [60]);
  });

  it('runs per day 10 → 2 from day 60 of 90 (Poisson counts) is found there', () => {
    const [cp] = detectChangePoints([counts(8, (i) => (i < 60 ? 10 : 2), 90)], 'poisson').change_points;
    assert.ok(Math.abs(cp - 60) <= 2, `${cp}`);
  });

  it('two dimensions share change points: a shift in the second alone is found', () => {
    const a = normals(5, 150);
    const b = normals(6, 150).map((v, i) => v + (i >= 90 ? 3 : 0));
    const [cp] = detectChangePoints([a, b]).change_points;
    assert.ok(Math.abs(cp - 90) <= 2, `${cp}`);
  });
});

describe('detectChangePoints: no false alarm', () => {
  it('independent Gaussian noise, 10 series of 500: no change point', () => {
    for (let seed = 10; seed < 20; seed++) assert.deepEqual(detectChangePoints([normals(seed, 500)]).change_points, [], `seed ${seed}`);
  });

  it('one huge spike (a cold run) is an outlier, not two change points', () => {
    const y = normals(21, 300);
    y[150] = 40;
    y[151] = 35;
    assert.deepEqual(detectChangePoints([y]).change_points, []);
  });

  it('autocorrelated noise (AR(1), φ = 0.7): at most 1 series in 20 alarms, because neighbours carry less evidence', () => {
    // Measured: 3 of 200 such series (without the dependence weight, most of them alarm).
    let alarms = 0;
    for (let seed = 30; seed < 70; seed++) {
      const e = normals(seed, 400);
      const y: number[] = [];
      for (let i = 0; i < e.length; i++) y.push(0.7 * (y[i - 1] ?? 0) + e[i]);
      if (detectChangePoints([y]).change_points.length > 0) alarms++;
    }
    assert.ok(alarms <= 2, `${alarms} of 40`);
  });

  it('durations in whole seconds (mostly the same value) raise no alarm', () => {
    for (let seed = 40; seed < 50; seed++) {
      const y = normals(seed, 300).map((v) => Math.log(Math.max(1, Math.round(3 * Math.exp(0.2 * v)))));
      assert.deepEqual(detectChangePoints([y]).change_points, [], `seed ${seed}`);
    }
  });

  it('a rarely run skill (0.3 runs a day) over 60 days, 20 series: no change point (a Gaussian cost alarms in a third of them)', () => {
    for (let seed = 80; seed < 100; seed++) assert.deepEqual(detectChangePoints([counts(seed, () => 0.3, 60)], 'poisson').change_points, [], `seed ${seed}`);
  });

  it('pass/fail at a steady 10 %, 10 series of 500: no change point', () => {
    for (let seed = 50; seed < 60; seed++) assert.deepEqual(detectChangePoints([bernoulli(seed, () => 0.1, 500)], 'bernoulli').change_points, [], `seed ${seed}`);
  });

  it('a constant series and a too-short series have no change point', () => {
    assert.deepEqual(detectChangePoints([Array.from({ length: 50 }, () => 7)]).change_points, []);
    assert.deepEqual(detectChangePoints([[1, 2, 100]]).change_points, []);
    assert.deepEqual(detectChangePoints([[]]).change_points, []);
  });
});

describe('search and increments', () => {
  it('the pruned search finds what the unpruned one finds', () => {
    const unpruned = { pruneMargin: Infinity, maxCandidates: Infinity };
    const series: [SeriesValue[], ChangePointModel][] = [
      [normals(60, 400).map((v, i) => v + (i >= 100 ? 2 : 0) - (i >= 250 ? 3 : 0) + (i >= 330 ? 0.02 * (i - 330) : 0)), 'gaussian'],
      [normals(61, 300).map((v, i) => v * (i >= 150 ? 3 : 1)), 'gaussian'],
      [bernoulli(62, (i) => (i >= 200 ? 0.5 : 0.05), 400), 'bernoulli'],
      [counts(63, (i) => (i >= 120 ? 1 : 6), 200), 'poisson'],
    ];
    for (const [y, model] of series) {
      assert.deepEqual(ChangePointDetector.fit([y], model).changePoints(), ChangePointDetector.fit([y], model, unpruned).changePoints());
    }
  });

  it('appending runs to a fitted history finds a slowdown among them, without refitting', () => {
    const y = normals(70, 600).map((v, i) => Math.log(20) + 0.1 * v + (i >= 520 ? Math.log(1.5) : 0));
    const detector = ChangePointDetector.fit([y.slice(0, 500)]);
    assert.deepEqual(detector.changePoints(), []);
    for (const v of y.slice(500)) detector.append([v]);
    assert.equal(detector.length, 600);
    assert.equal(detector.fittedLength, 500);
    assert.deepEqual(detector.changePoints(), [520]);
  });

  it('a detector carried over as plain data (a worker to the editor) goes on exactly as the original', () => {
    const y = normals(71, 400).map((v, i) => v + (i >= 350 ? 3 : 0));
    const original = ChangePointDetector.fit([y.slice(0, 300)]);
    const copy = ChangePointDetector.restore(structuredClone(original.state()));
    assert.deepEqual(copy.changePoints(), original.changePoints());
    for (const v of y.slice(300)) {
      original.append([v]);
      copy.append([v]);
    }
    assert.deepEqual(copy.changePoints(), original.changePoints());
    assert.equal(copy.changePoints().length, 1);
  });

  it('refuses what is not a series: NaN, unequal dimensions, pass/fail values other than 0 and 1', () => {
    assert.throws(() => detectChangePoints([[1, Number.NaN]]), RangeError);
    assert.throws(() => detectChangePoints([[1, 2], [1]]), RangeError);
    assert.throws(() => detectChangePoints([[0, 0.5]], 'bernoulli'), RangeError);
    assert.throws(() => detectChangePoints([[3, -1]], 'poisson'), RangeError);
    assert.throws(() => detectChangePoints([]), RangeError);
  });
});
