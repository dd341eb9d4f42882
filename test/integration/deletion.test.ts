import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { deleteAllData } from '../../src/core/maintenance/deleteAllData';
import { compact } from '../../src/core/store/compactor';
import { openDatabaseBytes } from '../../src/core/store/engine';
import { SkillStore } from '../../src/core/store/store';
import { ago, plant, tempDir } from '../helpers/store';

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');
const count = (store: SkillStore, sql: string) => Number(store.db.exec(sql)[0].values[0][0]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every file in the store's folder (segments included) that still holds `secret`. */
function filesHolding(dir: string, secret: string): string[] {
  const hits: string[] = [];
  for (const entry of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const file = path.join(dir, String(entry));
    if (fs.statSync(file).isFile() && fs.readFileSync(file).includes(secret)) hits.push(file);
  }
  return hits;
}

async function inScratch(work: (dbPath: string, dir: string) => Promise<void>): Promise<void> {
  const { dir, cleanup } = tempDir('sb-delete-');
  try {
    await work(path.join(dir, 'skills.db'), dir);
  } finally {
    cleanup();
  }
}

describe('delete all data is total across processes', () => {
  for (const order of ['earlier', 'later'] as const) {
    test(`an invocation another process recorded just before the delete is gone, when its segment sorts ${order}`, async () => {
      await inScratch(async (dbPath) => {
        const deleter = await SkillStore.open({ path: dbPath, pollMs: 0, compactDelayMs: 3_600_000 });
        const other = await SkillStore.open({ path: dbPath, pollMs: 0, compactDelayMs: 3_600_000 });
        // Segment names start with their creation time: whoever writes first sorts first.
        const [first, second] = order === 'earlier' ? [other, deleter] : [deleter, other];
        await plant(first, [{ skill: 'opened-first', at: ago.minutes(9), session: 'one' }]);
        await sleep(5);
        await plant(second, [{ skill: 'opened-second', at: ago.minutes(8), session: 'two' }]);
        await plant(other, [{ skill: 'recorded-just-before', at: ago.minutes(1), session: 'three' }]);
        await deleter.commit([{ t: 'purge', at: new Date().toISOString() }]);
        await plant(other, [{ skill: 'recorded-after', at: ago.minutes(0), session: 'four' }]);

        deleter.pullEvents();
        other.pullEvents();
        for (const [who, store] of [['the deleting process', deleter], ['the other process', other]] as const) {
          const skills = store.db.exec('SELECT skill_name FROM skill_invocation ORDER BY skill_name')[0]?.values.flat() ?? [];
          assert.deepEqual(skills, ['recorded-after'], `${who} keeps only what came after the delete`);
        }
        await compact(deleter.paths, { migrate: true });
        const fresh = await SkillStore.open({ path: dbPath, mode: 'inspect', pollMs: 0 });
        assert.deepEqual(fresh.db.exec('SELECT skill_name FROM skill_invocation')[0]?.values.flat(), ['recorded-after'], 'and so does the snapshot');
        await fresh.close();
        await other.close({ snapshot: false });
        await deleter.close({ snapshot: false });
      });
    });
  }

  test('invocations and the purge replayed in one batch leave nothing in the hourly time series', async () => {
    await inScratch(async (dbPath) => {
      const writer = await SkillStore.open({ path: dbPath, pollMs: 0, compactDelayMs: 3_600_000 });
      await plant(writer, [{ skill: 'secret-series-skill', at: ago.minutes(30) }]);
      await writer.commit([{ t: 'purge', at: new Date().toISOString() }]);
      const reader = await SkillStore.open({ path: dbPath, mode: 'inspect', pollMs: 0 });
      try {
        assert.equal(count(reader, 'SELECT count(*) FROM skill_time_series'), 0);
        assert.equal(count(reader, 'SELECT count(*) FROM skill_metrics'), 0);
      } finally {
        await reader.close();
        await writer.close({ snapshot: false });
      }
    });
  });

  test('no file beside the store keeps a byte of the deleted data: not .prev, not a stale temporary snapshot, not a running process\u2019s segment', async () => {
    await inScratch(async (dbPath, dir) => {
      const secret = 'secret-skill-7f3a91';
      const store = await SkillStore.open({ path: dbPath, pollMs: 0 });
      const running = await SkillStore.open({ path: dbPath, pollMs: 200 });
      await plant(store, [{ skill: secret, at: ago.minutes(5), session: 'a' }]);
      await plant(running, [{ skill: `${secret}-other`, at: ago.minutes(4), session: 'b' }]);
      await store.snapshotNow();
      await plant(store, [{ skill: 'kept-nothing', at: ago.minutes(3), session: 'a' }]);
      await store.snapshotNow();
      assert.ok(fs.existsSync(`${dbPath}.prev`));
      // A snapshot write killed half-way by a process that no longer runs.
      const staleTemp = `${dbPath}.tmp-${2 ** 22 + 7}-1700000000000`;
      fs.copyFileSync(dbPath, staleTemp);

      const result = await deleteAllData(store, { waitForOtherProcessesMs: 500 });
      assert.ok(result.removedFiles.includes(staleTemp), 'the stale temporary file is removed and listed');
      assert.ok(result.removedFiles.includes(`${dbPath}.prev`));
      assert.deepEqual(result.keptFiles, [], 'the running process let go of its old segment');
      assert.deepEqual(filesHolding(dir, secret), [], 'right after the delete');

      // Later rebuilds keep a previous snapshot again: it must not bring anything back.
      await plant(running, [{ skill: 'after-delete', at: ago.minutes(0), session: 'c' }]);
      await running.snapshotNow();
      await plant(store, [{ skill: 'after-delete-2', at: ago.minutes(0), session: 'd' }]);
      await store.snapshotNow();
      assert.ok(fs.existsSync(`${dbPath}.prev`));
      assert.deepEqual(filesHolding(dir, secret), [], 'after later snapshots');
      await running.close();
      await store.close();
      assert.deepEqual(filesHolding(dir, secret), [], 'after both processes closed');
    });
  });

  test('stale temporary snapshots of dead processes are removed on open', async () => {
    await inScratch(async (dbPath) => {
      await (await SkillStore.open({ path: dbPath, pollMs: 0 })).close();
      const stale = `${dbPath}.tmp-${2 ** 22 + 9}-1700000000000`;
      fs.writeFileSync(stale, 'a copy of old data');
      await (await SkillStore.open({ path: dbPath, pollMs: 0 })).close();
      assert.equal(fs.existsSync(stale), false);
    });
  });

  test('session-buddy delete-all-data --yes deletes and lists the files; without --yes it refuses', async () => {
    await inScratch(async (dbPath, dir) => {
      const store = await SkillStore.open({ path: dbPath, pollMs: 0 });
      await plant(store, [{ skill: 'cli-secret-skill', at: ago.minutes(2) }]);
      await store.close();
      const env = { ...process.env, SESSION_BUDDY_DB: '' };
      const refused = spawnSync(process.execPath, [CLI, '--db', dbPath, 'delete-all-data'], { encoding: 'utf8', env });
      assert.equal(refused.status, 2);
      assert.match(refused.stderr, /--yes/);
      const done = spawnSync(process.execPath, [CLI, '--db', dbPath, 'delete-all-data', '--yes'], { encoding: 'utf8', env });
      assert.equal(done.status, 0, done.stderr);
      assert.match(done.stdout, /Deleted all data\. Removed \d+ files?:/);
      assert.match(done.stdout, /seg-.*\.jsonl/);
      assert.deepEqual(filesHolding(dir, 'cli-secret-skill'), []);
      const db = await openDatabaseBytes(fs.readFileSync(dbPath));
      assert.equal(Number(db.exec('SELECT count(*) FROM skill_invocation')[0].values[0][0]), 0);
      db.close();
    });
  });
});
