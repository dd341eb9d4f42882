import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NextSkillBaselines } from '../../src/core/recommend/nextSkillBaselines';
import { NextSkillScore } from '../../src/core/recommend/nextSkillMetrics';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} ≠ ${b}`);

describe('next-skill scores', () => {
  it('hit@1, hit@k and MRR, micro and macro', () => {
    const score = new NextSkillScore(3);
    score.add({ user: 'a', top: ['x', 'y', 'z'], actual: 'x' });
    score.add({ user: 'a', top: ['x', 'y', 'z'], actual: 'z' });
    score.add({ user: 'a', top: ['x', 'y', 'z', 'w'], actual: 'w' });
    score.add({ user: 'b', top: ['y', 'x'], actual: 'x' });
    const figures = score.summary();
    assert.equal(figures.predictions, 4);
    close(figures.micro.hit1, 1 / 4);
    close(figures.micro.hitK, 3 / 4);
    close(figures.micro.mrr, (1 + 1 / 3 + 1 / 2) / 4);
    close(figures.macro.hit1, (1 / 3 + 0) / 2);
    close(figures.macro.hitK, (2 / 3 + 1) / 2);
    assert.equal(figures.calibration, undefined);
  });

  it('ECE, log loss and Brier of the top-1 probability', () => {
    const score = new NextSkillScore(1);
    // Bin 0.8–0.9: 0.85 claimed, right 1 time in 2; bin 0.3–0.4: 0.35 claimed, right once.
    score.add({ user: 'a', top: ['x'], actual: 'x', probabilities: [0.85], actualProbability: 0.85 });
    score.add({ user: 'a', top: ['x'], actual: 'y', probabilities: [0.85], actualProbability: 0.1 });
    score.add({ user: 'a', top: ['x'], actual: 'x', probabilities: [0.35], actualProbability: 0.35 });
    const c = score.summary().calibration;
    assert.ok(c);
    close(c.ece, (2 / 3) * Math.abs(0.5 - 0.85) + (1 / 3) * Math.abs(1 - 0.35));
    close(c.logLoss, -(Math.log(0.85) + Math.log(0.1) + Math.log(0.35)) / 3);
    close(c.brier, (0.15 ** 2 + 0.85 ** 2 + 0.65 ** 2) / 3);
    assert.equal(c.bins[8].predictions, 2);
  });
});

describe('next-skill baselines', () => {
  it('rank by counts, ties in first-seen order, and fill from the more general', () => {
    const baselines = new NextSkillBaselines();
    const runs: [string, string][] = [
      ['a', 'edit'], ['a', 'test'], ['a', 'edit'], ['a', 'lint'], ['a', 'edit'], ['a', 'test'],
      ['b', 'build'], ['b', 'build'], ['b', 'build'], ['b', 'deploy'], ['a', 'edit'],
    ];
    for (const [user, skill] of runs) baselines.observe(user, skill);
    const [everyone, frequent, markov, mix] = baselines.all;
    assert.deepEqual(everyone.top('a', 3), ['edit', 'build', 'test']);
    assert.deepEqual(frequent.top('a', 4), ['edit', 'test', 'lint', 'build']);
    // After 'edit': test twice, lint once; then the user's most frequent fills the list.
    assert.deepEqual(markov.top('a', 3), ['test', 'lint', 'edit']);
    assert.deepEqual(markov.top('nobody', 2), ['edit', 'build']);
    // edit → test → edit was followed by lint: orders 2 and 3 (weights 4 and 8) outvote the rest.
    assert.equal(mix.top('a', 1)[0], 'lint');
  });
});
