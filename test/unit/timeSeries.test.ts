import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SqlValue } from 'sql.js';
import type { AnalyticsJobRunner } from '../../src/core/analytics/analyticsJobRunner';
import { backfillTimeSeries, getHourlySeries, hourlyAggregates, type HourlyPoint } from '../../src/core/analytics/timeSeries';
import { all } from '../../src/core/store/statements';
import { SkillStore } from '../../src/core/store/store';
import { hourBucket } from '../../src/core/time';
import { SkillTracker } from '../../src/core/tracking/tracker';
import { plant, tempStore, type PlantedInvocation } from '../helpers/store';
import type { Store } from '../../src/core/store/storeInterface';

const NOW = new Date();
/** The start of the UTC hour five hours before NOW: planted hours are H, H+1, H+2. */
const H = Date.parse(hourBucket(new Date(NOW.getTime() - 5 * 3_600_000).toISOString()));
const at = (hour: number, minute: number) => new Date(H + hour * 3_600_000 + minute * 60_000);
const hourIso = (hour: number) => new Date(H + hour * 3_600_000).toISOString();

/**
 * Truth per bucket:
 *   build @ H:   4 runs, sessions s1 s1 s2 s3, completed T T F T, durations 3 5 99 7
 *                → count 4, rate 0.75, mean duration 28.5 (every run with a duration), 3 sessions
 *   build @ H+1: 2 failed runs in s1, durations none and 4 → count 2, rate 0, duration 4, 1 session
 *   test  @ H+2: 1 completed run of 8 s → count 1, rate 1, duration 8, 1 session
 */
const PLANTED: PlantedInvocation[] = [
  { skill: 'build', at: at(0, 5), session: 's1', completed: true, duration: 3 },
  { skill: 'build', at: at(0, 10), session: 's1', completed: true, duration: 5 },
  { skill: 'build', at: at(0, 20), session: 's2', completed: false, duration: 99 },
  { skill: 'build', at: at(0, 50), session: 's3', completed: true, duration: 7 },
  { skill: 'build', at: at(1, 0), session: 's1', completed: false, duration: null },
  { skill: 'build', at: at(1, 59), session: 's1', completed: false, duration: 4 },
  { skill: 'test', at: at(2, 30), session: 's2', completed: true, duration: 8 },
];

type Point = [string, string, number, number | null, number | null, number];
const point = (p: HourlyPoint): Point => [p.skill_name, p.timestamp, p.invocation_count, p.completion_rate, p.avg_duration_seconds, p.unique_sessions];
const TRUTH: Point[] = [
  ['build', hourIso(0), 4, 0.75, 28.5, 3],
  ['build', hourIso(1), 2, 0, 4, 1],
  ['test', hourIso(2), 1, 1, 8, 1],
];

function tableRows(store: Store): Record<string, SqlValue>[] {
  return all(store.db, 'SELECT id, skill_name, timestamp, invocation_count, completion_rate, avg_duration_seconds, unique_sessions FROM skill_time_series ORDER BY skill_name, timestamp, id');
}

describe('hourly time series maintained as events arrive', () => {
  let store: Store;
  let close: () => Promise<void>;
  before(async () => {
    ({ store, close } = await tempStore());
    await plant(store, PLANTED);
  });
  after(() => close());

  it('holds one row per skill and hour with the planted aggregates', () => {
    assert.deepEqual(getHourlySeries(store, { now: NOW }).map(point), TRUTH);
    assert.deepEqual(getHourlySeries(store, { skill: 'build', now: NOW }).map(point), TRUTH.slice(0, 2));
  });

  it('covers the last `hours` hours, counting the current one', () => {
    const end = at(2, 40);
    assert.equal(getHourlySeries(store, { hours: 3, now: end }).length, 3);
    assert.deepEqual(getHourlySeries(store, { hours: 2, now: end }).map((p) => p.timestamp), [hourIso(1), hourIso(2)]);
  });

  it('updates a bucket when another invocation lands in it (planted event and tracked call)', async () => {
    await plant(store, [{ skill: 'build', at: at(0, 55), session: 's4', completed: true, duration: 9 }]);
    const tracker = new SkillTracker(store, 'u1');
    const session = await tracker.createSession({ sessionId: 's9' });
    await tracker.trackInvocation({ sessionId: session, skillName: 'build', invokedAt: at(1, 30), completed: true, durationSeconds: 6 });
    assert.deepEqual(getHourlySeries(store, { skill: 'build', now: NOW }).map(point), [
      ['build', hourIso(0), 5, 0.8, 24.6, 4],
      ['build', hourIso(1), 3, 1 / 3, 5, 2],
    ]);
    assert.equal(tableRows(store).length, 3, 'updated in place, not appended');
  });

  it('rejects bad options', () => {
    assert.throws(() => getHourlySeries(store, { hours: 0 }), /hours/);
    assert.throws(() => getHourlySeries(store, { skill: '' }), /skill/);
  });
});

