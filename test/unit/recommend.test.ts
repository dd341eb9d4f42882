import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { seededRandom } from '../../src/core/analytics/seededRandom';
import { getRecommendations } from '../../src/core/recommend/engine';
import { SKILL_COMMANDS, actionForSkill, isRunnable } from '../../src/core/recommend/skillCommands';
import { skillsFromCommandLine } from '../../src/core/tracking/commandLine';
import { isTestFileName } from '../../src/core/recommend/testFile';
import { ago, plant, tempStore, type PlantedInvocation } from '../helpers/store';
import { updateSkillDependencies } from '../../src/core/analytics/dependencies';

/**
 * 120 sessions of user "dev". Planted truths:
 * - ruff-check runs in 30 of the 40 sessions that run pytest-run and in no other session, so it
 *   is the strongest companion of pytest-run (lift 3);
 * - mypy-check runs in 10 pytest sessions and 20 others (a weaker lift of 1.5);
 * - git-status runs in every session (lift 1: popular, but says nothing about pytest-run);
 * - docker-build never meets pytest-run;
 * - flaky-e2e fails 4 runs in 5, stable-lint completes all its runs.
 * Order and filler sessions are shuffled with a fixed seed.
 */
function plantedHistory(): PlantedInvocation[] {
  const rnd = seededRandom(7);
  const runs: PlantedInvocation[] = [];
  const add = (session: number, skill: string, completed = true) =>
    runs.push({ skill, session: `s${session}`, user: 'dev', completed, at: ago.minutes(10_000 - session * 60 - runs.length % 50) });
  for (let s = 0; s < 120; s++) {
    add(s, 'git-status');
    if (s < 40) add(s, 'pytest-run', rnd() < 0.9);
    if (s < 30) add(s, 'ruff-check');
    if ((s >= 30 && s < 40) || (s >= 40 && s < 60)) add(s, 'mypy-check');
    if (s >= 60 && s < 80) add(s, 'docker-build');
  }
  for (let i = 0; i < 10; i++) add(100 + i, 'flaky-e2e', i % 5 === 0);
  for (let i = 0; i < 10; i++) add(110 + i, 'stable-lint', true);
  return runs;
}

describe('recommendation engine', () => {
  let ctx: Awaited<ReturnType<typeof tempStore>>;
  before(async () => {
    ctx = await tempStore();
    await plant(ctx.store, plantedHistory());
  });
  after(() => ctx.close());

  test('the planted companion of the last skill comes first, with a reason naming both', async () => {
    const recs = await getRecommendations(ctx.store, { lastSkill: 'pytest-run', userId: 'dev', limit: 5 });
    assert.equal(recs[0].skill, 'ruff-check');
    assert.equal(recs[0].source, 'dependency');
    assert.match(recs[0].reason, /pytest-run/);
    assert.match(recs[0].reason, /30 sessions/);
    const mypy = recs.find((r) => r.skill === 'mypy-check');
    assert.ok(mypy && mypy.score < recs[0].score, 'the weaker companion ranks below the strong one');
    const docker = recs.find((r) => r.skill === 'docker-build');
    assert.ok(!docker || (docker.source !== 'dependency' && docker.score < mypy.score), 'a skill that never meets pytest-run is no companion of it');
    assert.ok(!recs.some((r) => r.skill === 'pytest-run'), 'the last skill is not recommended again without a reason');
  });

  test('once the dependency network is computed the same companions come from it', async () => {
    const live = await getRecommendations(ctx.store, { lastSkill: 'pytest-run', userId: 'dev', limit: 5 });
    await updateSkillDependencies(ctx.store, { minCoOccurrence: 2 });
    try {
      const stored = await getRecommendations(ctx.store, { lastSkill: 'pytest-run', userId: 'dev', limit: 5 });
      assert.equal(stored[0].skill, 'ruff-check');
      assert.match(stored[0].reason, /30 sessions/);
      const companions = (recs: typeof live) => recs.filter((r) => r.source === 'dependency').map((r) => `${r.skill} ${r.score.toFixed(6)}`);
      assert.deepEqual(companions(stored), companions(live), 'the table and the live count agree');
    } finally {
      await ctx.store.commit([{ t: 'delete', table: 'skill_dependencies', where: {} }]);
    }
  });

  test('scores and probabilities are 0..1, ranked best first, limited', async () => {
    const recs = await getRecommendations(ctx.store, { lastSkill: 'pytest-run', userId: 'dev', limit: 3 });
    assert.equal(recs.length, 3);
    for (const r of recs) {
      assert.ok(r.score > 0 && r.score <= 1, `${r.skill} score ${r.score}`);
      assert.ok(r.successProbability > 0 && r.successProbability < 1, `${r.skill} p ${r.successProbability}`);
      assert.ok(r.reason.endsWith('.'), 'one sentence');
    }
    assert.deepEqual([...recs].sort((a, b) => b.score - a.score), recs);
  });

  test('without a last skill, popularity weighted by completion ranks the always-used skill first', async () => {
    const recs = await getRecommendations(ctx.store, { userId: 'dev', limit: 10 });
    assert.equal(recs[0].skill, 'git-status');
    assert.equal(recs[0].source, 'popularity');
    const flaky = recs.find((r) => r.skill === 'flaky-e2e');
    const stable = recs.find((r) => r.skill === 'stable-lint');
    assert.ok(flaky && stable, 'both equally used skills are candidates');
    assert.ok(flaky.score < stable.score, 'the skill that usually fails is a weaker suggestion');
  });

  test('predicted success follows the user own completion, and is 0.5 for an unknown skill', async () => {
    const recs = await getRecommendations(ctx.store, { userId: 'dev', limit: 10, recentFailures: ['never-seen'] });
    const p = (skill: string) => recs.find((r) => r.skill === skill)!.successProbability;
    assert.ok(p('flaky-e2e') < 0.4, `flaky ${p('flaky-e2e')}`);
    assert.ok(p('stable-lint') > 0.85, `stable ${p('stable-lint')}`);
    assert.equal(p('never-seen'), 0.5);
    const other = await getRecommendations(ctx.store, { userId: 'someone-else', limit: 10 });
    const flakyForOther = other.find((r) => r.skill === 'flaky-e2e')!.successProbability;
    assert.ok(flakyForOther < 0.4, 'a user without history gets the overall rate');
  });

  test('a recent failure is suggested again, and agreeing sources raise the score', async () => {
    const alone = await getRecommendations(ctx.store, { userId: 'dev', limit: 10 });
    const retried = await getRecommendations(ctx.store, { userId: 'dev', limit: 10, recentFailures: ['stable-lint'] });
    const before = alone.find((r) => r.skill === 'stable-lint')!;
    const afterRetry = retried.find((r) => r.skill === 'stable-lint')!;
    assert.equal(afterRetry.source, 'retry');
    assert.match(afterRetry.reason, /failed recently/);
    assert.ok(afterRetry.score > 0.7 && afterRetry.score > before.score, `${afterRetry.score} vs ${before.score}`);
    assert.equal(retried[0].skill, 'stable-lint');
  });

  test('editing a test file suggests the tests of its language, even for a new user', async () => {
    const empty = await tempStore();
    try {
      assert.deepEqual(await getRecommendations(empty.store, { userId: 'new' }), [], 'no history, no context: nothing to say');
      const recs = await getRecommendations(empty.store, { userId: 'new', languageId: 'python', isTestFile: true });
      assert.equal(recs.length, 1);
      assert.equal(recs[0].skill, 'pytest-run');
      assert.equal(recs[0].source, 'context');
      assert.deepEqual(recs[0].action, actionForSkill('pytest-run'));
      assert.deepEqual(await getRecommendations(empty.store, { userId: 'new', languageId: 'python', isTestFile: false }), []);
    } finally {
      await empty.close();
    }
  });

  test('bad input is refused with the field named', async () => {
    await assert.rejects(() => getRecommendations(ctx.store, { userId: '' }), /userId/);
    await assert.rejects(() => getRecommendations(ctx.store, { userId: 'dev', limit: 0 }), /limit/);
  });
});

