import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getRealTimeMetrics, refreshMetricsCache } from '../../src/core/analytics/realtimeMetrics';
import { all, one } from '../../src/core/store/statements';
import { SkillStore } from '../../src/core/store/store';
import { ValidationError } from '../../src/core/validation';
import { plant, tempStore, type PlantedInvocation } from '../helpers/store';
import type { Store } from '../../src/core/store/storeInterface';

const NOW = new Date();
const hoursBefore = (h: number) => new Date(NOW.getTime() - h * 3_600_000);

/**
 * Planted truth, relative to NOW:
 *   lint:   last hour 4 (3 completed, durations 2/4/6 s; 1 failed after 100 s), 1-24 h ago 10 (5 completed),
 *           3 days ago 50 (all completed)
 *   test:   last hour 2 (both completed, 10 s each), nothing else
 *   deploy: 3 days ago 7 only
 */
function plantedInvocations(): PlantedInvocation[] {
  const rows: PlantedInvocation[] = [
    { skill: 'lint', at: hoursBefore(0.1), completed: true, duration: 2 },
    { skill: 'lint', at: hoursBefore(0.2), completed: true, duration: 4 },
    { skill: 'lint', at: hoursBefore(0.3), completed: true, duration: 6 },
    { skill: 'lint', at: hoursBefore(0.9), completed: false, duration: 100 },
    { skill: 'test', at: hoursBefore(0.5), completed: true, duration: 10 },
    { skill: 'test', at: hoursBefore(0.6), completed: true, duration: 10 },
  ];
  for (let i = 0; i < 10; i++) rows.push({ skill: 'lint', at: hoursBefore(2 + i * 2), completed: i % 2 === 0, duration: 1 });
  for (let i = 0; i < 50; i++) rows.push({ skill: 'lint', at: hoursBefore(72 + i * 0.01), completed: true, duration: 1 });
  for (let i = 0; i < 7; i++) rows.push({ skill: 'deploy', at: hoursBefore(72 + i), completed: true, duration: 30 });
  return rows;
}

describe('getRealTimeMetrics', () => {
  let store: Store;
  let close: () => Promise<void>;
  before(async () => {
    ({ store, close } = await tempStore());
    await plant(store, plantedInvocations());
  });
  after(() => close());

  it('counts only the last hour, most active first', () => {
    const rows = getRealTimeMetrics(store, { now: NOW });
    assert.deepEqual(
      rows.map((r) => [r.skill_name, r.invocation_count, r.completed_count]),
      [
        ['lint', 4, 3],
        ['test', 2, 2],
      ],
    );
    const lint = rows[0];
    assert.equal(lint.completion_rate, 0.75);
    assert.equal(lint.avg_duration_seconds, 28, 'mean over every run that recorded a duration: (2 + 4 + 6 + 100) / 4');
    assert.equal(lint.last_invocation_at, hoursBefore(0.1).toISOString());
  });

  it('takes the window length and the limit', () => {
    const day = getRealTimeMetrics(store, { now: NOW, windowHours: 24 });
    assert.deepEqual(
      day.map((r) => [r.skill_name, r.invocation_count, r.completed_count]),
      [
        ['lint', 14, 8],
        ['test', 2, 2],
      ],
    );
    const week = getRealTimeMetrics(store, { now: NOW, windowHours: 24 * 7, limit: 2 });
    assert.deepEqual(
      week.map((r) => [r.skill_name, r.invocation_count]),
      [
        ['lint', 64],
        ['deploy', 7],
      ],
    );
  });

  it('slides with time: the same data seen two hours later has nothing in the last hour', () => {
    assert.deepEqual(getRealTimeMetrics(store, { now: new Date(NOW.getTime() + 2 * 3_600_000) }), []);
    const earlier = getRealTimeMetrics(store, { now: hoursBefore(1.5), windowHours: 1 });
    assert.deepEqual(
      earlier.map((r) => [r.skill_name, r.invocation_count]),
      [['lint', 1]],
      'only the run 2 h before NOW lies in (NOW − 2.5 h, NOW − 1.5 h]',
    );
  });

  it('rejects bad options with a clear error', () => {
    assert.throws(() => getRealTimeMetrics(store, { windowHours: 0 }), ValidationError);
    assert.throws(() => getRealTimeMetrics(store, { windowHours: Number.NaN }), /windowHours/);
    assert.throws(() => getRealTimeMetrics(store, { limit: 0 }), /limit/);
  });
});

