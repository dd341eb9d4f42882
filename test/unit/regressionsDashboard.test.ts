import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { refreshSkillChanges } from '../../src/core/analytics/skillChanges';
import { alertsToShow, rememberShown } from '../../src/core/dashboard/alertMemory';
import { openAlerts } from '../../src/core/dashboard/alerts';
import { dayOffset } from '../../src/core/dashboard/changeMarks';
import { getDashboardData } from '../../src/core/dashboard/dashboardData';
import { getTodaySummary } from '../../src/core/dashboard/today';
import { lastDays } from '../../src/core/days';
import { plant, tempStore, type PlantedInvocation } from '../helpers/store';
import { PLANTED, seedRegressionStore } from '../integration/skillChanges-seed';

/** Noon, so that the seed's runs (08:00 to 19:00 UTC) are whole days before it in every time zone's range. */
const NOW = new Date('2026-03-10T12:00:00.000Z');
const DAY_MS = 86_400_000;

/** The seed plants day by day from 90 days before today; run k of a skill with n runs a day is on day ⌈k / n⌉. */
function seededAt(daysBefore: number, hour: number): string {
  return new Date(Date.parse(NOW.toISOString().slice(0, 10)) - daysBefore * DAY_MS + hour * 3_600_000).toISOString();
}

describe('regressions on the dashboard, the status bar and in alerts: a store with a planted slowdown and failure-rate jump', () => {
  let ctx: Awaited<ReturnType<typeof tempStore>>;
  before(async () => {
    ctx = await tempStore();
    await seedRegressionStore(ctx.store, NOW);
    await refreshSkillChanges(ctx.store, { now: NOW });
  });
  after(() => ctx.close());

  test('the Regressions list: each open regression once, newest first, with its size, start and run; a drop in use is no regression', () => {
    const d = getDashboardData(ctx.store, { now: NOW, boundary: 'utc' });
    assert.deepEqual(d.regressions.map((r) => [r.skill, r.metric]).sort(), [['pytest-run', 'duration'], ['ruff-check', 'failure_rate']]);
    assert.ok(d.regressions[0].startedAt > d.regressions[1].startedAt, 'newest first');
    const slow = d.regressions.find((r) => r.skill === PLANTED.slowdown.skill)!;
    const failing = d.regressions.find((r) => r.skill === PLANTED.failures.skill)!;
    assert.match(slow.change, /^1\.6× slower \(3\d s → 4\d s\)$/);
    assert.equal(slow.startRun, PLANTED.slowdown.firstSlowRun);
    // Run 201 is the first of day 51 of 4 runs a day: 40 days before today, at 09:00.
    assert.equal(slow.startedAt, seededAt(40, 9));
    assert.equal(failing.change, 'failure rate 4% → 31%');
    assert.ok(Math.abs((failing.startRun as number) - PLANTED.failures.firstRun) <= 5, `${failing.startRun}`);
    assert.ok(d.regressions.every((r) => r.open && r.regression));
  });

  test('each charted skill has its change points at their place on its days, with the levels before and after', () => {
    const d = getDashboardData(ctx.store, { now: NOW, boundary: 'utc', days: 90 });
    const changesOf = (skill: string) => d.series.find((s) => s.skill === skill)!.changes;
    const [slow] = changesOf('pytest-run');
    assert.equal(changesOf('pytest-run').length, 1);
    // Today is the 90th day of the range, so the day 40 days before is its 50th (index 49); 09:00 is 9/24 into it.
    assert.equal(slow.offset, 49 + 9 / 24);
    assert.match(slow.change, /^1\.6× slower/);
    const [drop] = changesOf('git-commit');
    assert.deepEqual([drop.metric, drop.change, drop.regression, drop.offset], ['runs', 'runs per day 10.0 → 2.0', false, 90 - 1 - PLANTED.dropInUse.daysAgo],
      'a change of use is marked too, at the start of its UTC day, but is no regression');
    assert.equal(changesOf('ruff-check').length, 1);
    assert.deepEqual(changesOf(PLANTED.steady.skill), [], 'the steady skill has no change point');
  });

  test('an open regression that began before the range is on its chart without a place; a closed change before it is not', () => {
    const d = getDashboardData(ctx.store, { now: NOW, boundary: 'utc', days: 14 });
    const pytest = d.series.find((s) => s.skill === 'pytest-run')!;
    assert.deepEqual(pytest.changes.map((c) => [c.metric, c.offset]), [['duration', null]]);
    assert.deepEqual(d.series.find((s) => s.skill === 'git-commit')!.changes, []);
    assert.equal(d.regressions.length, 2, 'the list is not limited to the range');
  });

  test("the status bar's summary holds the open regressions, newest first", () => {
    const s = getTodaySummary(ctx.store, NOW, 'utc');
    const list = getDashboardData(ctx.store, { now: NOW, boundary: 'utc' }).regressions;
    assert.deepEqual(s.openRegressions, list, 'the same as the dashboard lists');
    assert.equal(s.openRegressions.length, 2);
    assert.equal(s.openAnomalies, 0);
  });

  test('one alert per open regression, with its size and start; said once, and not again after the history is refitted', async () => {
    const alerts = openAlerts(ctx.store, NOW);
    const list = getDashboardData(ctx.store, { now: NOW, boundary: 'utc' }).regressions;
    assert.deepEqual(alerts.map((a) => [a.kind, a.skill, a.since]), list.map((r) => ['regression', r.skill, r.startedAt]), 'the listed regressions, in the same order');
    assert.match(alerts.find((a) => a.skill === 'pytest-run')!.message, /^pytest-run: 1\.6× slower \(3\d s → 4\d s\) since .+ \(run 201\)\.$/);
    assert.match(alerts.find((a) => a.skill === 'ruff-check')!.message, /^ruff-check: failure rate 4% → 31% since .+ \(run 2\d\d\)\.$/);
    const fresh = alertsToShow(alerts, { shown: [] });
    assert.equal(fresh.length, 2);
    const memory = rememberShown({ shown: [] }, fresh, alerts);
    await refreshSkillChanges(ctx.store, { now: new Date(NOW.getTime() + 3_600_000), force: true });
    const later = openAlerts(ctx.store, NOW);
    assert.deepEqual(later.map((a) => a.key), alerts.map((a) => a.key), 'the same episodes, the same keys');
    assert.deepEqual(alertsToShow(later, memory), [], 'not said again an hour later');
  });
});