describe('skill actions', () => {
  test('known skills map to their command, tasks to their label, scripts to the package manager', () => {
    assert.deepEqual(actionForSkill('pytest-run', 'win32'), { kind: 'command', command: 'python -m pytest' });
    assert.deepEqual(actionForSkill('pytest-run', 'linux'), { kind: 'command', command: 'python3 -m pytest' }, 'python3 where python is often missing');
    assert.deepEqual(actionForSkill('pytest-run', 'darwin'), { kind: 'command', command: 'python3 -m pytest' });
    assert.deepEqual(actionForSkill('npm-test'), { kind: 'command', command: 'npm test' });
    assert.deepEqual(actionForSkill('task-e2e-pass'), { kind: 'task', label: 'e2e-pass' });
    assert.deepEqual(actionForSkill('npm-run-build:prod'), { kind: 'command', command: 'npm run build:prod' });
    assert.deepEqual(actionForSkill('pnpm-run-lint'), { kind: 'command', command: 'pnpm run lint' });
    assert.deepEqual(actionForSkill('make-test'), { kind: 'command', command: 'make test' });
  });

  test('every command of the reverse table is recognised as its own skill, so a Run is tracked under it', () => {
    const wrong = Object.entries(SKILL_COMMANDS).filter(([skill, command]) => skillsFromCommandLine(command).join() !== skill);
    assert.deepEqual(wrong.map(([skill, command]) => `${command} → ${skillsFromCommandLine(command).join() || '(nothing)'}, not ${skill}`), []);
    // Such skills exist only in a workspace that defines the script or target.
    const workspace = { scripts: new Set(['build', 'lint', 'e2e']), targets: new Set(['test']) };
    for (const skill of ['npm-run-build', 'pnpm-run-lint', 'yarn-run-e2e', 'make-test']) {
      assert.deepEqual(skillsFromCommandLine(actionForSkill(skill).command!, { workspace }), [skill]);
    }
  });

  test('an unknown skill has nothing to run', () => {
    for (const skill of ['debug-python', 'cmd-htop', 'deploy-staging']) {
      const action = actionForSkill(skill);
      assert.equal(isRunnable(action), false, skill);
      assert.equal(action.command, undefined);
    }
  });
});

describe('test files', () => {
  test('by the common naming conventions, and not otherwise', () => {
    for (const file of ['/p/tests/test_api.py', '/p/api_test.py', '/p/src/app.test.ts', '/p/src/App.spec.tsx', '/p/pkg/server_test.go', '/p/__tests__/x.js', 'C:\\p\\tests\\util.py']) {
      assert.equal(isTestFileName(file), true, file);
    }
    for (const file of ['/p/src/app.ts', '/p/testing.py', '/p/src/contest.ts', '/p/latest/main.go']) assert.equal(isTestFileName(file), false, file);
  });
});
