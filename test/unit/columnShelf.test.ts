import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ColumnShelf, shelveValue } from '../../src/core/analytics/columnShelf';
import { tempDir } from '../helpers/store';

interface Value {
  name: string;
  times: Float64Array;
  flags: Uint8Array;
  inner: { steps: Int32Array; best: number[] } | null;
}

function value(n: number): Value {
  return {
    name: `n=${n}`,
    times: Float64Array.from({ length: n }, (_, i) => i * 1.5),
    flags: Uint8Array.from({ length: n }, (_, i) => i % 2),
    inner: { steps: Int32Array.from({ length: n }, (_, i) => -i), best: [n, n + 1] },
  };
}

/** Every file under `dir` with its size in bytes, by path relative to it. */
function sizes(dir: string): Record<string, number> {
  const found: Record<string, number> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) found[path.relative(dir, path.join(entry.parentPath, entry.name))] = fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return found;
}

describe('ColumnShelf: typed-array state kept in files', () => {
  let dir: { dir: string; cleanup(): void };
  let root: string;
  let shelf: ColumnShelf<Value>;
  beforeEach(() => {
    dir = tempDir();
    root = path.join(dir.dir, 'skills.db.history');
    shelf = new ColumnShelf<Value>(root);
  });
  afterEach(() => {
    shelf.dispose();
    dir.cleanup();
  });

  it('gives back what was put, typed arrays of their own type, and creates nothing before the first put', () => {
    assert.equal(fs.existsSync(root), false);
    assert.equal(shelf.put('a', value(1000)), true);
    assert.deepEqual(shelf.get('a'), value(1000));
    assert.ok(shelf.get('a')?.inner?.steps instanceof Int32Array);
    assert.equal(shelf.get('b'), undefined);
  });

  it('append writes only what each column gained; anything else the value holds is replaced', () => {
    shelf.put('a', value(1000));
    const before = sizes(root);
    assert.deepEqual(Object.values(before).sort((x, y) => x - y), [1000, 4000, 8000], 'one file per column, its bytes and no more');
    const grown = { ...value(1010), name: 'grown', inner: { steps: value(1010).inner!.steps, best: [7] } };
    assert.equal(shelf.append('a', grown), true);
    assert.deepEqual(shelf.get('a'), grown);
    assert.deepEqual(Object.values(sizes(root)).sort((x, y) => x - y), [1010, 4040, 8080]);
  });

  it('a value whose columns did not only grow is written whole', () => {
    shelf.put('a', value(1000));
    assert.equal(shelf.append('a', value(10)), true);
    assert.deepEqual(shelf.get('a'), value(10));
    assert.deepEqual(Object.values(sizes(root)).sort((x, y) => x - y), [10, 40, 80], 'the old files are gone');
  });

  it('a column file that is short or gone reads back as undefined, and the key is forgotten', () => {
    shelf.put('a', value(100));
    shelf.put('b', value(100));
    const [file] = Object.keys(sizes(root)).filter((f) => sizes(root)[f] === 800);
    fs.truncateSync(path.join(root, file), 792);
    const broken = [shelf.get('a'), shelf.get('b')].filter((v) => v === undefined);
    assert.equal(broken.length, 1, 'the value whose file was cut');
    fs.rmSync(root, { recursive: true });
    assert.equal(shelf.get('a') ?? shelf.get('b'), undefined);
    assert.equal(shelf.append('a', value(101)), true, 'the folder is made again');
    assert.deepEqual(shelf.get('a'), value(101));
  });

  it('delete and dispose remove the files; a folder left by a process that is gone is removed by the next', () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const left = path.join(root, `${gone.stdout}-deadbeef`);
    fs.mkdirSync(left, { recursive: true });
    fs.writeFileSync(path.join(left, '0'), 'x');
    shelf.put('a', value(10));
    assert.equal(fs.existsSync(left), false, 'the dead process’s folder');
    assert.equal(fs.readdirSync(root).length, 1);
    shelf.delete('a');
    assert.deepEqual(sizes(root), {});
    shelf.put('a', value(10));
    shelf.dispose();
    assert.deepEqual(fs.readdirSync(root), []);
  });

  it('takes over values another thread shelved under its writer prefix, and only those', () => {
    const prefix = shelf.writerPrefix();
    const entries = [shelveValue(`${prefix}0`, value(20)), shelveValue(`${prefix}1`, value(30))];
    assert.throws(() => shelveValue(`${prefix}1`, value(5)), /EEXIST/, 'each name once');
    shelf.take('a', entries[0]);
    shelf.take('b', entries[1]);
    assert.deepEqual([shelf.get('a'), shelf.get('b')], [value(20), value(30)]);
    assert.equal(shelf.append('a', value(25)), true);
    assert.deepEqual(shelf.get('a'), value(25));
    const elsewhere = shelveValue(path.join(dir.dir, 'elsewhere'), value(3));
    assert.throws(() => shelf.take('c', elsewhere), /not a folder of this shelf/);
  });

  it('a shelf whose folder cannot be made still gives a writer prefix; the writer is told why it cannot shelve', () => {
    fs.writeFileSync(root, 'a file where the folder should be');
    const prefix = shelf.writerPrefix();
    assert.throws(() => shelveValue(`${prefix}0`, value(3)), /ENOENT|ENOTDIR/);
    assert.equal(shelf.put('a', value(3)), false);
    fs.rmSync(root);
  });
});
