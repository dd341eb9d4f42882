import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { loadSnapshot } from '../../src/core/store/compactor';
import { storePaths } from '../../src/core/store/paths';
import { SkillStore } from '../../src/core/store/store';
import { WorkerCompactionRunner } from '../../src/core/store/compactionRunner';
import { ago, plant, tempDir } from '../helpers/store';
import { tsWorkerEntry } from '../helpers/tsWorker';

test('snapshots are rebuilt by the worker: the file on disk gets the events, twice in a row', async () => {
  const { dir, cleanup } = tempDir();
  const runner = new WorkerCompactionRunner(tsWorkerEntry(dir, 'src/core/store/compactWorker.ts'));
  const store = await SkillStore.open({ path: path.join(dir, 'skills.db'), pollMs: 0, compactionRunner: runner.run });
  try {
    await plant(store, [{ skill: 'pytest-run', at: ago.minutes(3) }, { skill: 'ruff-check', at: ago.minutes(2) }]);
    const first = await store.snapshotNow();
    assert.equal(first?.replayed, 3, 'the session and both invocations were replayed into the file');
    await plant(store, [{ skill: 'git-commit', at: ago.minutes(1), session: 'other' }]);
    const second = await store.snapshotNow();
    assert.equal(second?.replayed, 2);
    const { db: onDisk } = await loadSnapshot(store.paths, []);
    try {
      const skills = onDisk.exec('SELECT skill_name FROM skill_invocation ORDER BY skill_name')[0].values.flat();
      assert.deepEqual(skills, ['git-commit', 'pytest-run', 'ruff-check']);
    } finally {
      onDisk.close();
    }
  } finally {
    await store.close({ snapshot: false });
    runner.dispose();
    cleanup();
  }
});

test('a worker that cannot start fails the job with a message instead of hanging', async () => {
  const runner = new WorkerCompactionRunner(path.join(__dirname, 'no-such-worker.js'));
  const { dir, cleanup } = tempDir();
  try {
    await assert.rejects(() => runner.run(storePaths(path.join(dir, 'x.db')), {}), /no-such-worker|Cannot find module/);
  } finally {
    runner.dispose();
    cleanup();
  }
});
