import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { analyzeAbTest, getActiveAbTest } from '../../src/core/analytics/abTesting';
import { getOpenAnomalies } from '../../src/core/analytics/anomalies';
import { getCommunityBaselines } from '../../src/core/analytics/baselines';
import { getSkillDependencies } from '../../src/core/analytics/dependencies';
import { getPredictorInfo } from '../../src/core/analytics/predictor';
import { getSkillTrend } from '../../src/core/analytics/trend';
import { getDashboardData } from '../../src/core/dashboard/dashboardData';
import { DEMO_AB_TEST, DEMO_DAYS, DEMO_PLANTED, DEMO_SOURCE, generateDemoHistory } from '../../src/core/demo/demoHistory';
import { seedDemoStore } from '../../src/core/demo/seedDemo';
import { getRecommendations } from '../../src/core/recommend/engine';
import { all, one } from '../../src/core/store/statements';
import { SkillStore } from '../../src/core/store/store';
import { dbIn, tempDir } from '../helpers/store';

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');
// The A/B framework assigns and records against the clock, so the history ends at the real now.
const NOW = new Date();
const USER = 'demo-you';

describe('the demo history (npm start)', () => {
  const scratch = tempDir('sb-demo-');
  let store: SkillStore;

  before(async () => {
    const db = dbIn(scratch.dir, 'seeded');
    const writer = await SkillStore.open({ path: db, pollMs: 0 });
    await seedDemoStore(writer, { userId: USER, now: NOW });
    await writer.close({ snapshot: true });
    // What the editor opens: the snapshot and log on disk, read back by a new process's store.
    store = await SkillStore.open({ path: db, mode: 'read', pollMs: 0 });
  });

  after(async () => {
    await store?.close();
    scratch.cleanup();
  });

  test('60 days of runs of a few dozen skills, all in demo sessions of the given user, with no paths', () => {
    const span = one<{ first: string; last: string; days: number; skills: number }>(store.db,
      'SELECT MIN(invoked_at) AS first, MAX(invoked_at) AS last, COUNT(DISTINCT substr(invoked_at, 1, 10)) AS days, COUNT(DISTINCT skill_name) AS skills FROM skill_invocation')!;
    assert.ok(Date.parse(span.first) < NOW.getTime() - (DEMO_DAYS - 2) * 86_400_000, `starts ~60 days back (${span.first})`);
    assert.ok(span.last < NOW.toISOString(), 'nothing after "now"');
    assert.ok(span.days >= 40, `runs on most days (${span.days})`);
    assert.ok(span.skills >= 25 && span.skills <= 40, `a few dozen skills (${span.skills})`);
    assert.deepEqual(all(store.db, 'SELECT DISTINCT user_id, source, project_hash FROM skill_sessions'), [{ user_id: USER, source: DEMO_SOURCE, project_hash: null }]);
    assert.equal(one<{ n: number }>(store.db, 'SELECT COUNT(*) AS n FROM skill_sessions WHERE ended_at IS NULL')!.n, 0, 'every session ended');
  });

  test('the planted regression is a declining trend and the last hour is an open anomaly', () => {
    const trend = getSkillTrend(store, DEMO_PLANTED.regression.skill, { days: 14, metric: 'completion_rate', now: NOW });
    assert.equal(trend.trend, 'declining', JSON.stringify(trend));
    const slower = getSkillTrend(store, DEMO_PLANTED.slowdown.skill, { days: 30, metric: 'avg_duration_seconds', now: NOW });
    assert.ok(slower.slope! > 0 && slower.p_value! < 0.05, `the slowdown shows in durations: ${JSON.stringify(slower)}`);
    const [anomaly] = getOpenAnomalies(store);
    assert.equal(anomaly?.skill_name, DEMO_PLANTED.anomaly.skill);
    assert.equal(anomaly.anomaly_type, 'drop');
    assert.equal(anomaly.observed_value, 0, 'every run of the last hour failed');
  });

  test('the planted dependency pair is strong, and teammates make baselines and collaborative recommendations', async () => {
    const [a, b] = DEMO_PLANTED.dependency.skills;
    const pair = getSkillDependencies(store, a, { limit: 50 }).find((d) => d.skill_b === b);
    assert.ok(pair && pair.lift_score > 2, `${a} → ${b}: ${JSON.stringify(pair)}`);
    assert.equal(pair!.relationship_type, 'strong_positive');
    const users = one<{ n: number }>(store.db, 'SELECT COUNT(DISTINCT user_id) AS n FROM skill_user_interactions')!.n;
    assert.equal(users, 7, 'you and six teammates');
    assert.ok(getCommunityBaselines(store, { limit: 100 }).length >= 25);
    const recommended = await getRecommendations(store, { userId: USER, limit: 5 });
    assert.ok(recommended.length >= 3, JSON.stringify(recommended));
  });

  test('a running A/B test with participants in both groups, and a trained predictor', () => {
    const test = getActiveAbTest(store, { now: NOW });
    assert.equal(test?.test_name, DEMO_AB_TEST.test_name);
    assert.equal(test?.test_id, DEMO_AB_TEST.test_id, 'a fixed id: a user is in the same group each time the demo is generated');
    const analysis = analyzeAbTest(store, test!.test_id);
    assert.equal(analysis.control.users + analysis.treatment.users, DEMO_AB_TEST.users);
    assert.ok(analysis.control.users > 10 && analysis.treatment.users > 10, JSON.stringify(analysis));
    assert.ok(getPredictorInfo(store), 'the predictor model was trained and saved beside the store');
  });

  test('the dashboard says it is demo data and shows the runs', () => {
    const data = getDashboardData(store, { now: NOW, days: 30 });
    assert.equal(data.demo, true);
    assert.ok(data.timeline.filter((d) => d.invocations > 0).length >= 20);
  });

  test('a demo started just after midnight has runs today: the failing build ends a minute before now', () => {
    const justAfterMidnight = new Date(2026, 11, 5, 0, 3);
    const runs = generateDemoHistory({ userId: USER, now: justAfterMidnight }).sessions.flatMap((s) => s.invocations);
    const midnight = new Date(2026, 11, 5).getTime();
    const ends = runs.map((r) => Date.parse(r.invoked_at) + (r.duration_seconds ?? 0) * 1000);
    assert.ok(runs.some((r) => Date.parse(r.invoked_at) >= midnight), 'a run after local midnight');
    assert.ok(Math.max(...ends) <= justAfterMidnight.getTime(), 'no run ends after now');
  });

  test('the same seed and time give the same history', () => {
    const first = generateDemoHistory({ userId: USER, now: NOW, seed: 7 });
    const again = generateDemoHistory({ userId: USER, now: NOW, seed: 7 });
    assert.deepEqual(again, first);
    assert.notDeepEqual(generateDemoHistory({ userId: USER, now: NOW, seed: 8 }).sessions, first.sessions);
  });

  test('seed-demo refuses a store that holds data: the demo never writes over anyone\'s runs', () => {
    const db = dbIn(scratch.dir, 'mine');
    const track = spawnSync(process.execPath, [CLI, '--db', db, 'track', '--skill', 'pytest-run'], { encoding: 'utf8' });
    assert.equal(track.status, 0, track.stderr);
    const seed = spawnSync(process.execPath, [CLI, '--db', db, 'seed-demo'], { encoding: 'utf8' });
    assert.equal(seed.status, 1);
    assert.match(seed.stderr, /already holds 1 runs in 1 sessions; the demo history is written only to an empty store/);
    const metrics = spawnSync(process.execPath, [CLI, '--db', db, 'metrics', '--json'], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(metrics.stdout).skills.map((s: { total_invocations: number }) => s.total_invocations), [1], 'the one run is still the only one');
  });
});
