import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { detectAnomalies, getOpenAnomalies, type Anomaly } from '../../src/core/analytics/anomalies';
import { seededRandom, type Random } from '../../src/core/analytics/seededRandom';
import { predictiveCountZ, twoProportionZTest, wilsonInterval } from '../../src/core/analytics/statistics';
import { all, one } from '../../src/core/store/statements';
import { SkillStore } from '../../src/core/store/store';
import { ValidationError } from '../../src/core/validation';
import { plant, tempStore, type PlantedInvocation } from '../helpers/store';
import type { Store } from '../../src/core/store/storeInterface';

const NOW = new Date();
const HOUR = 3_600_000;

/** `n` runs spread evenly over the baseline window (NOW − 23 h .. NOW − 1 h), shifted by `offset` ms. */
function baselineRuns(skill: string, outcomes: { completed: boolean; duration?: number }[], offset = 0): PlantedInvocation[] {
  const step = (22 * HOUR) / outcomes.length;
  return outcomes.map((o, i) => ({ skill, at: new Date(NOW.getTime() + offset - HOUR - (i + 0.5) * step), completed: o.completed, duration: o.duration ?? 1 }));
}

/** Runs spread over the last hour before NOW + offset. */
function recentRuns(skill: string, outcomes: { completed: boolean; duration?: number }[], offset = 0): PlantedInvocation[] {
  const step = (55 * 60_000) / outcomes.length;
  return outcomes.map((o, i) => ({ skill, at: new Date(NOW.getTime() + offset - (i + 0.5) * step), completed: o.completed, duration: o.duration ?? 1 }));
}

/** `n` outcomes of which exactly `ok` completed. */
const outcomes = (n: number, ok: number, duration?: number) => Array.from({ length: n }, (_, i) => ({ completed: i < ok, duration }));

function gaussian(random: Random): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

const bySkill = (anomalies: Anomaly[]) => new Map(anomalies.map((a) => [`${a.skill_name}/${a.metric}`, a]));

interface CacheFlag {
  is_anomalous: number;
  anomaly_score: number | null;
}
const cacheFlag = (store: Store, skill: string) =>
  one<CacheFlag>(store.db, 'SELECT is_anomalous, anomaly_score FROM skill_metrics_cache WHERE skill_name = ?', [skill]);
const storedRows = (store: Store, skill: string) =>
  all<{ id: number; anomaly_type: string; detected_at: string; resolved_at: string | null; baseline_value: number; observed_value: number; deviation_score: number }>(
    store.db,
    'SELECT id, anomaly_type, detected_at, resolved_at, baseline_value, observed_value, deviation_score FROM skill_anomalies WHERE skill_name = ? ORDER BY id',
    [skill],
  );

