import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countTruePositives, coverScore, f1Score, segmentsOf } from '../../src/core/analytics/changePointScore';

const close = (actual: number, expected: number, what = '') => assert.ok(Math.abs(actual - expected) < 1e-12, `${what} ${actual} ≠ ${expected}`);

describe('TCPDBench doctest values (analysis/scripts/metrics.py)', () => {
  it('f_measure', () => {
    close(f1Score({ 1: [10, 20], 2: [11, 20], 3: [10], 4: [0, 5] }, [10, 20]).f1, 1.0);
    close(f1Score({ 1: [], 2: [10], 3: [50] }, [10]).f1, 0.9090909090909091);
    close(f1Score({ 1: [], 2: [10], 3: [50] }, []).f1, 0.8);
  });

  it('covering', () => {
    close(coverScore({ 1: [10, 20], 2: [10], 3: [0, 5] }, [10, 20], 45), 0.7962962962962963);
    close(coverScore({ 1: [], 2: [10], 3: [40] }, [10], 45), 0.7954144620811286);
    close(coverScore({ 1: [], 2: [10], 3: [40] }, [], 45), 0.8189300411522634);
  });
});

describe('F1, worked by hand', () => {
  it('no prediction: X = {0}; P = 1 against T* = {0, 10, 50}; R = (1 + 1/2 + 1/2) / 3 = 2/3; F = 2·(2/3) / (5/3) = 4/5', () => {
    const s = f1Score({ 1: [], 2: [10], 3: [50] }, []);
    close(s.precision, 1);
    close(s.recall, 2 / 3);
    close(s.f1, 4 / 5);
  });

  it('a false alarm costs precision only: X = {0, 10, 30}, T* = {0, 10}: P = 2/3, R = 1, F = 4/5', () => {
    const s = f1Score({ a: [10], b: [] }, [10, 30]);
    close(s.precision, 2 / 3);
    close(s.recall, 1);
    close(s.f1, 0.8);
  });

  it('the margin is inclusive: 5 away matches, 6 away does not', () => {
    assert.equal(countTruePositives([0, 10], [0, 15]), 2);
    assert.equal(countTruePositives([0, 10], [0, 16]), 1);
    // X = {0, 16}: P = 1/2 (16 matches nothing), R = 1/2 → F = 1/2.
    close(f1Score({ a: [10] }, [16]).f1, 0.5);
  });

  it('one prediction matches at most one true point', () => {
    assert.equal(countTruePositives([10, 12], [11]), 1);
    // X = {0, 11}, T = {0, 10, 12}: 2 true positives, P = 2/2, R = 2/3, F = 2·(2/3) / (5/3) = 4/5.
    close(f1Score({ a: [10, 12] }, [11]).f1, 0.8);
  });

  it('a tie goes to the smaller prediction, which leaves the larger for the next true point', () => {
    // 10 takes 7 (not 13), so 16 still finds 13: both match. Ties to the larger would give 1.
    assert.equal(countTruePositives([10, 16], [7, 13]), 2);
    // The closest wins over the first listed: 10 takes 11, so 14 is left for 17 (taking 14 would leave 11, 6 away).
    assert.equal(countTruePositives([10, 17], [14, 11]), 2);
  });

  it('duplicates collapse: predicting 0 or the same point twice changes nothing', () => {
    close(f1Score({ a: [10] }, [0, 10, 10]).f1, 1);
  });
});

describe('cover, worked by hand', () => {
  it('segments start at each change point; 0 adds no empty segment', () => {
    assert.deepEqual(segmentsOf([3, 5], 8), [[0, 3], [3, 5], [5, 8]]);
    assert.deepEqual(segmentsOf([5, 0, 3, 5], 8), [[0, 3], [3, 5], [5, 8]]);
    assert.deepEqual(segmentsOf([], 4), [[0, 4]]);
    assert.throws(() => segmentsOf([8], 8), RangeError);
  });

  it('T = 45, annotator [10, 20] vs predicted [10, 20]: 1; [10]: (10 + 25)/45; [0, 5]: (5·½ + 40·⅝)/45', () => {
    close(coverScore({ a: [10, 20] }, [10, 20], 45), 1);
    // [0,10) matches exactly; [10,45) (35 long) best overlaps [20,45): 25/35.
    close(coverScore({ a: [10] }, [10, 20], 45), 35 / 45);
    // [0,5) vs [0,10): 5/10; [5,45) vs [20,45): 25/40.
    close(coverScore({ a: [0, 5] }, [10, 20], 45), 27.5 / 45);
  });

  it('no prediction against one change at 3 of 12: [0,3)·3/12 + [3,12)·9/12, over 12', () => {
    close(coverScore({ a: [3] }, [], 12), (3 * (3 / 12) + 9 * (9 / 12)) / 12);
  });

  it('the mean over annotators, an annotator who marked nothing included', () => {
    // Predicting [6] on 12 points: the silent annotator's one segment overlaps [6,12) by 6/12 → 12·½/12 = ½;
    // the one who marked 6 gets 1.
    close(coverScore({ silent: [], marked: [6] }, [6], 12), (0.5 + 1) / 2);
  });
});
