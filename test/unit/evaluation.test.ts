import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { DiscoveryBaselines, NextSkillBaselines } from '../../src/core/evaluation/evaluationBaselines';
import { EvaluationInputError, readEvaluationRuns } from '../../src/core/evaluation/evaluationInput';
import { discoveryRecall, RankingScore } from '../../src/core/evaluation/rankingScore';
import { tempDir } from '../helpers/store';

const scratch = tempDir('sb-eval-');
after(() => scratch.cleanup());

function input(name: string, lines: string[]): string {
  const file = path.join(scratch.dir, name);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('evaluation input', () => {
  test('runs are put in time order, ties in file order, numbered per user, and sessionised after 30 idle minutes', async () => {
    const file = input('order.jsonl', [
      '{"user":"b","skill":"lint","at":"2026-01-01T10:00:00Z"}',
      '{"user":"a","skill":"test","at":1767261600000}',
      '{"user":"a","skill":"build","at":"2026-01-01T10:00:00Z","completed":false,"duration_seconds":2.5}',
      '',
      '{"user":"a","skill":"test","at":"2026-01-01T10:29:59Z"}',
      '{"user":"a","skill":"test","at":"2026-01-01T11:00:00Z"}',
      '{"user":"a","skill":"deploy","at":"2026-01-01T11:01:00Z","session":"given"}',
    ]);
    const runs = await readEvaluationRuns(file);
    assert.deepEqual(runs.map((r) => [r.user, r.skill, r.index, r.line]), [
      ['b', 'lint', 0, 1], ['a', 'test', 0, 2], ['a', 'build', 1, 3], ['a', 'test', 2, 5], ['a', 'test', 3, 6], ['a', 'deploy', 4, 7],
    ]);
    assert.equal(runs[2].completed, false);
    assert.equal(runs[2].durationSeconds, 2.5);
    const sessions = runs.filter((r) => r.user === 'a').map((r) => r.session);
    assert.equal(sessions[0], sessions[1], '10:00 and 10:00 share a session');
    assert.equal(sessions[1], sessions[2], '29 min 59 s later is the same session');
    assert.notEqual(sessions[2], sessions[3], '30 min 1 s later is a new one');
    assert.equal(sessions[4], 'given');
  });

  test('a bad line is refused with its file, line and field', async () => {
    const cases: [string, RegExp][] = [
      ['not json', /bad1\.jsonl:2: not a JSON object/],
      ['{"user":"","skill":"x","at":1}', /bad2\.jsonl:2: "user" must be a non-empty string/],
      ['{"user":"u","skill":"x","at":"yesterday"}', /bad3\.jsonl:2: "at" must be an ISO-8601 time or epoch milliseconds/],
      ['{"user":"u","skill":"x","at":1,"completed":"yes"}', /bad4\.jsonl:2: "completed" must be true or false/],
      ['{"user":"u","skill":"x","at":1,"duration_seconds":-1}', /bad5\.jsonl:2: "duration_seconds" must be a number of seconds/],
    ];
    for (const [i, [line, expected]] of cases.entries()) {
      const file = input(`bad${i + 1}.jsonl`, ['{"user":"u","skill":"x","at":0}', line]);
      await assert.rejects(readEvaluationRuns(file), (err: Error) => err instanceof EvaluationInputError && expected.test(err.message));
    }
    await assert.rejects(readEvaluationRuns(path.join(scratch.dir, 'missing.jsonl')), /cannot read .*missing\.jsonl: ENOENT/);
    await assert.rejects(readEvaluationRuns(input('empty.jsonl', [''])), /holds no runs/);
  });
});

describe('ranking scores', () => {
  test('hit@1, hit@k and MRR, micro and macro, worked by hand', () => {
    const score = new RankingScore();
    score.add({ user: 'a', top: ['x', 'y', 'z'], actual: 'x' });
    score.add({ user: 'a', top: ['x', 'y', 'z'], actual: 'z' });
    score.add({ user: 'a', top: ['x', 'y', 'z'], actual: 'w' });
    score.add({ user: 'b', top: ['y', 'x'], actual: 'x' });
    const s = score.summary();
    assert.equal(s.predictions, 4);
    assert.equal(s.hit_at_1, 1 / 4);
    assert.equal(s.hit_at_k, 3 / 4);
    assert.equal(s.mrr, (1 + 1 / 3 + 0 + 1 / 2) / 4);
    assert.equal(s.macro.hit_at_1, (1 / 3 + 0) / 2);
    assert.equal(s.macro.hit_at_k, (2 / 3 + 1) / 2);
    assert.equal(s.calibration, undefined, 'no probabilities, no calibration');
  });

  test('ECE over 10 equal-width bins, log loss and Brier, worked by hand', () => {
    const score = new RankingScore();
    // Bin 0.9-1.0: two predictions at 0.9, one right -> |0.5 - 0.9| = 0.4, weight 2/4.
    score.add({ user: 'a', top: ['x'], actual: 'x', topProbability: 0.9, actualProbability: 0.9 });
    score.add({ user: 'a', top: ['x'], actual: 'y', topProbability: 0.9, actualProbability: 0.05 });
    // Bin 0.3-0.4: two predictions at 0.3, none right -> |0 - 0.3| = 0.3, weight 2/4.
    score.add({ user: 'a', top: ['x'], actual: 'y', topProbability: 0.3, actualProbability: 0.2 });
    score.add({ user: 'a', top: ['x'], actual: 'z', topProbability: 0.3, actualProbability: 0 });
    const c = score.summary().calibration!;
    assert.ok(Math.abs(c.ece - (0.5 * 0.4 + 0.5 * 0.3)) < 1e-12);
    const logLoss = -(Math.log(0.9) + Math.log(0.05) + Math.log(0.2) + Math.log(1e-9)) / 4;
    assert.ok(Math.abs(c.log_loss - logLoss) < 1e-12);
    assert.ok(Math.abs(c.brier_top1 - (0.01 + 0.81 + 0.09 + 0.09) / 4) < 1e-12);
    assert.deepEqual(c.bins.map((b) => [b.from, b.predictions, b.hit_rate]), [[0.3, 2, 0], [0.9, 2, 0.5]]);
  });

  test('discovery recall@k averages over users who first ran something', () => {
    const r = discoveryRecall([
      { top: ['a', 'b'], firstRuns: ['a', 'c'] },
      { top: ['x'], firstRuns: ['y'] },
      { top: ['q'], firstRuns: [] },
    ]);
    assert.deepEqual(r, { users: 2, recall: (0.5 + 0) / 2, hit_rate: 0.5 });
  });
});

describe('baselines', () => {
  test('most frequent (everyone, user) and the user\'s Markov-1 row filled from the user\'s frequencies', () => {
    const b = new NextSkillBaselines();
    for (const [user, skill] of [['a', 'test'], ['a', 'lint'], ['a', 'test'], ['a', 'build'], ['a', 'test'], ['a', 'lint'], ['b', 'deploy'], ['b', 'deploy'], ['b', 'deploy'], ['b', 'deploy']]) b.observe(user, skill);
    assert.deepEqual(b.predict('everyone_most_frequent', 'a', 2), ['deploy', 'test']);
    assert.deepEqual(b.predict('user_most_frequent', 'a', 3), ['test', 'lint', 'build']);
    // a's last run is lint; after lint a ran test once: the row gives test, then a's frequencies fill in.
    assert.deepEqual(b.predict('user_markov_1', 'a', 3), ['test', 'lint', 'build']);
    b.observe('a', 'build');
    // a's last run is now build, after which a ran test once.
    assert.deepEqual(b.predict('user_markov_1', 'a', 1), ['test']);
    assert.deepEqual(b.predict('user_markov_1', 'nobody', 3), []);
  });

  test('discovery baselines leave out what the user ran; Jaccard weighs nearer users more', () => {
    const d = new DiscoveryBaselines();
    const histories: Record<string, string[]> = { me: ['a', 'b'], near: ['a', 'b', 'c'], far: ['a', 'x', 'y', 'z'], other: ['z', 'w'] };
    for (const [user, skills] of Object.entries(histories)) for (const skill of skills) d.observe(user, skill);
    assert.deepEqual(d.recommend('popularity', 'me', 3), ['z', 'c', 'w']);
    // near: 2/3, far: 1/5; other shares nothing and is no neighbour.
    assert.deepEqual(d.recommend('jaccard_user_user_5', 'me', 2), ['c', 'x']);
  });
});
