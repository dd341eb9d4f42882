import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import lockfile from 'proper-lockfile';
import { JobLease } from '../../src/core/store/jobLease';
import { guardedLockFs, holdLock } from '../../src/core/store/locks';
import { tempDir } from '../helpers/store';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("a lock released while its refresh's stat is failing raises nothing afterwards", async () => {
  const { dir, cleanup } = tempDir('sb-lock-refresh-');
  const thrown: Error[] = [];
  const record = (err: Error) => thrown.push(err);
  process.on('uncaughtException', record);
  try {
    let failing = false;
    // A disk that starts failing while the lock is held: stat answers EIO, slowly.
    const slowFailingStat = ((file: fs.PathLike, callback: (err: NodeJS.ErrnoException | null, stats?: fs.Stats) => void) => {
      if (!failing) return fs.stat(file, callback);
      setTimeout(() => callback(Object.assign(new Error(`EIO: i/o error, stat '${String(file)}'`), { code: 'EIO' })), 300);
    }) as typeof fs.stat;
    const guard = guardedLockFs({ ...fs, stat: slowFailingStat });
    const target = path.join(dir, 'skills.db');
    // stale 2 s: the first refresh (its stat) starts 1 s after the lock is taken.
    const release = await lockfile.lock(target, { realpath: false, lockfilePath: `${target}.lock`, stale: 2000, fs: guard.fs, onCompromised: record });
    failing = true;
    await sleep(1150);
    guard.released();
    await release();
    await sleep(500);
    assert.deepEqual(thrown.map((e) => e.message), []);
    assert.equal(fs.existsSync(`${target}.lock`), false, 'the lock is gone');
  } finally {
    process.off('uncaughtException', record);
    cleanup();
  }
});

test("two locks beside one store in one process (the snapshot's and the jobs') keep each other's refresh alive when one is released", async () => {
  const { dir, cleanup } = tempDir('sb-lock-two-');
  const thrown: Error[] = [];
  const record = (err: Error) => thrown.push(err);
  process.on('uncaughtException', record);
  const lease = new JobLease(path.join(dir, 'skills.db.jobs.lock'), 3000);
  try {
    // The jobs' lease first, then a lock held as the store's is: proper-lockfile keeps its locks by
    // the path it is given, so two locks given the database's path would share one entry.
    assert.equal(await lease.tryAcquire(), true);
    const held = await holdLock(path.join(dir, 'skills.db.lock'), { purpose: 'the test', staleMs: 2000 });
    const mtime = () => fs.statSync(path.join(dir, 'skills.db.lock')).mtimeMs;
    const before = mtime();
    await lease.dispose();
    // The held lock is refreshed every second; its holder must go on refreshing it.
    await sleep(2500);
    assert.ok(mtime() > before, 'the lock still held is still refreshed');
    assert.equal(held.compromised, false);
    await held.release();
    await sleep(1200);
    assert.deepEqual(thrown.map((e) => e.message), []);
    assert.equal(fs.existsSync(path.join(dir, 'skills.db.lock')), false);
  } finally {
    process.off('uncaughtException', record);
    await lease.dispose();
    cleanup();
  }
});
