import assert from 'node:assert/strict';
import { test } from 'node:test';
import { updateCommunityBaselines } from '../../src/core/analytics/baselines';
import { CACHE_MAX_ENTRIES, cachedAnswerCount, getSimilarUsers, recommendFromSimilarUsers } from '../../src/core/analytics/collaborative';
import { ago, plant, tempStore, type PlantedInvocation } from '../helpers/store';
import { seededRandom } from '../../src/core/analytics/seededRandom';

function pick<T>(items: readonly T[], n: number, rnd: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, n);
}

function uses(user: string, skill: string, runs: number, completed: number, at = ago.hours(2)): PlantedInvocation[] {
  return Array.from({ length: runs }, (_, i) => ({ skill, user, session: `${user}-session`, at, completed: i < completed }));
}

const CLUSTERS = [0, 1, 2].map((c) => Array.from({ length: 8 }, (_, j) => `c${c}-skill-${j}`));

/**
 * Three clusters of 6 users; cluster c only ever uses its own 8 skills. Each user completes 5 of
 * them (1-4 runs each, some failures) and has run a sixth one that always failed (tried, not
 * completed: it must never be recommended back).
 */
function clusteredUsers(): { rows: PlantedInvocation[]; tried: Map<string, Set<string>>; cluster: Map<string, number> } {
  const rnd = seededRandom(7);
  const rows: PlantedInvocation[] = [];
  const tried = new Map<string, Set<string>>();
  const cluster = new Map<string, number>();
  CLUSTERS.forEach((pool, c) => {
    for (let u = 0; u < 6; u++) {
      const user = `c${c}-user-${u}`;
      const chosen = pick(pool, 6, rnd);
      for (const skill of chosen.slice(0, 5)) {
        const runs = 1 + Math.floor(rnd() * 4);
        rows.push(...uses(user, skill, runs, Math.max(1, runs - Math.floor(rnd() * 2))));
      }
      rows.push(...uses(user, chosen[5], 2, 0));
      tried.set(user, new Set(chosen));
      cluster.set(user, c);
    }
  });
  return { rows, tried, cluster };
}

test("planted clusters: every user is recommended its own cluster's untried skills, never another cluster's", async () => {
  const { store, close } = await tempStore();
  try {
    const { rows, tried, cluster } = clusteredUsers();
    await plant(store, rows);
    await updateCommunityBaselines(store);
    for (const [user, c] of cluster) {
      const recs = recommendFromSimilarUsers(store, user, { limit: 5 });
      assert.ok(recs.length > 0, `${user} gets recommendations`);
      for (const r of recs) {
        assert.ok(CLUSTERS[c].includes(r.skill_name), `${user} (cluster ${c}) got ${r.skill_name}`);
        assert.ok(!tried.get(user)!.has(r.skill_name), `${user} already tried ${r.skill_name}`);
        assert.equal(r.source, 'collaborative_filtering');
        assert.ok(r.score > 0 && r.score <= 1 && r.completion_rate >= 0 && r.completion_rate <= 1 && r.evidence! >= 1);
      }
      for (const n of getSimilarUsers(store, user)) {
        assert.equal(cluster.get(n.user_id), c, 'neighbours come from the same cluster');
        assert.ok(n.similarity > 0 && n.similarity <= 1);
      }
    }
  } finally {
    await close();
  }
});

test('similarity is Jaccard on distinct skills: a user who ran one skill 10 times is not more than 1 similar', async () => {
  const { store, close } = await tempStore();
  try {
    await plant(store, [...uses('repeater', 'S', 10, 10), ...uses('pair', 'S', 1, 1), ...uses('pair', 'T', 1, 1), ...uses('single', 'S', 1, 1)]);
    const toPair = getSimilarUsers(store, 'pair', { minCommonSkills: 1 });
    assert.deepEqual(
      toPair.map((u) => [u.user_id, u.similarity, u.common_skills, u.skill_count]),
      [['repeater', 0.5, 1, 1], ['single', 0.5, 1, 1]],
    );
    const toSingle = getSimilarUsers(store, 'single', { minCommonSkills: 1 });
    assert.deepEqual(toSingle.find((u) => u.user_id === 'repeater')?.similarity, 1);
    assert.deepEqual(getSimilarUsers(store, 'pair'), [], 'default minimum overlap of 2 skills');
  } finally {
    await close();
  }
});

