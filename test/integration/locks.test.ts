import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { LockTimeoutError, withLock } from '../../src/core/store/locks';
import { SkillStore } from '../../src/core/store/store';
import { tempDir } from '../helpers/store';

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');

describe('locks', () => {
  test('a slots lock left by a crashed process a moment ago is recovered within the retry budget', async () => {
    const { dir, cleanup } = tempDir('sb-locks-');
    try {
      const db = path.join(dir, 'skills.db');
      await (await SkillStore.open({ path: db, pollMs: 0 })).close();
      // What a process killed while claiming a writer slot leaves: a fresh lock folder and its pid.
      const lock = path.join(`${db}.events`, 'slots.lock');
      fs.mkdirSync(lock, { recursive: true });
      fs.writeFileSync(`${lock}.pid`, String(2 ** 22 + 3));
      const started = Date.now();
      const run = spawnSync(process.execPath, [CLI, '--db', db, 'track', '--skill', 'pytest-run'], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(run.status, 0, run.stderr);
      const waited = Date.now() - started;
      assert.ok(waited >= 9_000 && waited < 20_000, `recovered after ${waited} ms (the lock goes stale after 10 s)`);
    } finally {
      cleanup();
    }
  });

  test('a lock that stays held fails with a message naming the lock file and its holder\u2019s pid', async () => {
    const { dir, cleanup } = tempDir('sb-locks-');
    try {
      const target = path.join(dir, 'thing');
      const lockPath = `${target}.lock`;
      await withLock(lockPath, { purpose: 'the test', staleMs: 30_000 }, async () => {
        await assert.rejects(
          () => withLock(lockPath, { purpose: 'the test', staleMs: 30_000, budgetMs: 300 }, () => undefined),
          (err: Error) => err instanceof LockTimeoutError && err.message.includes(lockPath) && err.message.includes(`by process ${process.pid}, which is running`),
        );
      });
      assert.equal(fs.existsSync(lockPath), false, 'released');
      assert.equal(fs.existsSync(`${lockPath}.pid`), false);
    } finally {
      cleanup();
    }
  });
});
