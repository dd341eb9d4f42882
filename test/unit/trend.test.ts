import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { leastSquares } from '../../src/core/analytics/statistics';
import { getSkillTrend } from '../../src/core/analytics/trend';
import { ValidationError } from '../../src/core/validation';
import { plant, tempStore, type PlantedInvocation } from '../helpers/store';
import type { Store } from '../../src/core/store/storeInterface';

const NOW = new Date();
const DAY = 86_400_000;

/**
 * `values[i]` is the planted day i (oldest first) of a series that ends `endDaysAgo` days before NOW;
 * day k before NOW is the 24 hours (NOW − (k+1) days, NOW − k days]. Each day gets `runs(value)`.
 */
function days(skill: string, values: number[], runs: (value: number) => { completed: boolean; duration?: number | null }[], endDaysAgo = 0): PlantedInvocation[] {
  return values.flatMap((value, i) => {
    const k = endDaysAgo + values.length - 1 - i;
    return runs(value).map((r, j) => ({ skill, at: new Date(NOW.getTime() - k * DAY - 6 * 3_600_000 - j * 60_000), completed: r.completed, duration: r.duration === undefined ? 1 : r.duration }));
  });
}
/** Ten runs of which `rate · 10` completed. */
const rateRuns = (rate: number) => Array.from({ length: 10 }, (_, i) => ({ completed: i < Math.round(rate * 10) }));
const durationRuns = (seconds: number) => [{ completed: true, duration: seconds }, { completed: true, duration: seconds }, { completed: false, duration: null }];
const countRuns = (n: number) => Array.from({ length: n }, () => ({ completed: true }));

