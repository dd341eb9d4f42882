import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { applyRetention } from '../../src/core/analytics/retention';
import { all, one } from '../../src/core/store/statements';
import { SkillStore } from '../../src/core/store/store';
import { plant, tempStore, type PlantedInvocation } from '../helpers/store';
import type { Store } from '../../src/core/store/storeInterface';

const NOW = new Date();
const DAY = 86_400_000;
/** The UTC date `days` days before NOW, and a time on it that never crosses midnight. */
const dateBefore = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString().slice(0, 10);
const onDate = (days: number, minute: number) => `${dateBefore(days)}T10:${String(minute).padStart(2, '0')}:00.000Z`;

/**
 * Old days (older than the 365-day default), per (day, skill): invocations, completions,
 * abandonments, mean completed duration:
 *   400 days ago, lint:  5, 3, 2, (2+4+6)/3 = 4
 *   380 days ago, lint:  2, 2, 0, (10+20)/2 = 15
 *   370 days ago, build: 4, 1, 3, 7
 * Recent: lint 3 runs 10 days ago (kept).
 */
const OLD: PlantedInvocation[] = [
  { skill: 'lint', at: onDate(400, 1), completed: true, duration: 2 },
  { skill: 'lint', at: onDate(400, 2), completed: true, duration: 4 },
  { skill: 'lint', at: onDate(400, 3), completed: true, duration: 6 },
  { skill: 'lint', at: onDate(400, 4), completed: false, duration: 50 },
  { skill: 'lint', at: onDate(400, 5), completed: false, duration: null },
  { skill: 'lint', at: onDate(380, 1), completed: true, duration: 10 },
  { skill: 'lint', at: onDate(380, 2), completed: true, duration: 20 },
  { skill: 'build', at: onDate(370, 1), completed: true, duration: 7 },
  { skill: 'build', at: onDate(370, 2), completed: false, duration: 1 },
  { skill: 'build', at: onDate(370, 3), completed: false, duration: 1 },
  { skill: 'build', at: onDate(370, 4), completed: false, duration: 1 },
];
const RECENT: PlantedInvocation[] = [1, 2, 3].map((m) => ({ skill: 'lint', at: onDate(10, m), completed: true, duration: 1 }));

type Daily = [string, string, number, number, number, number | null];
const DAILY_TRUTH: Daily[] = [
  [dateBefore(400), 'lint', 5, 3, 2, 4],
  [dateBefore(380), 'lint', 2, 2, 0, 15],
  [dateBefore(370), 'build', 4, 1, 3, 7],
];

function daily(store: Store): Daily[] {
  return all<{ date: string; skill_name: string; invocations: number; completions: number; abandonments: number; avg_duration_seconds: number | null }>(
    store.db,
    'SELECT date, skill_name, invocations, completions, abandonments, avg_duration_seconds FROM mv_daily_skills ORDER BY date, skill_name',
  ).map((r) => [r.date, r.skill_name, r.invocations, r.completions, r.abandonments, r.avg_duration_seconds]);
}

const count = (store: Store, sql: string, params: string[] = []) => one<{ n: number }>(store.db, sql, params)?.n;

describe('applyRetention', () => {
  let store: Store;
  let close: () => Promise<void>;
  before(async () => {
    ({ store, close } = await tempStore());
    await plant(store, [...OLD, ...RECENT]);
  });
  after(() => close());

  it('rolls invocations older than the retention period up into mv_daily_skills with the planted daily counts', async () => {
    const result = await applyRetention(store, { now: NOW });
    assert.equal(result.removed, 11);
    assert.equal(result.before, new Date(NOW.getTime() - 365 * DAY).toISOString());
    assert.deepEqual(daily(store), DAILY_TRUTH);
  });

  it('removes the old rows everywhere, keeping recent ones', () => {
    assert.equal(count(store, 'SELECT COUNT(*) AS n FROM skill_invocation'), 3);
    assert.equal(count(store, 'SELECT COUNT(*) AS n FROM skill_invocation WHERE invoked_at < ?', [dateBefore(365)]), 0);
    assert.equal(count(store, 'SELECT COUNT(*) AS n FROM skill_user_interactions'), 3);
    assert.equal(count(store, 'SELECT COUNT(*) AS n FROM skill_time_series'), 1, 'only the recent hour remains');
  });

  it('does not count a day twice when run again', async () => {
    const again = await applyRetention(store, { now: NOW });
    assert.equal(again.removed, 0);
    assert.deepEqual(daily(store), DAILY_TRUTH);
  });

  it('merges rows that arrive later for a day already rolled up (e.g. an import)', async () => {
    await plant(store, [
      { skill: 'lint', at: onDate(400, 30), completed: true, duration: 8 },
      { skill: 'lint', at: onDate(400, 31), completed: false, duration: 3 },
    ]);
    assert.equal((await applyRetention(store, { now: NOW })).removed, 2);
    // 400 days ago, lint: 7 runs, 4 completed (durations 2, 4, 6, 8 → mean 5), 3 abandoned.
    assert.deepEqual(daily(store)[0], [dateBefore(400), 'lint', 7, 4, 3, 5]);
  });

  it('follows a shorter retention period and keeps memory to the period', async () => {
    const result = await applyRetention(store, { retentionDays: 5, now: NOW });
    assert.equal(result.removed, 3);
    assert.equal(count(store, 'SELECT COUNT(*) AS n FROM skill_invocation'), 0);
    assert.deepEqual(daily(store).at(-1), [dateBefore(10), 'lint', 3, 3, 0, 1]);
  });

  it('removes anomalies resolved before the cut-off, keeps open and recent ones', async () => {
    const ids = [await store.nextId(), await store.nextId(), await store.nextId()];
    const row = (id: number, detected: number, resolved: number | null) => ({
      id,
      skill_name: 'lint',
      detected_at: new Date(NOW.getTime() - detected * DAY).toISOString(),
      anomaly_type: 'drop',
      baseline_value: 0.9,
      observed_value: 0.1,
      deviation_score: -4,
      resolved_at: resolved === null ? null : new Date(NOW.getTime() - resolved * DAY).toISOString(),
    });
    await store.commit([{ t: 'upsert', table: 'skill_anomalies', key: ['id'], rows: [row(ids[0], 40, 39), row(ids[1], 40, null), row(ids[2], 2, 1)] }]);
    const result = await applyRetention(store, { retentionDays: 30, now: NOW });
    assert.equal(result.anomalies_removed, 1);
    assert.deepEqual(
      all<{ id: number }>(store.db, 'SELECT id FROM skill_anomalies ORDER BY id').map((r) => r.id),
      [ids[1], ids[2]],
    );
  });

  it('is one logged event: a reopened store replays to the same roll-up', async () => {
    const rolled = daily(store);
    const other = await SkillStore.open({ path: store.paths.db, pollMs: 0 });
    try {
      assert.deepEqual(daily(other), rolled);
      assert.equal(count(other, 'SELECT COUNT(*) AS n FROM skill_invocation'), 0);
    } finally {
      await other.close({ snapshot: false });
    }
  });

  it('rejects a bad retention period', async () => {
    await assert.rejects(applyRetention(store, { retentionDays: 0 }), /retentionDays/);
    await assert.rejects(applyRetention(store, { retentionDays: 1.5 }), /retentionDays/);
  });
});

