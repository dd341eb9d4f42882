import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { AnalyticsJobRunner } from '../../src/core/analytics/analyticsJobRunner';
import { getCommunityBaselines } from '../../src/core/analytics/baselines';
import { getSkillDependencies } from '../../src/core/analytics/dependencies';
import { getPredictorInfo, PredictorRefusal } from '../../src/core/analytics/predictor';
import { ColumnShelf } from '../../src/core/analytics/columnShelf';
import { SkillChangeTracker } from '../../src/core/analytics/skillChangeTracker';
import { storedSkillChanges } from '../../src/core/analytics/skillChanges';
import { SkillStore } from '../../src/core/store/store';
import { ago, plant, tempDir, type PlantedInvocation } from '../helpers/store';
import { tsWorkerEntry } from '../helpers/tsWorker';

const scratch = tempDir('sb-analytics-worker-');
let runner: AnalyticsJobRunner;
let store: SkillStore;

before(async () => {
  runner = new AnalyticsJobRunner({ workerFile: tsWorkerEntry(scratch.dir, 'src/core/analytics/analyticsWorker.ts') });
  store = await SkillStore.open({ path: path.join(scratch.dir, 'skills.db'), pollMs: 0 });
});

after(async () => {
  await store.close({ snapshot: false });
  runner.dispose();
  scratch.cleanup();
});

test('dependencies are computed in the worker on its own replica and committed to the caller\'s store', async () => {
  // 10 sessions: build and deploy together in 4, build alone in 2, deploy alone in 0, lint alone in 4.
  // lift(build, deploy) = co·N / (n_build·n_deploy) = 4·10 / (6·4) = 1.667
  const planted: PlantedInvocation[] = [];
  for (let s = 0; s < 10; s++) {
    const session = `s${s}`;
    if (s < 6) planted.push({ skill: 'build', at: ago.minutes(60 - s), session, user: `u${s % 3}` });
    if (s < 4) planted.push({ skill: 'deploy', at: ago.minutes(50 - s), session, user: `u${s % 3}` });
    if (s >= 6) planted.push({ skill: 'lint', at: ago.minutes(40 - s), session, user: `u${s % 3}`, completed: s % 2 === 0 });
  }
  await plant(store, planted);
  const result = await runner.run(store, { kind: 'dependencies', minCoOccurrence: 2 });
  assert.equal(result.summary.sessions, 10);
  const pair = getSkillDependencies(store, 'build', { limit: 10 }).find((d) => d.skill_b === 'deploy');
  assert.equal(pair?.co_occurrence_count, 4);
  assert.equal(Math.round(pair!.lift_score * 1000) / 1000, 1.667);

  await runner.run(store, { kind: 'baselines' });
  const lint = getCommunityBaselines(store, { limit: 10 }).find((b) => b.skill_name === 'lint');
  assert.equal(lint?.total_invocations, 4);
  assert.equal(lint?.global_completion_rate, 0.5, 'sessions 6 and 8 completed, 7 and 9 did not');
});

test('a predictor refusal crosses the thread as a PredictorRefusal (too little data is information)', async () => {
  await assert.rejects(() => runner.run(store, { kind: 'predictor', days: 30 }), (err: unknown) => err instanceof PredictorRefusal && /not enough data/.test((err as Error).message));
  assert.equal(getPredictorInfo(store), undefined, 'no model was written');
});

test('the regression history is fitted in the worker: its rows reach the store, its fitted detectors the shelf the window takes them from, and the window appends later runs', async () => {
  const start = Date.now() - 300 * 3_600_000;
  const steady: PlantedInvocation[] = Array.from({ length: 200 }, (_, i) => ({ skill: 'bench-run', at: new Date(start + i * 3_600_000), duration: 10 + (i % 5) * 0.1 }));
  await plant(store, steady);
  const tracker = new SkillChangeTracker(new ColumnShelf(store.paths.historyDir));
  const result = await runner.run(store, { kind: 'changes', shelf: tracker.writerPrefix() });
  assert.ok(result.summary.skills.includes('bench-run'));
  assert.ok(storedSkillChanges(store, 'bench-run').some((s) => s.metric === 'duration' && s.open));
  assert.equal(result.summary.shelved.find((f) => f.skill === 'bench-run')?.runs, 200, 'the worker shelved the fitted state itself');
  tracker.adopt(result.summary.shelved);
  const slow: PlantedInvocation[] = Array.from({ length: 30 }, (_, i) => ({ skill: 'bench-run', at: new Date(start + (200 + i) * 3_600_000), duration: 20 + (i % 5) * 0.1 }));
  await plant(store, slow);
  const found = await tracker.update(store);
  assert.deepEqual(found.map((r) => [r.skill_name, r.metric, r.start_run_number]), [['bench-run', 'duration', 201]]);
});

/** The pids of this process's children (Linux). */
function childPids(): number[] {
  const tasks = `/proc/${process.pid}/task`;
  return fs.readdirSync(tasks).flatMap((task) => fs.readFileSync(path.join(tasks, task, 'children'), 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
}

test('in a child process (the store host\'s isolation): the jobs run and their results cross, and the process ends with the runner', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
  const before = new Set(childPids());
  const isolated = new AnalyticsJobRunner({ workerFile: tsWorkerEntry(scratch.dir, 'src/core/analytics/analyticsWorker.ts'), isolation: 'process' });
  try {
    const result = await isolated.run(store, { kind: 'dependencies', minCoOccurrence: 2 });
    assert.equal(result.summary.sessions > 0, true);
    const [worker] = childPids().filter((pid) => !before.has(pid));
    assert.ok(worker, 'a child process ran the job');
    const tracker = new SkillChangeTracker(new ColumnShelf(store.paths.historyDir));
    const changes = await isolated.run(store, { kind: 'changes', refit: ['bench-run'], shelf: tracker.writerPrefix() });
    assert.ok(changes.summary.shelved.some((f) => f.skill === 'bench-run'), 'the child shelved the fitted states');
    tracker.adopt(changes.summary.shelved);
    assert.ok(tracker.skills.includes('bench-run'));
    isolated.dispose();
    const deadline = Date.now() + 10_000;
    while (fs.existsSync(`/proc/${worker}`) && !/\) Z /.test(fs.readFileSync(`/proc/${worker}/stat`, 'utf8')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(!fs.existsSync(`/proc/${worker}`) || /\) Z /.test(fs.readFileSync(`/proc/${worker}/stat`, 'utf8')), 'the worker process ended');
  } finally {
    isolated.dispose();
  }
});
