import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../../src/core/analytics/seededRandom';
import { DiscoveryBaselines } from '../../src/core/recommend/discoveryBaselines';
import { DiscoveryModel } from '../../src/core/recommend/discoveryModel';

/**
 * Two communities: Python developers (pytest, ruff, mypy, coverage…) and JavaScript developers
 * (jest, eslint, tsc, prettier…), everyone runs git; each user adopts their community's skills
 * one by one, in a random order, so that every adoption is a discovery the model can learn from.
 */
function communities(seed: number, usersPerGroup: number): { user: string; skill: string }[] {
  const random = seededRandom(seed);
  const groups = {
    py: ['pytest', 'ruff', 'mypy', 'coverage', 'black', 'tox', 'bandit', 'pip-audit'],
    js: ['jest', 'eslint', 'tsc', 'prettier', 'vite', 'npm-audit', 'storybook', 'playwright'],
  };
  const adoptions: { user: string; skill: string }[][] = [];
  for (const [group, skills] of Object.entries(groups)) {
    for (let u = 0; u < usersPerGroup; u++) {
      const order = [...skills].sort(() => random() - 0.5);
      adoptions.push(['git-status', ...order].map((skill) => ({ user: `${group}-${u}`, skill })));
    }
  }
  const events: { user: string; skill: string }[] = [];
  for (let step = 0; step < 9; step++) for (const list of adoptions) if (step < list.length) events.push(list[step], { user: list[step].user, skill: 'git-status' });
  return events;
}

describe('discovery model', () => {
  const events = communities(7, 12);

  it("recommends what users like you run, never what you have run", () => {
    const model = new DiscoveryModel();
    for (const event of events) model.observe(event);
    model.observe({ user: 'newcomer', skill: 'git-status' });
    model.observe({ user: 'newcomer', skill: 'pytest' });
    model.observe({ user: 'newcomer', skill: 'ruff' });
    const top = model.recommend('newcomer', 6);
    assert.equal(top.length, 6);
    assert.ok(top.every((item) => !['git-status', 'pytest', 'ruff'].includes(item.skill)));
    assert.deepEqual(new Set(top.map((item) => item.skill)), new Set(['mypy', 'coverage', 'black', 'tox', 'bandit', 'pip-audit']));
    assert.equal(top[0].evidence.similarUsers, 5);
    assert.match(top[0].reason, /^You have not run it; 5 of the 5 users most like you and 12 of 24 other users run it\.$/);
  });

  it('learns that likeness matters when communities differ', () => {
    const model = new DiscoveryModel();
    for (const event of events) model.observe(event);
    const [popularity, likeness] = model.weights;
    assert.ok(likeness > popularity + 0.1, `popularity ${popularity}, likeness ${likeness}`);
  });

  it('is deterministic and ranks by probability', () => {
    const run = () => {
      const model = new DiscoveryModel();
      for (const event of events.slice(0, 150)) model.observe(event);
      return model.recommend('py-3', 10);
    };
    const first = run();
    assert.equal(JSON.stringify(first), JSON.stringify(run()));
    for (let i = 1; i < first.length; i++) assert.ok(first[i - 1].probability >= first[i].probability);
  });

  it('forgets the user active longest ago beyond maxUsers', () => {
    const model = new DiscoveryModel({ maxUsers: 2 });
    model.observe({ user: 'a', skill: 'only-a' });
    model.observe({ user: 'b', skill: 'x' });
    model.observe({ user: 'c', skill: 'y' });
    assert.ok(model.recommend('c', 5).every((item) => item.skill !== 'only-a'));
  });
});

describe('discovery baselines', () => {
  it('popularity counts users, Jaccard ranks the neighbours’ skills', () => {
    const baselines = new DiscoveryBaselines(1);
    const runs: [string, string][] = [
      ['a', 'git'], ['a', 'pytest'], ['a', 'ruff'],
      ['b', 'git'], ['b', 'jest'], ['b', 'eslint'],
      ['c', 'git'], ['c', 'jest'], ['c', 'tsc'],
      ['d', 'git'], ['d', 'pytest'],
    ];
    for (const [user, skill] of runs) baselines.observe(user, skill);
    const [popularity, jaccard] = baselines.all;
    assert.deepEqual(popularity.recommend('d', 2), ['jest', 'eslint']);
    assert.deepEqual(jaccard.recommend('d', 2), ['ruff']);
  });
});