test("neighbours' evidence is combined: similarity-weighted rates over the neighbours' total similarity", async () => {
  const { store, close } = await tempStore();
  try {
    // me: {a, b, c}. n1: {a, b, c, x}, x 2 of 2 → Jaccard 3/4. n2: {a, b, x, y}, x 1 of 2, y 1 of 1 → 2/5.
    // score(x) = (0.75·1 + 0.4·0.5) / 1.15 = 0.826087; score(y) = 0.4 / 1.15 = 0.347826.
    await plant(store, [
      ...['a', 'b', 'c'].flatMap((s) => uses('me', s, 1, 1)),
      ...['a', 'b', 'c'].flatMap((s) => uses('n1', s, 1, 1)),
      ...uses('n1', 'x', 2, 2),
      ...['a', 'b'].flatMap((s) => uses('n2', s, 1, 1)),
      ...uses('n2', 'x', 2, 1),
      ...uses('n2', 'y', 1, 1),
    ]);
    const recs = recommendFromSimilarUsers(store, 'me');
    assert.deepEqual(recs.map((r) => [r.skill_name, r.evidence, r.source]), [['x', 2, 'collaborative_filtering'], ['y', 1, 'collaborative_filtering']]);
    assert.ok(Math.abs(recs[0].score - 0.826087) < 1e-6, `score(x) ${recs[0].score}`);
    assert.ok(Math.abs(recs[1].score - 0.347826) < 1e-6, `score(y) ${recs[1].score}`);
    assert.equal(recs[0].completion_rate, 0.75);
  } finally {
    await close();
  }
});

test('cold start is answered from the community baselines, in the same shape, without tried skills', async () => {
  const { store, close } = await tempStore();
  try {
    await plant(store, [...uses('u1', 'good', 4, 4), ...uses('u2', 'good', 2, 2), ...uses('u1', 'poor', 4, 1), ...uses('u2', 'mid', 2, 1), ...uses('failer', 'good', 1, 0)]);
    assert.deepEqual(recommendFromSimilarUsers(store, 'newcomer'), [], 'no baselines yet: nothing to say');
    await updateCommunityBaselines(store);
    const recs = recommendFromSimilarUsers(store, 'newcomer');
    assert.deepEqual(recs.map((r) => Object.keys(r).sort()), recs.map(() => ['completion_rate', 'evidence', 'score', 'skill_name', 'source']));
    assert.deepEqual(recs.map((r) => [r.skill_name, r.score, r.source]), [['good', 1, 'community_baseline'], ['mid', 0.5, 'community_baseline'], ['poor', 0, 'community_baseline']]);
    assert.equal(recs[0].evidence, 3, 'users behind the baseline');
    const forFailer = recommendFromSimilarUsers(store, 'failer');
    assert.deepEqual(forFailer.map((r) => r.skill_name), ['mid', 'poor'], 'a tried skill is not recommended, even on cold start');
  } finally {
    await close();
  }
});

test('the cache is invalidated by new data, bounded in size, and expires after an hour', async (t) => {
  const { store, close } = await tempStore();
  try {
    await plant(store, [...['a', 'b'].flatMap((s) => uses('me', s, 1, 1)), ...['a', 'b', 'x'].flatMap((s) => uses('n1', s, 1, 1))]);
    assert.deepEqual(recommendFromSimilarUsers(store, 'me').map((r) => r.skill_name), ['x']);
    await plant(store, ['a', 'b', 'z'].flatMap((s) => uses('n2', s, 3, 3)));
    assert.deepEqual(recommendFromSimilarUsers(store, 'me').map((r) => r.skill_name), ['x', 'z'], 'a new neighbour shows at once');

    for (let i = 0; i < CACHE_MAX_ENTRIES + 100; i++) getSimilarUsers(store, `nobody-${i}`);
    assert.equal(cachedAnswerCount(store), CACHE_MAX_ENTRIES);

    t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
    recommendFromSimilarUsers(store, 'me');
    // A change that bypasses the store's events (no notification): the cached answer stays...
    store.db.exec("DELETE FROM skill_user_interactions WHERE user_id = 'n2'");
    assert.deepEqual(recommendFromSimilarUsers(store, 'me').map((r) => r.skill_name), ['x', 'z']);
    t.mock.timers.tick(3_600_001);
    // ...until it is an hour old.
    assert.deepEqual(recommendFromSimilarUsers(store, 'me').map((r) => r.skill_name), ['x']);
  } finally {
    t.mock.timers.reset();
    await close();
  }
});

test("interactions removed through the store's events show at once, and runs after them are added to the reloaded index", async () => {
  const { store, close } = await tempStore();
  try {
    await plant(store, [...['a', 'b'].flatMap((s) => uses('me', s, 1, 1)), ...['a', 'b', 'x'].flatMap((s) => uses('n1', s, 1, 1)), ...['a', 'b', 'z'].flatMap((s) => uses('n2', s, 2, 2))]);
    assert.deepEqual(recommendFromSimilarUsers(store, 'me').map((r) => r.skill_name), ['x', 'z']);
    // What a re-imported profile or a team pull does before it adds the user's rows again.
    await store.commit([{ t: 'delete', table: 'skill_user_interactions', where: { user_id: 'n2' } }]);
    assert.deepEqual(recommendFromSimilarUsers(store, 'me').map((r) => r.skill_name), ['x'], 'the removed neighbour is gone without waiting for the cache to expire');
    await plant(store, ['a', 'b', 'y'].flatMap((s) => uses('n3', s, 1, 1)));
    assert.deepEqual(recommendFromSimilarUsers(store, 'me').map((r) => r.skill_name), ['x', 'y'], 'a new neighbour after the reload shows at once');
  } finally {
    await close();
  }
});
