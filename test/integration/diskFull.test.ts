import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { openDatabaseBytes } from '../../src/core/store/engine';
import { SkillStore } from '../../src/core/store/store';
import { SkillTracker } from '../../src/core/tracking/tracker';
import { tempDir } from '../helpers/store';

/**
 * A real full disk: a small tmpfs (mounting one needs root, as CI runs; elsewhere these tests are
 * skipped, and the fault suite injects ENOSPC at every write point instead).
 */
function mountTmpfs(dir: string, size: string): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status === 0;
}

/** Fills the file system holding `dir` with a filler file, then frees `keepFree` bytes of it. */
function fill(dir: string, keepFree = 0): string {
  const filler = path.join(dir, `filler-${Date.now()}`);
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
  if (keepFree > 0) fs.truncateSync(filler, Math.max(0, fs.statSync(filler).size - keepFree));
  return filler;
}

const tmpfs = tempDir('sb-diskfull-');
const mounted = mountTmpfs(tmpfs.dir, '4m');

describe('a full disk', { skip: mounted ? false : 'needs root to mount a small tmpfs' }, () => {
  test('nothing confirmed is lost: a snapshot that does not fit is not renamed into place, an append that does not fit rejects with the disk\u2019s error', async (t) => {
    t.after(() => {
      spawnSync('umount', ['-l', tmpfs.dir]);
      tmpfs.cleanup();
    });
    const db = path.join(tmpfs.dir, 'skills.db');
    const messages: string[] = [];
    const store = await SkillStore.open({ path: db, pollMs: 0, compactDelayMs: 3_600_000, compactMaxDelayMs: 3_600_000, onMessage: (m) => messages.push(m) });
    const tracker = new SkillTracker(store, 'u');
    const session = await tracker.createSession();
    const confirmed: number[] = [];
    const track = async (skill: string) => confirmed.push(await tracker.trackInvocation({ sessionId: session, skillName: skill, completed: true, durationSeconds: 1 }));
    for (let i = 0; i < 200; i++) await track(`skill-${i % 7}`);
    await store.snapshotNow();
    const snapshotBefore = fs.readFileSync(db);

    // Room for appends, not for a snapshot.
    const nearlyFull = fill(tmpfs.dir, snapshotBefore.length / 4);
    for (let i = 0; i < 50; i++) await track('while-nearly-full');
    const report = await store.snapshotNow();
    assert.equal(report, undefined, 'the snapshot was not written');
    assert.ok(messages.some((m) => /the disk is full \(ENOSPC\)/.test(m) && m.includes(`${db}.events`)), messages.join(' / '));
    assert.deepEqual(fs.readFileSync(db), snapshotBefore, 'the old snapshot is untouched');
    assert.deepEqual(fs.readdirSync(tmpfs.dir).filter((n) => n.includes('.tmp-')), [], 'no temporary file is left');

    // No room at all: the append fails with the disk's error, in plain words.
    const full = fill(tmpfs.dir);
    let refusal: Error | undefined;
    // The first few may still fit in the last page of the segment.
    for (let i = 0; i < 1000 && !refusal; i++) await track('on-a-full-disk').catch((err: Error) => (refusal = err));
    assert.match(refusal?.message ?? '', /could not append to the event segment .*: the disk is full \(ENOSPC\)/);
    await assert.rejects(() => track('still-full'), /the disk is full \(ENOSPC\)/);

    fs.rmSync(full);
    fs.rmSync(nearlyFull);
    for (let i = 0; i < 10; i++) await track('after-space-was-freed');
    await store.close();

    const reopened: string[] = [];
    const check = await SkillStore.open({ path: db, mode: 'inspect', pollMs: 0, onMessage: (m) => reopened.push(m) });
    try {
      const ids = check.db.exec('SELECT id FROM skill_invocation')[0].values.map((r) => Number(r[0]));
      const stored = new Set(ids);
      assert.deepEqual(confirmed.filter((id) => !stored.has(id)), [], 'every confirmed event is there');
      assert.equal(ids.length, confirmed.length, 'and nothing else: the refused events were not applied');
      assert.equal(check.db.exec("SELECT count(*) FROM skill_invocation WHERE skill_name = 'still-full'")[0].values[0][0], 0);
      assert.deepEqual(reopened.filter((m) => /Skipped line/.test(m)), [], 'no torn or glued line in the log');
    } finally {
      await check.close();
    }
    const snapshot = await openDatabaseBytes(fs.readFileSync(db));
    assert.equal(snapshot.exec('PRAGMA integrity_check')[0].values[0][0], 'ok');
    assert.equal(Number(snapshot.exec('SELECT count(*) FROM skill_invocation')[0].values[0][0]), confirmed.length);
    snapshot.close();
  });
});
