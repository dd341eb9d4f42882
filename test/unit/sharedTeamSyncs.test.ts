import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TeamSyncAnswer } from '../../src/core/team/editorSync';
import { SharedTeamSyncs } from '../../src/core/team/sharedTeamSyncs';

const server = { url: 'postgresql://ann@127.0.0.1/team' };

/** A sync that counts its runs and ends when told (or fails). */
function countingSync() {
  const runs: { resolve: (a: TeamSyncAnswer) => void; reject: (e: Error) => void }[] = [];
  const sync = () => new Promise<TeamSyncAnswer>((resolve, reject) => runs.push({ resolve, reject }));
  const answer = (n: number): TeamSyncAnswer => ({ label: 'team', at: `2026-12-07T12:00:0${n}.000Z`, sent: n, heldBack: [], baselines: 0 });
  return { runs, sync, answer };
}

test('windows asking while a sync runs join it; within sharedWithinMs of its start they get its answer; after it, a new sync', async () => {
  let now = 1_000_000;
  const shared = new SharedTeamSyncs(() => now);
  const { runs, sync, answer } = countingSync();
  const first = shared.run({ ...server, sharedWithinMs: 150_000 }, sync);
  const joined = shared.run({ ...server, sharedWithinMs: 0 }, sync);
  assert.equal(runs.length, 1, 'a sync under way is joined, even by a window that wants a fresh one');
  runs[0].resolve(answer(1));
  assert.deepEqual(await first, answer(1));
  assert.deepEqual(await joined, answer(1));
  now += 149_999;
  assert.deepEqual(await shared.run({ ...server, sharedWithinMs: 150_000 }, sync), answer(1));
  assert.equal(runs.length, 1);
  now += 1;
  const later = shared.run({ ...server, sharedWithinMs: 150_000 }, sync);
  assert.equal(runs.length, 2, 'a sync as old as the window allows is not shared');
  runs[1].resolve(answer(2));
  assert.deepEqual(await later, answer(2));
  const forced = shared.run({ ...server, sharedWithinMs: 0 }, sync);
  assert.equal(runs.length, 3, 'sharedWithinMs 0 always syncs anew once the last one ended');
  runs[2].resolve(answer(3));
  await forced;
});

test('a failed sync is not shared, and servers or passwords that differ never share one', async () => {
  const shared = new SharedTeamSyncs(() => 0);
  const { runs, sync, answer } = countingSync();
  const failing = shared.run({ ...server, sharedWithinMs: 60_000 }, sync);
  runs[0].reject(new Error('connection refused'));
  await assert.rejects(failing, /connection refused/);
  const retried = shared.run({ ...server, sharedWithinMs: 60_000 }, sync);
  assert.equal(runs.length, 2, 'the next request tries again');
  runs[1].resolve(answer(1));
  await retried;
  void shared.run({ ...server, password: 'changed', sharedWithinMs: 60_000 }, sync);
  void shared.run({ url: 'postgresql://ann@127.0.0.1/other', sharedWithinMs: 60_000 }, sync);
  assert.equal(runs.length, 4);
});
