import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { detectAnomalies } from '../../src/core/analytics/anomalies';
import { refreshMetricsCache } from '../../src/core/analytics/realtimeMetrics';
import { all } from '../../src/core/store/statements';
import { ago, plant, tempStore, type PlantedInvocation } from '../helpers/store';
import type { Store } from '../../src/core/store/storeInterface';

interface DashboardRow {
  skill_name: string;
  invocation_count_1h: number;
  invocation_count_24h: number;
  avg_completion_rate_24h: number | null;
  is_anomalous: number;
  anomaly_score: number | null;
  total_invocations: number;
  completion_rate: number;
  avg_duration_seconds: number | null;
}

const runs = (skill: string, n: number, ok: number, at: (i: number) => Date, duration = 2): PlantedInvocation[] =>
  Array.from({ length: n }, (_, i) => ({ skill, at: at(i), completed: i < ok, duration }));

describe('v_realtime_skill_dashboard', () => {
  let store: Store;
  let close: () => Promise<void>;
  before(async () => {
    ({ store, close } = await tempStore());
    await plant(store, [
      // lint: 3 in the last hour (2 completed), 5 between 2 and 10 h ago (all completed), 20 three days ago (10 completed).
      ...runs('lint', 3, 2, (i) => ago.minutes(10 + i * 10)),
      ...runs('lint', 5, 5, (i) => ago.hours(2 + i * 2)),
      ...runs('lint', 20, 10, (i) => ago.hours(72 + i)),
      // test: 1 in the last hour.
      ...runs('test', 1, 1, () => ago.minutes(5)),
      // deploy: 6 two days ago.
      ...runs('deploy', 6, 6, (i) => ago.hours(48 + i)),
      // gate: 20 completed between 2 and 21 h ago, then 4 failures in the last hour.
      ...runs('gate', 20, 20, (i) => ago.hours(2 + i)),
      ...runs('gate', 4, 0, (i) => ago.minutes(5 + i * 10)),
    ]);
    // Counters as the anchor kept them: they only ever grew.
    await store.commit([
      {
        t: 'upsert',
        table: 'skill_metrics_cache',
        key: ['skill_name'],
        rows: [
          { skill_name: 'lint', last_invocation_at: ago.minutes(10).toISOString(), invocation_count_1h: 28, invocation_count_24h: 28, updated_at: new Date().toISOString() },
          { skill_name: 'deploy', last_invocation_at: ago.hours(48).toISOString(), invocation_count_1h: 6, invocation_count_24h: 6, updated_at: new Date().toISOString() },
        ],
      },
    ]);
    await refreshMetricsCache(store);
    await detectAnomalies(store);
  });
  after(() => close());

  const dashboard = () => all<DashboardRow>(store.db, 'SELECT * FROM v_realtime_skill_dashboard');

  it('shows true sliding-window counts, busiest skill of the last 24 h first', () => {
    assert.deepEqual(
      dashboard().map((r) => [r.skill_name, r.invocation_count_1h, r.invocation_count_24h]),
      [
        ['gate', 4, 24],
        ['lint', 3, 8],
        ['test', 1, 1],
        ['deploy', 0, 0],
      ],
    );
  });

  it('gives the 24 h and lifetime completion rates as 0..1', () => {
    const lint = dashboard().find((r) => r.skill_name === 'lint')!;
    assert.ok(Math.abs((lint.avg_completion_rate_24h ?? 0) - 7 / 8) < 1e-12);
    assert.equal(lint.total_invocations, 28);
    assert.ok(Math.abs(lint.completion_rate - 17 / 28) < 1e-12);
    assert.equal(lint.avg_duration_seconds, 2);
    assert.equal(dashboard().find((r) => r.skill_name === 'deploy')!.avg_completion_rate_24h, null);
  });

  it('carries the anomaly flag and score of a planted collapse', () => {
    const rows = dashboard();
    const gate = rows.find((r) => r.skill_name === 'gate')!;
    assert.equal(gate.is_anomalous, 1);
    assert.ok((gate.anomaly_score ?? 0) <= -2, `score ${gate.anomaly_score}`);
    for (const other of rows.filter((r) => r.skill_name !== 'gate')) assert.equal(other.is_anomalous, 0, other.skill_name);
  });
});

interface TrendRow {
  skill_name: string;
  days_with_data: number;
  total_invocations: number;
  avg_completion_rate: number;
  max_completion_rate: number;
  min_completion_rate: number;
  trend_slope: number | null;
}

describe('v_skill_effectiveness_trend', () => {
  let store: Store;
  let close: () => Promise<void>;
  /** Ten runs at noon UTC of the calendar day `days` days ago, `rate · 10` of them completed. */
  const day = (skill: string, days: number, rate: number): PlantedInvocation[] => {
    const date = ago.days(days).toISOString().slice(0, 10);
    return runs(skill, 10, Math.round(rate * 10), (i) => new Date(`${date}T12:${String(i).padStart(2, '0')}:00.000Z`));
  };
  before(async () => {
    ({ store, close } = await tempStore());
    await plant(store, [
      // 0.9, 0.8, ..., 0.4 on the six days before today: a decline of 0.1 a day. The anchor's
      // "(max − min) / (days − 1)" gives +0.1 here.
      ...[6, 5, 4, 3, 2, 1].flatMap((d, i) => day('declining', d, 0.9 - 0.1 * i)),
      // Ten days ago, outside the 7-day window: would flatten the slope if it were counted.
      ...day('declining', 10, 0),
      ...[3, 2, 1].flatMap((d, i) => day('rising', d, 0.5 + 0.1 * i)),
      ...day('single', 2, 0.7),
      // Two days: the anchor's NULLIF(days − 1, 1) made this NULL; a line through two points has a slope.
      ...day('pair', 4, 0.2),
      ...day('pair', 2, 0.8),
    ]);
  });
  after(() => close());

  const trend = () => new Map(all<TrendRow>(store.db, 'SELECT * FROM v_skill_effectiveness_trend').map((r) => [r.skill_name, r]));

  it('gives a negative least-squares slope for a planted decline of 0.1 a day', () => {
    const declining = trend().get('declining')!;
    assert.ok(declining.trend_slope !== null && Math.abs(declining.trend_slope + 0.1) < 1e-12, `slope ${declining.trend_slope}`);
    assert.equal(declining.days_with_data, 6);
    assert.equal(declining.total_invocations, 60);
    assert.ok(Math.abs(declining.avg_completion_rate - 0.65) < 1e-12);
    assert.equal(declining.max_completion_rate, 0.9);
    assert.equal(declining.min_completion_rate, 0.4);
  });

  it('gives a positive slope for a rise, per day across gaps, and none for a single day', () => {
    const rows = trend();
    assert.ok(Math.abs((rows.get('rising')!.trend_slope ?? 0) - 0.1) < 1e-12);
    assert.ok(Math.abs((rows.get('pair')!.trend_slope ?? 0) - 0.3) < 1e-12, '0.2 → 0.8 over two days');
    assert.equal(rows.get('single')!.trend_slope, null);
  });
});