describe('detectAnomalies on planted collapses and spikes', () => {
  let store: Store;
  let close: () => Promise<void>;
  let first: Map<string, Anomaly>;
  const random = seededRandom(20261125);
  const lognormal = (median: number, sigma: number) => median * Math.exp(sigma * gaussian(random));

  before(async () => {
    ({ store, close } = await tempStore());
    await plant(store, [
      // 80 % → 0 %: the anchor scored this −1.9, under its own threshold of 2.
      ...baselineRuns('flaky-80', outcomes(50, 40)),
      ...recentRuns('flaky-80', outcomes(6, 0)),
      // 100 % → 0 %: the anchor's standard deviation was 0, so it could never alarm.
      ...baselineRuns('perfect', outcomes(50, 50)),
      ...recentRuns('perfect', outcomes(5, 0)),
      // Same 80 % rate recently: normal.
      ...baselineRuns('steady-80', outcomes(50, 40)),
      ...recentRuns('steady-80', outcomes(5, 4)),
      // Durations around 2 s, then around 20 s (completion rate unchanged at 100 %).
      ...baselineRuns('slow', Array.from({ length: 40 }, () => ({ completed: true, duration: lognormal(2, 0.3) }))),
      ...recentRuns('slow', Array.from({ length: 5 }, () => ({ completed: true, duration: lognormal(20, 0.3) }))),
      // Too few samples to say anything, however extreme.
      ...baselineRuns('sparse-baseline', outcomes(9, 9, 1)),
      ...recentRuns('sparse-baseline', outcomes(5, 0, 100)),
      ...baselineRuns('sparse-recent', outcomes(50, 50, 1)),
      ...recentRuns('sparse-recent', outcomes(2, 0, 100)),
    ]);
    first = bySkill(await detectAnomalies(store, { now: NOW }));
  });
  after(() => close());

  it('flags an 80 % → 0 % collapse as a drop', () => {
    const a = first.get('flaky-80/completion_rate');
    assert.ok(a, 'not flagged');
    assert.equal(a.anomaly_type, 'drop');
    assert.equal(a.baseline_value, 0.8);
    assert.equal(a.observed_value, 0);
    assert.ok(a.deviation_score <= -3, `score ${a.deviation_score}`);
    assert.deepEqual(Object.keys(a).sort(), ['anomaly_type', 'baseline_value', 'detected_at', 'deviation_score', 'metric', 'observed_value', 'skill_name']);
  });

  it('flags a 100 % → 0 % collapse', () => {
    const a = first.get('perfect/completion_rate');
    assert.ok(a, 'not flagged');
    assert.equal(a.anomaly_type, 'drop');
    assert.equal(a.baseline_value, 1);
    assert.ok(a.deviation_score <= -4, `score ${a.deviation_score}`);
  });

  it('flags a tenfold duration spike, with medians in seconds', () => {
    const a = first.get('slow/duration');
    assert.ok(a, 'not flagged');
    assert.equal(a.anomaly_type, 'spike');
    assert.ok(a.baseline_value > 1.5 && a.baseline_value < 2.7, `baseline ${a.baseline_value}`);
    assert.ok(a.observed_value > 13 && a.observed_value < 30, `observed ${a.observed_value}`);
    assert.ok(a.deviation_score >= 3);
    assert.equal(first.has('slow/completion_rate'), false);
  });

  it('says nothing about a normal skill or one with too few samples', () => {
    assert.deepEqual(
      [...first.keys()].sort(),
      ['flaky-80/completion_rate', 'perfect/completion_rate', 'slow/duration'],
    );
  });

  it('stores each anomaly and marks the cache', () => {
    for (const [skill, type] of [['flaky-80', 'drop'], ['perfect', 'drop'], ['slow', 'spike']]) {
      const rows = storedRows(store, skill);
      assert.equal(rows.length, 1, skill);
      assert.equal(rows[0].anomaly_type, type);
      assert.equal(rows[0].detected_at, NOW.toISOString());
      assert.equal(rows[0].resolved_at, null);
      assert.equal(cacheFlag(store, skill)?.is_anomalous, 1, skill);
    }
    assert.ok((cacheFlag(store, 'perfect')?.anomaly_score ?? 0) < 0);
    assert.ok((cacheFlag(store, 'slow')?.anomaly_score ?? 0) > 0);
    assert.equal(cacheFlag(store, 'steady-80')?.is_anomalous, 0);
    assert.equal(storedRows(store, 'steady-80').length, 0);
    assert.deepEqual(
      getOpenAnomalies(store).map((r) => [r.skill_name, r.metric]).sort(),
      [['flaky-80', 'completion_rate'], ['perfect', 'completion_rate'], ['slow', 'duration']],
    );
  });

  it('does not duplicate an open anomaly when detecting again', async () => {
    const again = bySkill(await detectAnomalies(store, { now: new Date(NOW.getTime() + 60_000) }));
    assert.equal(again.get('perfect/completion_rate')?.detected_at, NOW.toISOString(), 'reported as the same episode');
    assert.equal(all(store.db, 'SELECT id FROM skill_anomalies').length, 3);
  });

  it('resolves an anomaly once the data is normal again, and keeps one it cannot judge yet', async () => {
    const later = new Date(NOW.getTime() + 2 * HOUR);
    await plant(store, recentRuns('perfect', outcomes(6, 6), 2 * HOUR));
    const result = bySkill(await detectAnomalies(store, { now: later }));
    assert.equal(result.has('perfect/completion_rate'), false);
    assert.equal(storedRows(store, 'perfect')[0].resolved_at, later.toISOString());
    assert.deepEqual(cacheFlag(store, 'perfect'), { is_anomalous: 0, anomaly_score: null });
    // flaky-80 and slow have no runs in the last hour at NOW + 2 h: not judged, still open.
    assert.deepEqual(getOpenAnomalies(store).map((r) => r.skill_name).sort(), ['flaky-80', 'slow']);
    assert.equal(cacheFlag(store, 'flaky-80')?.is_anomalous, 1);
  });

  it('opens a new episode when the skill collapses again', async () => {
    await plant(store, recentRuns('perfect', outcomes(5, 0), 4 * HOUR));
    const result = bySkill(await detectAnomalies(store, { now: new Date(NOW.getTime() + 4 * HOUR) }));
    assert.equal(result.get('perfect/completion_rate')?.anomaly_type, 'drop');
    const rows = storedRows(store, 'perfect');
    assert.equal(rows.length, 2);
    assert.notEqual(rows[0].resolved_at, null);
    assert.equal(rows[1].resolved_at, null);
  });

  it('lets episodes that cannot be judged any more expire with the baseline window', async () => {
    await detectAnomalies(store, { now: new Date(NOW.getTime() + 30 * HOUR) });
    assert.deepEqual(getOpenAnomalies(store), []);
    assert.equal(cacheFlag(store, 'slow')?.is_anomalous, 0);
  });

  it('writes through the event log: a reopened store has the same anomalies', async () => {
    const rows = all(store.db, 'SELECT * FROM skill_anomalies ORDER BY id');
    const other = await SkillStore.open({ path: store.paths.db, pollMs: 0 });
    try {
      assert.deepEqual(all(other.db, 'SELECT * FROM skill_anomalies ORDER BY id'), rows);
    } finally {
      await other.close({ snapshot: false });
    }
  });

  it('rejects bad options with a clear error', async () => {
    await assert.rejects(detectAnomalies(store, { threshold: 0 }), ValidationError);
    await assert.rejects(detectAnomalies(store, { recentHours: 24, windowHours: 24 }), /recentHours/);
    await assert.rejects(detectAnomalies(store, { windowHours: -1 }), /windowHours/);
  });
});

