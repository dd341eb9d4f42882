import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { removeStaleTempFiles, writeFileAtomic } from '../../src/core/store/atomicFile';
import { storePaths } from '../../src/core/store/paths';
import { tempDir } from '../helpers/store';

const scratch = tempDir('sb-atomic-');
after(() => scratch.cleanup());

test('an atomic write replaces the whole file, owner-only, and leaves no temporary file', () => {
  const file = path.join(scratch.dir, 'model.json');
  fs.writeFileSync(file, 'old content', { mode: 0o644 });
  writeFileAtomic(file, '{"new": true}');
  assert.equal(fs.readFileSync(file, 'utf8'), '{"new": true}');
  if (process.platform !== 'win32') assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'beside the database everything is the user\'s');
  assert.deepEqual(fs.readdirSync(scratch.dir).filter((n) => n.includes('.tmp-')), []);
});

test('temporary files of dead writers beside the database are removed, whatever they were writing; a live writer\'s are kept', () => {
  const paths = storePaths(path.join(scratch.dir, 'skills.db'));
  const deadPid = 2 ** 22 + 12345;
  const dead = [`${paths.db}.tmp-${deadPid}-1`, `${paths.predictor}.tmp-${deadPid}-2`, `${paths.token}.tmp-${deadPid}-3`];
  const live = `${paths.predictor}.tmp-${process.pid}-4`;
  const unrelated = path.join(scratch.dir, `other.db.tmp-${deadPid}-5`);
  for (const f of [...dead, live, unrelated]) fs.writeFileSync(f, 'copy of data');
  assert.deepEqual(removeStaleTempFiles(paths.db).sort(), [...dead].sort());
  assert.ok(fs.existsSync(live) && fs.existsSync(unrelated));
});
