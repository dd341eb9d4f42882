import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { tempDir } from '../helpers/store';

const ROOT = path.join(__dirname, '..', '..');
const scratch = tempDir('sb-engines-');
after(() => scratch.cleanup());

/** The Node major the README's Quick start asks for ("On a fresh machine with Node.js 20"). */
function readmeNodeMajor(): number {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const named = /fresh machine with Node\.js (\d+)/.exec(readme);
  assert.ok(named, 'the README names the Node.js a fresh machine needs');
  return Number(named[1]);
}

interface Lockfile {
  packages: Record<string, { engines?: Record<string, string> }>;
}

/**
 * npm checks every locked package's `engines` while planning the install, so a dry run of `npm ci`
 * on a copy of the manifest and the lock prints the same EBADENGINE warnings a fresh install does,
 * in a second and without downloading anything.
 */
function dryRunCi(editLock: (lock: Lockfile) => void = () => undefined): string {
  const dir = fs.mkdtempSync(path.join(scratch.dir, 'ci-'));
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile;
  editLock(lock);
  fs.writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));
  const result = spawnSync('npm', ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return `${result.stdout}${result.stderr}`;
}

test('a fresh npm ci on the Node the README names prints no EBADENGINE warning', () => {
  const major = readmeNodeMajor();
  assert.equal(Number(process.versions.node.split('.')[0]), major, `the tests run on the README's Node.js ${major} (found ${process.version})`);
  const output = dryRunCi();
  const packages = [...output.matchAll(/package: '([^']+)'/g)].map((m) => m[1]);
  assert.deepEqual(packages, [], 'packages whose engines refuse this Node');
  assert.doesNotMatch(output, /EBADENGINE/);
});

test('the check sees a package whose engines refuse this Node (so it can fail)', () => {
  const output = dryRunCi((lock) => {
    lock.packages['node_modules/@opentelemetry/resources'].engines = { node: '>=99' };
  });
  assert.match(output, /EBADENGINE[\s\S]*package: '@opentelemetry\/resources@/);
});