describe('detectAnomalies on stable data', () => {
  const TRIALS = 1000;
  let store: Store;
  let close: () => Promise<void>;
  before(async () => {
    ({ store, close } = await tempStore());
    // Each skill is one trial: nothing changes between baseline and recent window, only sampling noise.
    const random = seededRandom(42);
    const rates = [0.5, 0.8, 0.9, 0.95, 0.99, 1];
    const rows: PlantedInvocation[] = [];
    for (let t = 0; t < TRIALS; t++) {
      const rate = rates[Math.floor(random() * rates.length)];
      const median = 0.5 + random() * 30;
      const sigma = 0.2 + random() * 0.8;
      const run = () => ({ completed: random() < rate, duration: median * Math.exp(sigma * gaussian(random)) });
      const skill = `stable-${t}`;
      rows.push(...baselineRuns(skill, Array.from({ length: 20 + Math.floor(random() * 31) }, run)));
      rows.push(...recentRuns(skill, Array.from({ length: 3 + Math.floor(random() * 8) }, run)));
    }
    await plant(store, rows);
  });
  after(() => close());

  it('raises at most 1 % false alarms over 1,000 seeded trials at threshold 3', async (t) => {
    const flagged = new Set((await detectAnomalies(store, { threshold: 3, now: NOW })).map((a) => a.skill_name));
    t.diagnostic(`false alarms at threshold 3: ${flagged.size} of ${TRIALS}`);
    assert.ok(flagged.size <= TRIALS / 100, `${flagged.size} false alarms`);
  });

  it('is not silent by construction: at threshold 1 the same noise trips it often', async (t) => {
    const flagged = new Set((await detectAnomalies(store, { threshold: 1, now: NOW })).map((a) => a.skill_name));
    t.diagnostic(`alarms at threshold 1: ${flagged.size} of ${TRIALS}`);
    assert.ok(flagged.size > TRIALS / 10);
  });
});

describe('shared statistics helpers against reference values', () => {
  it('predictiveCountZ matches the beta-binomial tail computed by scipy', () => {
    // scipy.stats.betabinom(n, x_b + 0.5, n_b − x_b + 0.5) tail → scipy.stats.norm.ppf
    const cases: [number, number, number, number, number][] = [
      [40, 50, 0, 5, -3.1914628687094972],
      [50, 50, 0, 5, -5.26331149713188],
      [190, 200, 2, 5, -2.9374462690098824],
      [30, 60, 28, 30, 4.1450561771673895],
    ];
    for (const [xb, nb, xr, nr, expected] of cases) assert.ok(Math.abs(predictiveCountZ(xb, nb, xr, nr) - expected) < 1e-9, `${xb}/${nb} vs ${xr}/${nr}`);
  });

  it('wilsonInterval matches Newcombe (1998): 81/263 → 0.2553 to 0.3662', () => {
    const w = wilsonInterval(81, 263);
    assert.equal(w.lower.toFixed(4), '0.2553');
    assert.equal(w.upper.toFixed(4), '0.3662');
  });

  it('twoProportionZTest matches the chi-square test and Newcombe’s interval (56/70 vs 48/80)', () => {
    const r = twoProportionZTest(48, 80, 56, 70);
    // scipy.stats.chi2_contingency([[56, 14], [48, 32]], correction=False): chi2 = 7.0234, p = 0.0080451
    assert.ok(Math.abs(r.z - Math.sqrt(7.023411371237456)) < 1e-9);
    assert.ok(Math.abs(r.p_value - 0.008045081368196585) < 1e-9);
    // Newcombe (1998), method 10: 0.0524 to 0.3339
    assert.equal(r.interval.lower.toFixed(4), '0.0524');
    assert.equal(r.interval.upper.toFixed(4), '0.3339');
  });
});