describe('a store whose skills never change', () => {
  let ctx: Awaited<ReturnType<typeof tempStore>>;
  before(async () => {
    ctx = await tempStore();
    const runs: PlantedInvocation[] = [];
    const today = Date.parse(NOW.toISOString().slice(0, 10));
    for (let d = 60; d >= 1; d--) {
      for (let k = 0; k < 4; k++) {
        // A steady 20 s (±5 %, a fixed pattern), and one failure in 8.
        const n = (60 - d) * 4 + k;
        runs.push({ skill: 'pytest-run', at: new Date(today - d * DAY_MS + (9 + k) * 3_600_000), duration: 20 * (1 + 0.05 * Math.sin(n * 2.3)), completed: n % 8 !== 0 });
      }
    }
    await plant(ctx.store, runs);
    await refreshSkillChanges(ctx.store, { now: NOW });
  });
  after(() => ctx.close());

  test('no regression anywhere: the list is empty, the chart unmarked, the status bar and the alerts quiet', () => {
    const d = getDashboardData(ctx.store, { now: NOW, boundary: 'utc', days: 90 });
    assert.deepEqual(d.regressions, []);
    assert.deepEqual(d.series.map((s) => [s.skill, s.changes]), [['pytest-run', []]]);
    assert.deepEqual(getTodaySummary(ctx.store, NOW, 'utc').openRegressions, []);
    assert.deepEqual(openAlerts(ctx.store, NOW), []);
  });
});

test("a moment's place on a chart's days: the day's index plus the share of the day gone; outside the days, none", () => {
  const days = lastDays(3, NOW, 'utc');
  assert.equal(dayOffset('2026-03-08T00:00:00.000Z', days), 0);
  assert.equal(dayOffset('2026-03-09T18:00:00.000Z', days), 1.75);
  assert.equal(dayOffset('2026-03-07T23:59:59.999Z', days), null);
  assert.equal(dayOffset('2026-03-11T00:00:00.000Z', days), null);
});
