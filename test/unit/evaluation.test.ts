import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { EvaluationInputError, readEvaluationRuns } from '../../src/core/evaluation/evaluationInput';
import { discoveryRecall } from '../../src/core/evaluation/discoveryRecall';
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

describe('discovery recall', () => {
  test('discovery recall@k averages over users who first ran something', () => {
    const r = discoveryRecall([
      { top: ['a', 'b'], firstRuns: ['a', 'c'] },
      { top: ['x'], firstRuns: ['y'] },
      { top: ['q'], firstRuns: [] },
    ]);
    assert.deepEqual(r, { users: 2, recall: (0.5 + 0) / 2, hit_rate: 0.5 });
  });
});
