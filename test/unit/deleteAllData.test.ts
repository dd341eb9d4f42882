import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { deleteAllData } from '../../src/core/maintenance/deleteAllData';
import { one } from '../../src/core/store/statements';
import { SkillStore } from '../../src/core/store/store';
import { SkillTracker } from '../../src/core/tracking/tracker';
import { ago, plant, tempStore, TEST_ENGINE } from '../helpers/store';

test('deleting all data empties the store and the snapshot, and removes the copies beside it', async () => {
  const ctx = await tempStore();
  try {
    await plant(ctx.store, [
      { skill: 'pytest-run', at: ago.minutes(5), session: 'a' },
      { skill: 'secret-skill-name', at: ago.minutes(4), session: 'a' },
    ]);
    // Another window, still running, that recorded something of its own.
    const other = await SkillStore.open({ path: ctx.dbPath, pollMs: 200 });
    await plant(other, [{ skill: 'other-window-secret', at: ago.minutes(3), session: 'b' }]);
    await ctx.store.snapshotNow();
    const copies = [`${ctx.dbPath}.backup-20260101T000000000Z-before-migrate`, `${ctx.dbPath}.corrupt-20260101T000000000Z`, `${ctx.dbPath}.predictor.json`];
    for (const file of copies) fs.copyFileSync(ctx.dbPath, file);
    const unrelated = `${ctx.dbPath}-notes.txt`;
    fs.writeFileSync(unrelated, 'keep me');
    const history = `${ctx.dbPath}.history`;
    fs.mkdirSync(path.join(history, `${process.pid}-0`, '0'), { recursive: true });
    fs.writeFileSync(path.join(history, `${process.pid}-0`, '0', '0'), new Float64Array([1, 2, 3]));

    const result = await deleteAllData(ctx.store);
    const logFiles = fs.readdirSync(`${ctx.dbPath}.events`).filter((n) => n.endsWith('.jsonl'));
    for (const name of logFiles) {
      const text = fs.readFileSync(path.join(`${ctx.dbPath}.events`, name), 'utf8');
      assert.ok(!text.includes('secret-skill-name') && !text.includes('other-window-secret'), `the event log ${name} still holds deleted events`);
    }
    assert.equal(Number(other.db.exec('SELECT COUNT(*) FROM skill_invocation')[0].values[0][0]), 0, 'the other window forgot them too');
    await other.close({ snapshot: false });

    assert.ok(!fs.readdirSync(path.dirname(ctx.dbPath)).some((n) => n.includes('before-purge')), 'no backup of the deleted data is taken');
    const besideDb = result.removedFiles.filter((f) => !f.startsWith(`${ctx.dbPath}.events`));
    // The file-backed store writes no previous snapshot: nothing replaces its file whole.
    const previous = TEST_ENGINE === 'file' ? [] : [`${ctx.dbPath}.prev`];
    assert.deepEqual(besideDb.sort(), [...copies, ...previous, history].sort());
    assert.ok(result.removedFiles.some((f) => f.startsWith(`${ctx.dbPath}.events`)), 'the old log segments are listed as removed');
    assert.deepEqual(result.keptFiles, []);
    for (const file of [...copies, history]) assert.equal(fs.existsSync(file), false, file);
    assert.equal(fs.readFileSync(unrelated, 'utf8'), 'keep me');
    const count = (sql: string) => Number(ctx.store.db.exec(sql)[0].values[0][0]);
    assert.equal(count('SELECT COUNT(*) FROM skill_invocation'), 0);
    assert.equal(count('SELECT COUNT(*) FROM skill_sessions'), 0);
    assert.ok(!fs.readFileSync(ctx.dbPath).includes('secret-skill-name'), 'the snapshot holds no trace of the data, not even in free pages');
    const reopened = await SkillStore.open({ path: ctx.dbPath, mode: 'inspect', pollMs: 0 });
    try {
      assert.equal(Number(reopened.db.exec('SELECT COUNT(*) FROM skill_invocation')[0].values[0][0]), 0, 'another process sees no data either');
    } finally {
      await reopened.close();
    }
  } finally {
    await ctx.close();
  }
});

test('deleting all data removes the salt: a project recorded afterwards cannot be linked to its earlier hash', async () => {
  const ctx = await tempStore();
  try {
    const tracker = new SkillTracker(ctx.store, 'me');
    const hashOfNewSession = async (): Promise<string> => {
      const id = await tracker.createSession({ projectPath: '/home/user/project' });
      return one<{ project_hash: string }>(ctx.store.db, 'SELECT project_hash FROM skill_sessions WHERE session_id = ?', [id])!.project_hash;
    };
    const before = await hashOfNewSession();
    const salt = `${ctx.dbPath}.salt`;
    const oldSalt = fs.readFileSync(salt, 'utf8');
    const result = await deleteAllData(ctx.store, { waitForOtherProcessesMs: 0 });
    assert.ok(result.removedFiles.includes(salt), JSON.stringify(result.removedFiles));
    assert.equal(fs.existsSync(salt), false);
    assert.notEqual(await hashOfNewSession(), before);
    assert.notEqual(fs.readFileSync(salt, 'utf8'), oldSalt, 'a new salt');
  } finally {
    await ctx.close();
  }
});