describe('a long backlog is removed in steps, and the roll-up adds up across them', () => {
  it('9,000 old runs of one day go in five steps of at most 2,000, rolled up to the same day totals', async () => {
    const t = await tempStore();
    try {
      // One old day, one skill, seven users: 9,000 runs, every third one failed (3,000), each completed one 2 s.
      const old: PlantedInvocation[] = Array.from({ length: 9000 }, (_, i) => ({
        skill: 'lint',
        user: `user-${i % 7}`,
        at: new Date(Date.parse(`${dateBefore(400)}T00:00:00.000Z`) + i * 9000).toISOString(),
        completed: i % 3 !== 0,
        duration: 2,
      }));
      await plant(t.store, [...old, ...RECENT]);
      const steps: string[] = [];
      t.store.onDidApply((events) => steps.push(...events.filter((e) => e.t === 'retention').map((e) => (e as { before: string }).before)));
      const result = await applyRetention(t.store, { retentionDays: 365, now: NOW });
      assert.equal(result.removed, 9000);
      assert.equal(steps.length, 5, `steps: ${steps.join(', ')}`);
      assert.deepEqual(all(t.store.db, 'SELECT date, skill_name, invocations, completions, abandonments, avg_duration_seconds FROM mv_daily_skills'),
        [{ date: dateBefore(400), skill_name: 'lint', invocations: 9000, completions: 6000, abandonments: 3000, avg_duration_seconds: 2 }]);
      assert.equal(one<{ n: number }>(t.store.db, 'SELECT COUNT(*) AS n FROM skill_invocation')!.n, RECENT.length);
      assert.equal(one<{ n: number }>(t.store.db, 'SELECT COUNT(*) AS n FROM skill_user_interactions WHERE invoked_at < ?', [dateBefore(365)])!.n, 0, 'every user\'s old interactions');
      assert.equal(one<{ n: number }>(t.store.db, 'SELECT COUNT(*) AS n FROM skill_user_interactions')!.n, RECENT.length);
    } finally {
      await t.close();
    }
  });
});

describe('retention and the team push cursor', () => {
  it('counts the removed invocations a team store had not received, so the caller can say so', async () => {
    const { store, close } = await tempStore();
    try {
      // Three old runs; the team's cursor for their writer stands after the first: two of the removed were never pushed.
      await plant(store, [0, 1, 2].map((m) => ({ skill: 'lint', at: onDate(400, m) })));
      await plant(store, [{ skill: 'lint', at: onDate(1, 0) }]);
      const first = one<{ stamp: number }>(store.db, 'SELECT MIN(write_stamp) AS stamp FROM skill_invocation')!.stamp;
      await store.commit([
        { t: 'upsert', table: 'team_sync', key: ['team_id'], rows: [{ team_id: 't', server: 'h:5432/db' }] },
        { t: 'upsert', table: 'team_push_cursor', key: ['team_id', 'writer_slot'], rows: [{ team_id: 't', writer_slot: Math.floor(first / 256) % 32, pushed_stamp: first }] },
      ]);
      const result = await applyRetention(store, { retentionDays: 365, now: NOW });
      assert.deepEqual([result.removed, result.unpushed_removed], [3, 2]);
    } finally {
      await close();
    }
  });

  it('with no team store nothing counts as unpushed', async () => {
    const { store, close } = await tempStore();
    try {
      await plant(store, [{ skill: 'lint', at: onDate(400, 0) }]);
      const result = await applyRetention(store, { retentionDays: 365, now: NOW });
      assert.deepEqual([result.removed, result.unpushed_removed], [1, 0]);
    } finally {
      await close();
    }
  });
});
