import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, test } from 'node:test';
import { JobLease } from '../../src/core/store/jobLease';
import { storePaths } from '../../src/core/store/paths';
import { tempDir } from '../helpers/store';

const scratch = tempDir('sb-lease-');
after(() => scratch.cleanup());
const ROOT = path.join(__dirname, '..', '..');

test('one process at a time holds the job lease; when it lets go another takes it', async () => {
  const paths = storePaths(path.join(scratch.dir, 'a.db'));
  const first = new JobLease(paths.jobsLock);
  const second = new JobLease(paths.jobsLock);
  assert.equal(await first.tryAcquire(), true);
  assert.equal(await first.tryAcquire(), true, 'holding it, it stays held');
  assert.equal(await second.tryAcquire(), false);
  await first.dispose();
  assert.equal(await second.tryAcquire(), true);
  await second.dispose();
});

test('jobs that start together in one window both find the lease theirs (the hourly job was skipped for an hour when it asked beside the minute one)', async () => {
  const paths = storePaths(path.join(scratch.dir, 'together.db'));
  const lease = new JobLease(paths.jobsLock);
  const other = new JobLease(paths.jobsLock);
  assert.deepEqual(await Promise.all([lease.tryAcquire(), lease.tryAcquire(), lease.tryAcquire()]), [true, true, true]);
  assert.deepEqual(await Promise.all([other.tryAcquire(), other.tryAcquire()]), [false, false], 'another holder still waits its turn');
  await lease.dispose();
});

test('the lease of a process killed while holding it goes stale, and another window takes over', async () => {
  const paths = storePaths(path.join(scratch.dir, 'b.db'));
  const staleMs = 2000;
  const holder = spawn(process.execPath, ['--import', 'tsx', '-e', `
    const { JobLease } = require(${JSON.stringify(path.join(ROOT, 'src/core/store/jobLease.ts'))});
    new JobLease(${JSON.stringify(paths.jobsLock)}, ${staleMs}).tryAcquire().then((held) => console.log(held ? 'held' : 'refused'));
    setInterval(() => {}, 1000);
  `], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const said = await new Promise<string>((resolve) => holder.stdout!.once('data', (d) => resolve(String(d).trim())));
  assert.equal(said, 'held');
  const waiting = new JobLease(paths.jobsLock, staleMs);
  assert.equal(await waiting.tryAcquire(), false, 'a live holder keeps it (it refreshes the lease)');
  await new Promise((resolve) => setTimeout(resolve, staleMs * 1.5));
  assert.equal(await waiting.tryAcquire(), false, 'still refreshed after the stale time: it is alive');
  holder.kill('SIGKILL');
  await new Promise((resolve) => holder.once('exit', resolve));
  const started = Date.now();
  while (!(await waiting.tryAcquire())) {
    assert.ok(Date.now() - started < staleMs * 3, 'taken over within a few stale periods');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await waiting.dispose();
});
