import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { seededRandom } from '../../src/core/analytics/seededRandom';
import { runCliInProcess } from '../helpers/cli';
import { tempDir } from '../helpers/store';

const scratch = tempDir('sb-changes-detect-');
after(() => scratch.cleanup());
/** `changes detect` opens no store; the --db the helper passes is never created. */
const unusedDb = path.join(scratch.dir, 'never', 'skills.db');

function seriesFile(name: string, content: unknown): string {
  const file = path.join(scratch.dir, `${name}.json`);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

/** Values around `levels[k]` for the k-th stretch of `lengths[k]` points, noise ±0.5 from a fixed seed. */
function stretches(seed: number, levels: number[], lengths: number[]): number[] {
  const random = seededRandom(seed);
  return levels.flatMap((level, k) => Array.from({ length: lengths[k] }, () => level + random() - 0.5));
}

const detect = (file: string, json = true) => runCliInProcess(unusedDb, ['changes', 'detect', '--input', file, ...(json ? ['--json'] : [])]);

describe('session-buddy changes detect', () => {
  it('a TCPD-format file with a shift at 40 of 100: change_points [40], two segments with their levels', async () => {
    const raw = stretches(1, [10, 14], [40, 60]);
    const r = await detect(seriesFile('step', { name: 'step', n_obs: 100, n_dim: 1, time: { index: raw.map((_, i) => i) }, series: [{ label: 'v', type: 'float', raw }] }));
    assert.equal(r.code, 0, r.err);
    const out = JSON.parse(r.out) as { change_points: number[]; segments: { start: number; end: number; count: number[]; mean: number[] }[] };
    assert.deepEqual(Object.keys(out), ['change_points', 'segments']);
    assert.deepEqual(out.change_points, [40]);
    assert.deepEqual(out.segments.map((s) => [s.start, s.end, s.count[0]]), [[0, 40, 40], [40, 100, 60]]);
    const mean = (from: number, to: number) => raw.slice(from, to).reduce((a, b) => a + b, 0) / (to - from);
    assert.ok(Math.abs(out.segments[1].mean[0] - mean(40, 100)) < 1e-9);
    assert.equal(fs.existsSync(path.dirname(unusedDb)), false, 'no store was opened');
  });

  it('nulls are allowed and indices count them; several series entries are the dimensions of one series', async () => {
    const a = stretches(2, [0, 0], [50, 50]);
    const b: (number | null)[] = stretches(3, [5, 9], [70, 50]);
    for (const i of [3, 17, 68, 69, 90]) b[i] = null;
    const r = await detect(seriesFile('two', { series: [{ label: 'a', raw: a }, { label: 'b', raw: b.slice(0, 100) }] }));
    assert.equal(r.code, 0, r.err);
    // b's last old value is at 67 and its first new one at 70; a, which has values there, decides where in between.
    const [cp] = JSON.parse(r.out).change_points as number[];
    assert.ok(cp >= 68 && cp <= 70, `${cp}`);
    const alone = await detect(seriesFile('b-alone', { series: [{ raw: b.slice(0, 100) }] }));
    assert.deepEqual(JSON.parse(alone.out).change_points, [70], 'alone, b changes at its first new value');
    const text = await detect(seriesFile('two-text', { name: 'two', series: [{ label: 'a', raw: a }, { label: 'b', raw: b.slice(0, 100) }] }), false);
    assert.match(text.out, /^two: 100 values, 1 change point\(s\) at (68|69|70)\n/);
    assert.match(text.out, /mean \(a\).*mean \(b\)/);
  });

  it('a series without a change has none', async () => {
    const r = await detect(seriesFile('flat', { series: [{ raw: stretches(4, [3], [200]) }] }));
    assert.deepEqual(JSON.parse(r.out).change_points, []);
  });

  it('bad usage exits 2; a file that is not a series exits 1 with one line naming the place', async () => {
    const missing = await runCliInProcess(unusedDb, ['changes', 'detect']);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /--input/);
    const cases: [string, RegExp][] = [
      [path.join(scratch.dir, 'absent.json'), /cannot read .*absent\.json: ENOENT/],
      [seriesFile('not-json', '{"series": ['), /not-json\.json is not JSON/],
      [seriesFile('no-series', { raw: [1, 2] }), /"series" must be a non-empty array/],
      [seriesFile('text-value', { series: [{ raw: [1, 'x', 3] }] }), /series\[0\]\.raw\[1\] is "x", not a number or null/],
      [seriesFile('lengths', { series: [{ raw: [1, 2, 3] }, { raw: [1, 2] }] }), /series\[1\]\.raw has 2 values, series\[0\]\.raw 3/],
      [seriesFile('n-obs', { n_obs: 4, series: [{ raw: [1, 2, 3] }] }), /"n_obs" is 4 but the series have 3 values/],
    ];
    for (const [file, message] of cases) {
      const r = await detect(file);
      assert.equal(r.code, 1, `${file}: ${r.err}`);
      assert.equal(r.out, '');
      assert.match(r.err, message);
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
    }
  });
});
