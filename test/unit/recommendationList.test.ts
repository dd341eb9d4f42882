import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { learnedFor } from '../../src/core/recommend/learnedRecommendations';
import { getRecommendationList, howToRun } from '../../src/core/recommend/recommendationList';
import { plant, tempStore, type PlantedInvocation } from '../helpers/store';

const MINUTE = 60_000;
const NOW = Date.now();

/**
 * dev's working loop, twelve sessions of it: lint, then fmt, then pytest-run (which fails every
 * third time and is then run again). The last session stops after lint, two minutes ago, so the
 * next run is known: fmt. Two teammates with the same loop also run release-notes, which dev has
 * never run.
 */
function loop(user: string, sessions: number, extra: string[] = []): PlantedInvocation[] {
  const runs: PlantedInvocation[] = [];
  for (let s = 0; s < sessions; s++) {
    const start = NOW - (sessions - s) * 120 * MINUTE - 60 * MINUTE;
    const skills = ['lint', 'fmt', 'pytest-run', ...(s % 3 === 0 ? ['pytest-run'] : []), ...extra];
    skills.forEach((skill, i) => runs.push({ skill, user, session: `${user}-${s}`, at: new Date(start + i * MINUTE), completed: !(skill === 'pytest-run' && s % 3 === 0 && i === 2) }));
  }
  return runs;
}

describe('the Recommendations list', () => {
  let ctx: Awaited<ReturnType<typeof tempStore>>;

  before(async () => {
    ctx = await tempStore();
    await plant(ctx.store, [
      ...loop('ann', 8, ['release-notes']),
      ...loop('bob', 8, ['release-notes']),
      ...loop('dev', 12),
      { skill: 'lint', user: 'dev', session: 'dev-now', at: new Date(NOW - 2 * MINUTE), completed: true },
    ]);
  });
  after(() => ctx.close());

  test('Up next puts the known next run first, with a probability and the counts behind it', async () => {
    const list = await getRecommendationList(ctx.store, { userId: 'dev', sessionId: 'dev-now', limit: 3 });
    const upNext = list.items.filter((i) => i.section === 'up-next');
    assert.equal(upNext.length, 3);
    assert.equal(upNext[0].skill, 'fmt', JSON.stringify(upNext));
    assert.ok(upNext[0].probability! > 0.5 && upNext[0].probability! <= 1, `fmt after lint every time: ${upNext[0].probability}`);
    assert.ok(upNext.every((item, i) => i === 0 || item.probability! <= upNext[i - 1].probability!));
    assert.ok(upNext.reduce((sum, item) => sum + item.probability!, 0) <= 1 + 1e-9, 'probabilities of one next run');
    assert.equal(upNext[0].reason, 'After the start of a session → lint completed, you ran fmt next 12 of 12 times.', 'the counts of the planted loop');
  });

  test('Discover lists what teammates with the same loop run and dev never did; a skill is listed once', async () => {
    const list = await getRecommendationList(ctx.store, { userId: 'dev', sessionId: 'dev-now', limit: 3 });
    const discover = list.items.filter((i) => i.section === 'discover');
    assert.deepEqual(discover.map((d) => d.skill), ['release-notes']);
    assert.ok(discover[0].probability! > 0 && discover[0].probability! <= 1);
    assert.equal(discover[0].howToRun, howToRun('release-notes'), 'no command is known for it: the list says how to run it');
    assert.equal(new Set(list.items.map((i) => i.skill)).size, list.items.length);
    assert.deepEqual(list.items.map((i) => i.rank), list.items.map((_, i) => i + 1));
  });

  test('a new run is learned at once: after fmt, Up next says pytest-run', async () => {
    await plant(ctx.store, [{ skill: 'fmt', user: 'dev', session: 'dev-now', at: new Date(NOW - MINUTE), completed: true }]);
    const list = await getRecommendationList(ctx.store, { userId: 'dev', sessionId: 'dev-now', limit: 3 });
    assert.equal(list.items[0].skill, 'pytest-run');
    assert.equal(list.items[0].section, 'up-next');
  });

  test('how often Up next was right is counted for the watched user, each run asked before it was learned', async () => {
    const watched = await tempStore();
    try {
      const learned = learnedFor(watched.store, 'dev');
      await plant(watched.store, loop('dev', 12));
      const accuracy = learned.accuracy();
      assert.equal(accuracy.runs, 12 * 3 + 4, 'every run of dev scored');
      assert.ok(accuracy.top1 > 0.5 && accuracy.top1 <= accuracy.top3 && accuracy.top3 <= 1, JSON.stringify(accuracy));
      const list = await getRecommendationList(watched.store, { userId: 'dev' });
      assert.deepEqual(list.accuracy, accuracy);
    } finally {
      await watched.close();
    }
  });

  test('bad input is refused with the field named', async () => {
    await assert.rejects(() => getRecommendationList(ctx.store, { userId: '' }), /userId/);
    await assert.rejects(() => getRecommendationList(ctx.store, { userId: 'dev', limit: 0 }), /limit/);
  });
});