interface CacheRow {
  skill_name: string;
  invocation_count_1h: number;
  invocation_count_24h: number;
  avg_completion_rate_24h: number | null;
  is_anomalous: number;
  anomaly_score: number | null;
  last_invocation_at: string;
}

function cacheRows(store: Store): Record<string, CacheRow> {
  const rows = all<CacheRow>(
    store.db,
    'SELECT skill_name, invocation_count_1h, invocation_count_24h, avg_completion_rate_24h, is_anomalous, anomaly_score, last_invocation_at FROM skill_metrics_cache',
  );
  return Object.fromEntries(rows.map((r) => [r.skill_name, r]));
}

describe('refreshMetricsCache', () => {
  let store: Store;
  let close: () => Promise<void>;
  before(async () => {
    ({ store, close } = await tempStore());
    await plant(store, plantedInvocations());
    // The anchor's counters only ever grew: simulate such lifetime values, plus an anomaly flag.
    await store.commit([
      {
        t: 'upsert',
        table: 'skill_metrics_cache',
        key: ['skill_name'],
        rows: [
          { skill_name: 'lint', last_invocation_at: hoursBefore(0.1).toISOString(), invocation_count_1h: 64, invocation_count_24h: 64, is_anomalous: 1, anomaly_score: -4.5, updated_at: NOW.toISOString() },
          { skill_name: 'deploy', last_invocation_at: hoursBefore(72).toISOString(), invocation_count_1h: 7, invocation_count_24h: 7, updated_at: NOW.toISOString() },
        ],
      },
    ]);
  });
  after(() => close());

  it('writes the true 1 h and 24 h counts and the 24 h completion rate', async () => {
    const written = await refreshMetricsCache(store, { now: NOW });
    assert.equal(written, 3);
    const cache = cacheRows(store);
    assert.equal(cache.lint.invocation_count_1h, 4);
    assert.equal(cache.lint.invocation_count_24h, 14);
    assert.ok(Math.abs((cache.lint.avg_completion_rate_24h ?? -1) - 8 / 14) < 1e-12);
    assert.equal(cache.test.invocation_count_1h, 2);
    assert.equal(cache.test.invocation_count_24h, 2);
    assert.equal(cache.test.avg_completion_rate_24h, 1);
    assert.equal(cache.deploy.invocation_count_1h, 0, 'a lifetime counter would still say 7');
    assert.equal(cache.deploy.invocation_count_24h, 0);
    assert.equal(cache.deploy.avg_completion_rate_24h, null);
  });

  it('leaves the anomaly flag and score alone', () => {
    const cache = cacheRows(store);
    assert.equal(cache.lint.is_anomalous, 1);
    assert.equal(cache.lint.anomaly_score, -4.5);
  });

  it('writes nothing when nothing changed', async () => {
    assert.equal(await refreshMetricsCache(store, { now: NOW }), 0);
  });

  it('lets the counts go down as the window moves on', async () => {
    const later = new Date(NOW.getTime() + 23 * 3_600_000);
    assert.ok((await refreshMetricsCache(store, { now: later })) > 0);
    const cache = cacheRows(store);
    // The 24 h before NOW + 23 h start at NOW − 1 h: of lint's runs only the four of the last hour remain.
    assert.equal(cache.lint.invocation_count_24h, 4);
    assert.equal(cache.lint.invocation_count_1h, 0);
    assert.equal(cache.test.invocation_count_24h, 2);
    assert.equal(cache.lint.last_invocation_at, hoursBefore(0.1).toISOString());
  });

  it('goes through the event log, so a reopened store sees the same cache', async () => {
    const before = cacheRows(store);
    const other = await SkillStore.open({ path: store.paths.db, pollMs: 0 });
    try {
      assert.deepEqual(cacheRows(other), before);
      assert.equal(one<{ n: number }>(other.db, 'SELECT COUNT(*) AS n FROM skill_metrics_cache')?.n, 3);
    } finally {
      await other.close({ snapshot: false });
    }
  });
});