describe('getSkillTrend', () => {
  let store: Store;
  let close: () => Promise<void>;
  before(async () => {
    ({ store, close } = await tempStore());
    await plant(store, [
      // 0.9 → 0.3, 0.1 a day, over the last 7 days; 10 and 12 days ago it was 1.0 (outside the window).
      ...days('declining', [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3], rateRuns),
      ...days('declining', [1, 1], rateRuns, 10),
      ...days('rising', [0.2, 0.4, 0.6, 0.8, 1.0], rateRuns),
      ...days('noisy', [0.5, 0.7, 0.6, 0.9, 0.8], rateRuns),
      ...days('gaps', [0.9, 0.6, 0.2], rateRuns).map((r, i) => ({ ...r, at: new Date(NOW.getTime() - [6, 3, 0][Math.floor(i / 10)] * DAY - 3_600_000 - (i % 10) * 60_000) })),
      ...days('slower', [1, 2, 3, 4, 5], durationRuns),
      ...days('faster', [5, 4, 3, 2, 1], durationRuns),
      // Invocation counts 10, 8, 0, 4, 2: the empty day counts as 0.
      ...days('busy', [10, 8, 0, 4, 2], countRuns),
      ...days('young', [0.5, 1], rateRuns),
    ]);
  });
  after(() => close());

  it('finds a planted decline of 0.1 a day in the completion rate', () => {
    const t = getSkillTrend(store, 'declining', { now: NOW });
    assert.equal(t.trend, 'declining');
    assert.ok(Math.abs((t.slope ?? 0) + 0.1) < 1e-12, `slope ${t.slope}`);
    assert.ok((t.p_value ?? 1) < 1e-6);
    assert.equal(t.start_value, 0.9);
    assert.equal(t.end_value, 0.3);
    assert.ok(Math.abs((t.change_percent ?? 0) + 66.66666666666667) < 1e-9);
    assert.equal(t.days, 7);
  });

  it('uses only the requested window: with 13 days the two older perfect days join the series', () => {
    const t = getSkillTrend(store, 'declining', { now: NOW, days: 13 });
    assert.equal(t.days, 9);
    assert.equal(t.start_value, 1);
  });

  it('finds a rise as improving', () => {
    const t = getSkillTrend(store, 'rising', { now: NOW });
    assert.equal(t.trend, 'improving');
    assert.ok(Math.abs((t.slope ?? 0) - 0.2) < 1e-12);
  });

  it('gives the p-value scipy gives, and calls a non-significant slope stable', () => {
    // scipy.stats.linregress([0, 1, 2, 3, 4], [0.5, 0.7, 0.6, 0.9, 0.8]): slope 0.08, p 0.1040880386618277
    const t = getSkillTrend(store, 'noisy', { now: NOW });
    assert.equal(t.trend, 'stable');
    assert.ok(Math.abs((t.slope ?? 0) - 0.08) < 1e-12);
    assert.ok(Math.abs((t.p_value ?? 0) - 0.1040880386618277) < 1e-9);
  });

  it('keeps gaps between days in x', () => {
    // scipy.stats.linregress([0, 3, 6], [0.9, 0.6, 0.2]): slope −0.11667, p 0.0523889328216466
    const t = getSkillTrend(store, 'gaps', { now: NOW });
    assert.equal(t.days, 3);
    assert.ok(Math.abs((t.slope ?? 0) + 0.11666666666666665) < 1e-12);
    assert.ok(Math.abs((t.p_value ?? 0) - 0.0523889328216466) < 1e-9);
    assert.equal(t.trend, 'stable');
  });

  it('inverts durations: longer runs are a decline, shorter ones an improvement', () => {
    const slower = getSkillTrend(store, 'slower', { now: NOW, metric: 'avg_duration_seconds' });
    assert.equal(slower.trend, 'declining');
    assert.ok(Math.abs((slower.slope ?? 0) - 1) < 1e-12, 'a run that recorded no duration is not part of the mean (not a run of 0 s)');
    assert.equal(slower.start_value, 1);
    assert.equal(slower.change_percent, 400);
    assert.equal(getSkillTrend(store, 'faster', { now: NOW, metric: 'avg_duration_seconds' }).trend, 'improving');
  });

  it('counts days without invocations as zero invocations', () => {
    // scipy.stats.linregress([0, 1, 2, 3, 4], [10, 8, 0, 4, 2]): slope −2, p 0.133886637790989
    const t = getSkillTrend(store, 'busy', { now: NOW, metric: 'invocation_count' });
    assert.equal(t.days, 5);
    assert.ok(Math.abs((t.slope ?? 0) + 2) < 1e-12);
    assert.ok(Math.abs((t.p_value ?? 0) - 0.133886637790989) < 1e-9);
    assert.equal(t.trend, 'stable');
  });

  it('reports insufficient data under three days, and for an unknown skill', () => {
    const young = getSkillTrend(store, 'young', { now: NOW });
    assert.deepEqual(young, {
      skill_name: 'young',
      metric: 'completion_rate',
      trend: 'insufficient_data',
      slope: null,
      p_value: null,
      start_value: null,
      end_value: null,
      change_percent: null,
      days: 2,
      reason: '2 days with runs in the last 7; a trend needs 3',
    });
    assert.equal(getSkillTrend(store, 'never-run', { now: NOW }).trend, 'insufficient_data');
  });

  it('rejects an invalid metric with the list of valid ones', () => {
    assert.throws(
      () => getSkillTrend(store, 'declining', { metric: 'success' as never }),
      (err: Error) => err instanceof ValidationError && /completion_rate, avg_duration_seconds, invocation_count/.test(err.message),
    );
    assert.throws(() => getSkillTrend(store, 'declining', { days: 0 }), /days/);
    assert.throws(() => getSkillTrend(store, ' ', {}), /skill/);
  });
});

describe('leastSquares', () => {
  it('matches scipy.stats.linregress', () => {
    // linregress([0, 1, 2, 3, 4], [1, 3, 2, 5, 4]): slope 0.8, intercept 1.4, p 0.10408803866182778
    const fit = leastSquares([[0, 1], [1, 3], [2, 2], [3, 5], [4, 4]]);
    assert.ok(Math.abs(fit.slope - 0.8) < 1e-12);
    assert.ok(Math.abs(fit.intercept - 1.4) < 1e-12);
    assert.ok(Math.abs((fit.p_value ?? 0) - 0.10408803866182778) < 1e-9);
  });

  it('gives p = 0 for a perfect non-flat line, 1 for a flat one, none for two points', () => {
    assert.equal(leastSquares([[0, 1], [1, 2], [2, 3]]).p_value, 0);
    assert.equal(leastSquares([[0, 1], [1, 1], [2, 1]]).p_value, 1);
    assert.equal(leastSquares([[0, 1], [1, 2]]).p_value, null);
    assert.throws(() => leastSquares([[1, 1], [1, 2]]), /distinct/);
  });
});