describe('backfillTimeSeries', () => {
  let store: Store;
  let close: () => Promise<void>;
  const old = new Date(NOW.getTime() - 10 * 86_400_000);
  before(async () => {
    ({ store, close } = await tempStore());
    await plant(store, [...PLANTED, { skill: 'test', at: old, session: 's5', completed: false, duration: 2 }]);
    // History recorded before the table existed: no hourly rows at all.
    await store.commit([{ t: 'delete', table: 'skill_time_series', where: {} }]);
  });
  after(() => close());

  it('rebuilds the buckets of the requested days from the invocations, reporting progress per skill', async () => {
    assert.equal(tableRows(store).length, 0);
    const progress: [number, number][] = [];
    const result = await backfillTimeSeries(store, { days: 2, now: NOW, onProgress: (done, total) => progress.push([done, total]) });
    assert.deepEqual(result, { buckets: 3, written: 3 });
    assert.deepEqual(progress, [
      [1, 2],
      [2, 2],
    ]);
    assert.deepEqual(getHourlySeries(store, { hours: 48, now: NOW }).map(point), TRUTH);
  });

  it('is idempotent: a second run writes nothing and changes nothing', async () => {
    const first = tableRows(store);
    assert.deepEqual(await backfillTimeSeries(store, { days: 2, now: NOW }), { buckets: 3, written: 0 });
    assert.deepEqual(tableRows(store), first);
  });

  it('repairs a wrong bucket, drops duplicate and orphan rows', async () => {
    const [firstRow] = tableRows(store);
    await store.commit([
      { t: 'upsert', table: 'skill_time_series', key: ['id'], rows: [{ ...firstRow, invocation_count: 40 }] },
      {
        t: 'upsert',
        table: 'skill_time_series',
        key: ['id'],
        rows: [
          { id: await store.nextId(), skill_name: 'build', timestamp: hourIso(0), invocation_count: 4, completion_rate: 0.75, avg_duration_seconds: 5, unique_sessions: 3 },
          { id: await store.nextId(), skill_name: 'build', timestamp: hourIso(-3), invocation_count: 42, completion_rate: 1, avg_duration_seconds: 1, unique_sessions: 1 },
        ],
      },
    ]);
    const result = await backfillTimeSeries(store, { days: 2, now: NOW });
    assert.equal(result.written, 3);
    assert.deepEqual(getHourlySeries(store, { hours: 48, now: NOW }).map(point), TRUTH);
    assert.equal(tableRows(store).length, 3);
  });

  it('reaches back only as far as asked', async () => {
    const bucket = hourBucket(old.toISOString());
    assert.equal(tableRows(store).filter((r) => r.timestamp === bucket).length, 0);
    const result = await backfillTimeSeries(store, { days: 30, now: NOW });
    assert.deepEqual(result, { buckets: 4, written: 1 });
    assert.deepEqual(
      getHourlySeries(store, { skill: 'test', hours: 24 * 30, now: NOW }).map(point),
      [['test', bucket, 1, 0, 2, 1], TRUTH[2]],
    );
  });

  it('writes through the event log: a reopened store has the same rows', async () => {
    const rows = tableRows(store);
    const other = await SkillStore.open({ path: store.paths.db, pollMs: 0 });
    try {
      assert.deepEqual(tableRows(other), rows);
    } finally {
      await other.close({ snapshot: false });
    }
  });

  it('computed by a job elsewhere, counts a run applied meanwhile instead of writing the job\'s older bucket over it', async () => {
    const other = await tempStore();
    try {
      await plant(other.store, PLANTED);
      await other.store.commit([{ t: 'delete', table: 'skill_time_series', where: {} }]);
      const late: PlantedInvocation = { skill: 'build', at: at(1, 30), session: 's9', completed: true, duration: 6 };
      const jobs: Pick<AnalyticsJobRunner, 'run'> = {
        run: async (on, job) => {
          assert.equal(job.kind, 'hourlyAggregates');
          const summary = hourlyAggregates(on, (job as { from: string }).from);
          await plant(on, [late]);
          return { kind: 'hourlyAggregates', events: [], summary } as never;
        },
      };
      const result = await backfillTimeSeries(other.store, { days: 2, now: NOW, jobs });
      assert.deepEqual(result, { buckets: 3, written: 2 }, "the late run's bucket was written by the live refresh, and is left as it is");
      // build @ H+1 with the late run: 3 runs (F, F, T), durations 4 and 6 → rate 1/3, mean 5, sessions s1 s9.
      const expected: Point[] = [TRUTH[0], ['build', hourIso(1), 3, 1 / 3, 5, 2], TRUTH[2]];
      assert.deepEqual(getHourlySeries(other.store, { hours: 48, now: NOW }).map(point), expected);
      assert.deepEqual(await backfillTimeSeries(other.store, { days: 2, now: NOW }), { buckets: 3, written: 0 }, 'what it wrote is what the runs give');
    } finally {
      await other.close();
    }
  });

  it('rejects a bad number of days', async () => {
    await assert.rejects(backfillTimeSeries(store, { days: 0 }), /days/);
  });
});
