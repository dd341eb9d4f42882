import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAbTest, groupFor, listAbTests, stopAbTest } from '../../src/core/analytics/abTesting';
import { getRecommendations } from '../../src/core/recommend/engine';
import { ago, plant, tempStore, type PlantedInvocation } from '../helpers/store';

/**
 * Two planted groups of users: "py" users run pytest-run, ruff-check and mypy-check; "web" users
 * run npm-test, eslint-check and tsc-check. Within each session pytest-run is followed by
 * ruff-check, so ruff-check is pytest-run's companion.
 */
function plantedHistory(): PlantedInvocation[] {
  const rows: PlantedInvocation[] = [];
  for (let u = 0; u < 12; u++) {
    const kind = u % 2 === 0 ? 'py' : 'web';
    const skills = kind === 'py' ? ['pytest-run', 'ruff-check', 'mypy-check'] : ['npm-test', 'eslint-check', 'tsc-check'];
    for (let s = 0; s < 3; s++) {
      skills.forEach((skill, i) => rows.push({ skill, at: ago.minutes(600 - u * 30 - s * 5 - i), session: `${kind}-${u}-${s}`, user: `${kind}-user-${u}`, completed: true }));
    }
  }
  // The user being recommended to: a python user who has not tried mypy-check yet.
  for (let s = 0; s < 3; s++) {
    rows.push({ skill: 'pytest-run', at: ago.minutes(50 - s * 5), session: `me-${s}`, user: 'me' });
    rows.push({ skill: 'ruff-check', at: ago.minutes(49 - s * 5), session: `me-${s}`, user: 'me' });
  }
  return rows;
}

async function plantedStore(): Promise<Awaited<ReturnType<typeof tempStore>>> {
  const ctx = await tempStore();
  await plant(ctx.store, plantedHistory());
  return ctx;
}

describe('recommendation strategies', () => {
  let ctx: Awaited<ReturnType<typeof plantedStore>>;
  before(async () => (ctx = await plantedStore()));
  after(() => ctx.close());

  test('without a running A/B test every source is used, and similar users contribute what they run', async () => {
    const recs = await getRecommendations(ctx.store, { userId: 'me', lastSkill: 'pytest-run', limit: 10 });
    assert.ok(recs.every((r) => r.strategy === 'all_sources' && r.abTest === undefined));
    const mypy = recs.find((r) => r.skill === 'mypy-check');
    assert.ok(mypy, 'the skill similar users run and "me" has not tried is recommended');
    assert.ok(!recs.some((r) => r.source === 'collaborative' && ['npm-test', 'eslint-check', 'tsc-check'].includes(r.skill)), 'never from the other group');
  });

  test('under a running A/B test each user gets the strategy of the group the hash assigns, and reading assigns nobody', async () => {
    const created = await createAbTest(ctx.store, { test_name: 'strategies', control_strategy: 'popularity_dependencies', treatment_strategy: 'collaborative_context_predictor', assignment_ratio: 0.5 });
    const users = ['me', 'alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace'];
    // The test's id is new in every run, and with it the draw: users are added until both groups have one
    // (eight alone all fell in one group about once in 128 runs).
    for (let i = 0; new Set(users.map((user) => groupFor(created.test_id, user, 0.5))).size < 2; i++) users.push(`user-${i}`);
    for (const user of users) {
      const recs = await getRecommendations(ctx.store, { userId: user, lastSkill: 'pytest-run', limit: 10 });
      const expected = groupFor(created.test_id, user, 0.5);
      for (const rec of recs) {
        assert.deepEqual(rec.abTest, { testId: created.test_id, group: expected }, user);
        if (expected === 'control') {
          assert.equal(rec.strategy, 'popularity_dependencies');
          assert.ok(['dependency', 'popularity', 'retry'].includes(rec.source), `${user}: control never uses ${rec.source}`);
        } else {
          assert.equal(rec.strategy, 'collaborative_context_predictor');
          assert.ok(['collaborative', 'community_baseline', 'context', 'retry'].includes(rec.source), `${user}: treatment never uses ${rec.source}`);
        }
      }
    }
    const assigned = Number(ctx.store.db.exec('SELECT count(*) FROM ab_test_assignments WHERE test_id = ?', [created.test_id])[0].values[0][0]);
    assert.equal(assigned, 0, 'recommendations are a read: the assignment is recorded with the first outcome');
    assert.equal(listAbTests(ctx.store).length, 1);
  });
});

describe('the strategies a test names', () => {
  let ctx: Awaited<ReturnType<typeof plantedStore>>;
  before(async () => (ctx = await plantedStore()));
  after(() => ctx.close());

  /**
   * The strategies each group is given while a test of these two strategies runs (it is stopped
   * after), over enough users that both groups have some; a recent failure gives every list a
   * retry, whatever the strategy.
   */
  async function strategiesByGroup(name: string, control_strategy: string, treatment_strategy: string): Promise<Record<string, string[]>> {
    const test = await createAbTest(ctx.store, { test_name: name, control_strategy, treatment_strategy });
    const seen: Record<string, Set<string>> = { control: new Set(), treatment: new Set() };
    try {
      for (const user of Array.from({ length: 24 }, (_, i) => `user-${i}`)) {
        const recs = await getRecommendations(ctx.store, { userId: user, lastSkill: 'pytest-run', recentFailures: ['ruff-check'], limit: 10 });
        assert.ok(recs.length > 0, user);
        for (const rec of recs) seen[groupFor(test.test_id, user, 0.5)].add(rec.strategy);
      }
    } finally {
      await stopAbTest(ctx.store, test.test_id);
    }
    return { control: [...seen.control], treatment: [...seen.treatment] };
  }

  test('a test that names known strategies gets them, whichever group they are in', async () => {
    assert.deepEqual(await strategiesByGroup('swapped', 'collaborative_context_predictor', 'all_sources'), { control: ['collaborative_context_predictor'], treatment: ['all_sources'] });
  });

  test('a test that names strategies this engine does not have (one imported from the Python tool) gets the default of each group', async () => {
    assert.deepEqual(await strategiesByGroup('historic', 'popularity', 'collaborative'), { control: ['popularity_dependencies'], treatment: ['collaborative_context_predictor'] });
  });
});
