import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getDashboardData, hasRecordedRuns } from '../../src/core/dashboard/dashboardData';
import { statusText } from '../../src/core/dashboard/statusText';
import { getTodaySummary } from '../../src/core/dashboard/today';
import { dayOf, lastDays } from '../../src/core/days';
import { projectHashOf } from '../../src/core/tracking/project';
import { SkillTracker } from '../../src/core/tracking/tracker';
import { plant, plantAnomalies, tempStore } from '../helpers/store';

const NOW = new Date('2026-03-10T12:00:00.000Z');

describe('today and the dashboard', () => {
  let ctx: Awaited<ReturnType<typeof tempStore>>;
  before(async () => {
    ctx = await tempStore();
    await plant(ctx.store, [
      // today (UTC): 3 runs of 2 skills, 2 completed; the first at the very start of the day
      { skill: 'pytest-run', at: '2026-03-10T00:00:00.000Z', completed: true },
      { skill: 'pytest-run', at: '2026-03-10T08:30:00.000Z', completed: false, error: 'exit 1' },
      { skill: 'ruff-check', at: '2026-03-10T11:59:00.000Z', completed: true },
      // not today: the last moment of yesterday, and tomorrow
      { skill: 'pytest-run', at: '2026-03-09T23:59:59.999Z', completed: true },
      { skill: 'old-skill', at: '2026-03-11T00:00:00.000Z', completed: true },
      // two days ago: 2 runs, 1 completed; and a run 20 days ago, outside the charts' 14 days
      { skill: 'pytest-run', at: '2026-03-08T10:00:00.000Z', completed: true },
      { skill: 'pytest-run', at: '2026-03-08T11:00:00.000Z', completed: false },
      { skill: 'old-skill', at: '2026-02-18T10:00:00.000Z', completed: true },
    ]);
    await plantAnomalies(ctx.store, [
      { id: 1, skill: 'pytest-run', at: '2026-03-10T09:00:00.000Z' },
      { id: 2, skill: 'ruff-check', at: '2026-03-10T10:00:00.000Z', type: 'spike', baseline: 2, observed: 9, resolvedAt: '2026-03-10T11:00:00.000Z' },
    ]);
  });
  after(() => ctx.close());

  test('a UTC day runs from midnight to the next midnight; a local day from local midnight (23 or 25 hours across daylight saving)', () => {
    assert.deepEqual(dayOf(new Date('2026-03-10T23:59:59.999Z'), 'utc'), { date: '2026-03-10', start: '2026-03-10T00:00:00.000Z', end: '2026-03-11T00:00:00.000Z' });
    const local = dayOf(NOW, 'local');
    const midnight = new Date(NOW.getFullYear(), NOW.getMonth(), NOW.getDate());
    assert.equal(local.start, midnight.toISOString());
    assert.equal(local.end, new Date(NOW.getFullYear(), NOW.getMonth(), NOW.getDate() + 1).toISOString());
    const week = lastDays(7, NOW, 'local');
    assert.equal(week.length, 7);
    assert.equal(week.at(-1)!.date, local.date);
    assert.ok(week.every((d, i) => i === 0 || d.start === week[i - 1].end), 'the days follow each other without gaps');
  });

  test("today's summary counts only today's runs, and the open anomaly", () => {
    const s = getTodaySummary(ctx.store, NOW, 'utc');
    assert.equal(s.invocations, 3);
    assert.equal(s.completed, 2);
    assert.equal(statusText(s), '$(pulse) 3 runs today, 67% completed');
    assert.equal(statusText(s, true), '$(debug-pause) Paused · 3 runs today, 67% completed');
    assert.deepEqual(s.topSkills.map((t) => [t.skill, t.invocations]), [['pytest-run', 2], ['ruff-check', 1]]);
    assert.equal(s.openAnomalies, 1, 'the resolved anomaly is not open');
    assert.equal(s.latestAnomaly?.skill_name, 'pytest-run');
  });

  test("today's top three break ties by name as SQLite orders names (UTF-8 bytes), whatever the characters", async () => {
    const own = await tempStore();
    try {
      // Tied at one run each. By UTF-8 bytes: z (7A) < Ａ (EF BC A1) < ｚ (EF BD 9A) < 🚀 (F0 9F 9A 80); compared as
      // UTF-16 code units the emoji (D83D) would come before the fullwidth letters (FF21, FF5A).
      await plant(own.store, ['🚀deploy', 'ｚlast', 'Ａbuild', 'zz'].map((skill) => ({ skill, at: '2026-03-10T09:00:00.000Z', completed: true })));
      assert.deepEqual(getTodaySummary(own.store, NOW, 'utc').topSkills.map((t) => t.skill), ['zz', 'Ａbuild', 'ｚlast']);
    } finally {
      await own.close();
    }
  });

  test('a day without runs shows a dash, not 0%', () => {
    const s = getTodaySummary(ctx.store, new Date('2026-03-05T12:00:00.000Z'), 'utc');
    assert.equal(statusText(s), '$(pulse) No runs today', 'words, not "0 · –", which meant nothing until hovered');
    assert.equal(statusText({ invocations: 1, completionRate: 1 }), '$(pulse) 1 run today, 100% completed');
    assert.equal(s.completionRate, null);
  });

  test('charts: per day of the range, busiest skill first, on one scale; days without runs have no rate', () => {
    const d = getDashboardData(ctx.store, { now: NOW, boundary: 'utc' });
    assert.deepEqual(d.range, { days: 14, boundary: 'utc', from: '2026-02-25', to: '2026-03-10' });
    assert.deepEqual(d.series.map((s) => s.skill), ['pytest-run', 'ruff-check'], 'pytest-run (5 runs) before ruff-check (1)');
    const pytest = d.series.find((s) => s.skill === 'pytest-run')!;
    assert.equal(pytest.days.length, 14);
    assert.equal(pytest.days.at(-1)!.date, '2026-03-10');
    const day = (date: string) => pytest.days.find((p) => p.date === date)!;
    assert.deepEqual(day('2026-03-08'), { date: '2026-03-08', invocations: 2, completed: 1, completionRate: 0.5, timeSpentSeconds: 2 });
    assert.deepEqual(day('2026-03-09'), { date: '2026-03-09', invocations: 1, completed: 1, completionRate: 1, timeSpentSeconds: 1 });
    assert.deepEqual(day('2026-03-07'), { date: '2026-03-07', invocations: 0, completed: 0, completionRate: null, timeSpentSeconds: 0 });
    assert.equal(d.maxDailyRuns, 2);
    assert.deepEqual(d.anomalies.map((a) => [a.id, a.detected_at, a.lastRunAt]), [[1, '2026-03-10T09:00:00.000Z', '2026-03-10T08:30:00.000Z']],
      'the open anomaly, noticed at 09:00, with the last run of its skill, half an hour earlier');
    assert.deepEqual(d.trends.map((t) => t.skill_name), d.series.map((s) => s.skill));
  });

  test('the timeline adds every skill up per day; the range can be chosen; the trend chart follows the chosen skill', () => {
    const d = getDashboardData(ctx.store, { now: NOW, boundary: 'utc', days: 7 });
    assert.equal(d.timeline.length, 7);
    assert.deepEqual(d.timeline.find((p) => p.date === '2026-03-10'), { date: '2026-03-10', invocations: 3, completed: 2, completionRate: 2 / 3, timeSpentSeconds: 3 });
    assert.equal(d.timeline.reduce((n, p) => n + p.invocations, 0), 6, 'the run of tomorrow and the one 20 days ago are outside');
    assert.equal(d.trendChart?.trend.skill_name, 'pytest-run', 'the busiest skill by default');
    assert.equal(getDashboardData(ctx.store, { now: NOW, boundary: 'utc', trendSkill: 'ruff-check' }).trendChart?.trend.skill_name, 'ruff-check');
    assert.deepEqual(d.skills, ['pytest-run', 'ruff-check']);
  });

  test('top skills and totals cover the range, rates 0..1, durations over the runs that recorded one', () => {
    const d = getDashboardData(ctx.store, { now: NOW, boundary: 'utc' });
    assert.equal(d.topSkills[0].skill, 'pytest-run');
    assert.equal(d.topSkills[0].invocations, 5);
    assert.equal(d.topSkills[0].completionRate, 0.6);
    assert.equal(d.topSkills[0].avgDurationSeconds, 1);
    assert.equal(d.totals.invocations, 6, 'the run 20 days ago is outside the 14 days, the one tomorrow too');
    assert.equal(d.totals.skills, 2);
    assert.equal(hasRecordedRuns(ctx.store), true);
    assert.equal(d.recorded, true);
  });

  test('the workspace filter counts only the runs of sessions in this workspace, when the window has one', async () => {
    const tracker = new SkillTracker(ctx.store, 'planted-user');
    const here = await tracker.createSession({ projectPath: 'file:///home/me/here' });
    const elsewhere = await tracker.createSession({ projectPath: 'file:///home/me/elsewhere' });
    await tracker.trackInvocations([
      { sessionId: here, skillName: 'tsc-check', invokedAt: '2026-03-09T10:00:00.000Z', completed: true, durationSeconds: 4 },
      { sessionId: here, skillName: 'tsc-check', invokedAt: '2026-03-09T11:00:00.000Z', completed: false, durationSeconds: 6 },
      { sessionId: elsewhere, skillName: 'go-test', invokedAt: '2026-03-09T12:00:00.000Z', completed: true },
    ]);
    const hash = projectHashOf(ctx.store, 'file:///home/me/here');
    const mine = getDashboardData(ctx.store, { now: NOW, boundary: 'utc', projectHash: hash, workspace: 'workspace' });
    assert.deepEqual(mine.scope, { workspace: 'workspace', available: true });
    assert.deepEqual(mine.topSkills.map((r) => [r.skill, r.invocations, r.completionRate]), [['tsc-check', 2, 0.5]]);
    assert.deepEqual([mine.totals.invocations, mine.totals.timeSpentSeconds, mine.skills], [2, 10, ['tsc-check']]);
    assert.equal(mine.timeline.reduce((n, p) => n + p.invocations, 0), 2);
    assert.deepEqual(mine.series.map((s) => s.skill), ['tsc-check']);
    assert.equal(mine.trendChart?.points.length, 1, "the trend chart counts this workspace's runs too");
    const everything = getDashboardData(ctx.store, { now: NOW, boundary: 'utc', projectHash: hash, workspace: 'all' });
    assert.equal(everything.totals.invocations, 9, 'all workspaces: the planted runs and both sessions');
    assert.deepEqual(getDashboardData(ctx.store, { now: NOW, boundary: 'utc', workspace: 'workspace' }).scope, { workspace: 'all', available: false },
      'a window without a folder cannot filter');
  });

  test('an empty store has nothing recorded', async () => {
    const empty = await tempStore();
    try {
      assert.equal(hasRecordedRuns(empty.store), false);
      const d = getDashboardData(empty.store, { now: NOW });
      assert.deepEqual([d.topSkills, d.series, d.anomalies, d.trends, d.skills], [[], [], [], [], []]);
      assert.equal(d.trendChart, null);
      assert.equal(d.totals.completionRate, null);
      assert.equal(d.recorded, false, 'the page says how to record a first run');
    } finally {
      await empty.close();
    }
  });
});
