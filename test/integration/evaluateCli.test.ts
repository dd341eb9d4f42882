import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tempDir } from '../helpers/store';

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');
const START = Date.parse('2026-06-01T08:00:00.000Z');
const MINUTE = 60_000;
const PER_USER = 160;

interface Line {
  user: string;
  skill: string;
  at: string | number;
  completed?: boolean;
}

/**
 * Three users' histories, one run a minute, interleaved: each follows a working loop of their own
 * with a deterministic pseudo-random detour (a linear congruential generator, seeded per user), so
 * there is something to learn and something not to. Times alternate between ISO-8601 and epoch ms,
 * as the input format allows.
 */
function histories(): Line[] {
  const loops: Record<string, string[]> = {
    ann: ['edit-check', 'unit-test', 'lint', 'unit-test'],
    bob: ['build', 'deploy', 'smoke-test'],
    cat: ['fmt', 'lint', 'unit-test', 'commit'],
  };
  const detours = ['docs-build', 'git-status', 'coverage'];
  const lines: Line[] = [];
  Object.entries(loops).forEach(([user, loop], u) => {
    let seed = 17 + u;
    for (let i = 0; i < PER_USER; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      const skill = seed % 7 === 0 ? detours[seed % detours.length] : loop[i % loop.length];
      const atMs = START + (i * 3 + u) * MINUTE;
      lines.push({ user, skill, at: i % 2 ? new Date(atMs).toISOString() : atMs, completed: seed % 11 !== 0 });
    }
  });
  return lines.sort((a, b) => Date.parse(String(a.at)) - Date.parse(String(b.at)) || Number(a.at) - Number(b.at));
}

const atMs = (line: Line) => (typeof line.at === 'number' ? line.at : Date.parse(line.at));

function writeJsonl(file: string, lines: Line[]): void {
  fs.writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
}

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

function ok(...args: string[]): string {
  const result = cli(...args);
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

interface Prediction {
  user: string;
  index: number;
  actual: string;
  top: string[];
  probabilities: number[];
}

const readPredictions = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Prediction);

describe('session-buddy evaluate, through the built CLI', () => {
  const scratch = tempDir('sb-evaluate-');
  const full = path.join(scratch.dir, 'full.jsonl');
  const lines = histories();
  before(() => writeJsonl(full, lines));
  after(() => scratch.cleanup());

  test('evaluate next: the same input gives byte-identical predictions, and the model beats the baselines on learnable loops', () => {
    const first = path.join(scratch.dir, 'first.jsonl');
    const second = path.join(scratch.dir, 'second.jsonl');
    const summary = JSON.parse(ok('evaluate', 'next', '--input', full, '--warmup', '40', '--until', String(PER_USER), '--k', '3', '--predictions', first, '--json'));
    ok('evaluate', 'next', '--input', full, '--warmup', '40', '--until', String(PER_USER), '--k', '3', '--predictions', second, '--json');
    assert.ok(fs.readFileSync(first).equals(fs.readFileSync(second)), 'byte-identical predictions');
    const predictions = readPredictions(first);
    assert.equal(predictions.length, 3 * (PER_USER - 40), 'one prediction per scored run');
    assert.equal(summary.model.predictions, predictions.length);
    for (const p of predictions) {
      assert.equal(p.top.length, 3);
      assert.ok(p.probabilities.every((q, i) => q >= 0 && q <= 1 && (i === 0 || q <= p.probabilities[i - 1])), JSON.stringify(p));
    }
    const hit1 = predictions.filter((p) => p.top[0] === p.actual).length / predictions.length;
    assert.equal(summary.model.micro.hit1, hit1, 'the summary is the predictions scored');
    assert.ok(hit1 > summary.baselines["everyone's most frequent"].micro.hit1, JSON.stringify(summary.baselines));
    assert.ok(hit1 > summary.baselines["user's most frequent"].micro.hit1);
    assert.ok(hit1 >= 0.6, `three loops of 3-4 steps with 1 detour in 7: hit@1 ${hit1}`);
  });

  test('evaluate next does not peek: the predictions for runs before a time T are the same when the input ends at T', () => {
    const cutAt = atMs(lines[Math.floor(lines.length * 0.6)]);
    const cut = path.join(scratch.dir, 'cut.jsonl');
    writeJsonl(cut, lines.filter((l) => atMs(l) < cutAt));
    const fullOut = path.join(scratch.dir, 'full-predictions.jsonl');
    const cutOut = path.join(scratch.dir, 'cut-predictions.jsonl');
    ok('evaluate', 'next', '--input', full, '--warmup', '40', '--k', '3', '--predictions', fullOut);
    ok('evaluate', 'next', '--input', cut, '--warmup', '40', '--k', '3', '--predictions', cutOut);
    const before = readPredictions(cutOut);
    assert.ok(before.length > 50, `enough predictions before T: ${before.length}`);
    const key = (p: Prediction) => `${p.user}#${p.index}`;
    const fromFull = new Map(readPredictions(fullOut).map((p) => [key(p), JSON.stringify(p)]));
    for (const p of before) assert.equal(JSON.stringify(p), fromFull.get(key(p)), `the prediction for ${key(p)}`);
  });

  test('evaluate discover: deterministic, one line per user with the skills they first ran later', () => {
    const first = path.join(scratch.dir, 'discover-1.jsonl');
    const second = path.join(scratch.dir, 'discover-2.jsonl');
    const summary = JSON.parse(ok('evaluate', 'discover', '--input', full, '--warmup', '20', '--k', '5', '--predictions', first, '--json'));
    ok('evaluate', 'discover', '--input', full, '--warmup', '20', '--k', '5', '--predictions', second, '--json');
    assert.ok(fs.readFileSync(first).equals(fs.readFileSync(second)));
    const rows = fs.readFileSync(first, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { user: string; top: string[]; new: string[] });
    assert.deepEqual(rows.map((r) => r.user).sort(), ['ann', 'bob', 'cat']);
    for (const row of rows) {
      const ranEarly = new Set(lines.filter((l) => l.user === row.user).slice(0, 20).map((l) => l.skill));
      assert.ok(row.top.every((s) => !ranEarly.has(s)), `only skills ${row.user} has not run: ${row.top}`);
      const ranLater = new Set(lines.filter((l) => l.user === row.user).slice(20).map((l) => l.skill));
      assert.deepEqual(new Set(row.new), new Set([...ranLater].filter((s) => !ranEarly.has(s))));
    }
    assert.ok(summary.model.recall >= 0 && summary.model.recall <= 1);
  });

  test('bad input is refused with the file, the line and the field; --store replays the store', () => {
    const bad = path.join(scratch.dir, 'bad.jsonl');
    fs.writeFileSync(bad, '{"user": "ann", "skill": "lint", "at": 1}\n{"user": "ann", "at": 2}\n');
    const refused = cli('evaluate', 'next', '--input', bad);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /bad\.jsonl:2: "skill" must be a non-empty string/);
    assert.match(cli('evaluate', 'next', '--input', full, '--warmup', '5', '--until', '5').stderr, /--until must be greater than --warmup/);

    const db = path.join(scratch.dir, 'skills.db');
    for (let i = 0; i < 12; i++) ok('--db', db, 'track', '--skill', i % 2 ? 'unit-test' : 'lint');
    const out = path.join(scratch.dir, 'store-predictions.jsonl');
    const summary = JSON.parse(ok('--db', db, 'evaluate', 'next', '--store', '--warmup', '4', '--k', '2', '--predictions', out, '--json'));
    assert.equal(summary.model.predictions, 8);
    assert.equal(readPredictions(out).length, 8);
  });
});
