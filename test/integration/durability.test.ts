import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { compact } from '../../src/core/store/compactor';
import { openDatabaseBytes } from '../../src/core/store/engine';
import { storePaths } from '../../src/core/store/paths';
import { SkillStore } from '../../src/core/store/store';
import { SkillTracker } from '../../src/core/tracking/tracker';
import { tempDir } from '../helpers/store';

const CHILD = path.join(__dirname, '..', 'helpers', 'track-child.ts');
const scratch = tempDir('sb-durability-');
after(() => scratch.cleanup());
let counter = 0;
const newDb = () => {
  const dir = path.join(scratch.dir, String(counter++));
  fs.mkdirSync(dir);
  return path.join(dir, 'skills.db');
};

function runChild(db: string, count: number, extra: string[] = []) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, db, String(count), ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

async function rows(db: string, sql: string): Promise<unknown[][]> {
  const store = await SkillStore.open({ path: db, mode: 'inspect', pollMs: 0 });
  try {
    return store.db.exec(sql)[0]?.values ?? [];
  } finally {
    await store.close();
  }
}

describe('durable store across processes', () => {
  test('two processes tracking 5,000 events each at once give exactly 10,000 rows, no duplicates', async () => {
    const db = newDb();
    // Create the schema first so that both children race on writes, not on the first migration.
    await (await SkillStore.open({ path: db, pollMs: 0 })).close();
    const a = runChild(db, 5000);
    const b = runChild(db, 5000);
    const [codeA, codeB] = await Promise.all([a.exited, b.exited]);
    assert.equal(codeA, 0, a.err());
    assert.equal(codeB, 0, b.err());
    const [[total, distinct, users]] = await rows(db, 'SELECT count(*), count(DISTINCT id), count(DISTINCT session_id) FROM skill_invocation');
    assert.equal(total, 10_000);
    assert.equal(distinct, 10_000);
    assert.equal(users, 2);
    const snapshotOnly = await openDatabaseBytes(fs.readFileSync(db));
    assert.equal(Number(snapshotOnly.exec('SELECT count(*) FROM skill_invocation')[0].values[0][0]), 10_000, 'the last snapshot holds both processes\u2019 events');
    assert.equal(Number(snapshotOnly.exec("SELECT sum(total_invocations) FROM skill_metrics")[0].values[0][0]), 10_000);
    snapshotOnly.close();
  });

  test('a process killed with SIGKILL right after track resolved loses nothing it reported', async () => {
    const db = newDb();
    await (await SkillStore.open({ path: db, pollMs: 0 })).close();
    const run = runChild(db, 100_000, ['--print-ids']);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child printed too few ids: ${run.err()}`)), 30_000);
      run.child.stdout.on('data', () => {
        if (run.out().split('\n').filter(Boolean).length >= 200) {
          run.child.kill('SIGKILL');
          clearTimeout(timer);
          resolve();
        }
      });
    });
    assert.equal(await run.exited, null, 'killed by the signal');
    const reported = run.out().split('\n').filter((l) => /^\d+$/.test(l)).map(Number);
    assert.ok(reported.length >= 200);
    const stored = new Set((await rows(db, 'SELECT id FROM skill_invocation')).map((r) => Number(r[0])));
    const lost = reported.filter((id) => !stored.has(id));
    assert.deepEqual(lost, [], `${lost.length} of ${reported.length} reported invocations were lost`);
  });

  test("another process's events become visible within 2 s", async () => {
    const db = newDb();
    const watcher = await SkillStore.open({ path: db });
    const writer = runChild(db, 3);
    assert.equal(await writer.exited, 0, writer.err());
    const finished = Date.now();
    const count = () => Number(watcher.db.exec('SELECT count(*) FROM skill_invocation')[0].values[0][0]);
    while (count() < 3 && Date.now() - finished < 5000) await new Promise((r) => setTimeout(r, 50));
    const waited = Date.now() - finished;
    assert.equal(count(), 3);
    assert.ok(waited <= 2000, `visible after ${waited} ms`);
    await watcher.close();
  });
});

describe('damaged files', () => {
  test('a truncated snapshot is moved aside, named in a clear message, and the data is rebuilt from the previous snapshot and the log', async () => {
    const db = newDb();
    const store = await SkillStore.open({ path: db, pollMs: 0 });
    const tracker = new SkillTracker(store, 'u');
    const session = await tracker.createSession();
    for (let i = 0; i < 50; i++) await tracker.trackInvocation({ sessionId: session, skillName: 'pytest-run', completed: true });
    await store.close();
    const size = fs.statSync(db).size;
    fs.truncateSync(db, Math.floor(size / 2) + 100);
    const truncated = fs.readFileSync(db);

    const messages: string[] = [];
    const reopened = await SkillStore.open({ path: db, pollMs: 0, onMessage: (m) => messages.push(m) });
    const aside = reopened.report.movedAside!;
    assert.ok(aside && fs.existsSync(aside), 'the damaged file was moved aside');
    assert.deepEqual(fs.readFileSync(aside), truncated, 'and never overwritten');
    assert.ok(messages.some((m) => m.includes(db) && m.includes(aside)), `a message names both paths: ${messages.join(' / ')}`);
    assert.equal(Number(reopened.db.exec('SELECT count(*) FROM skill_invocation')[0].values[0][0]), 50, 'rebuilt from the log');
    const tracker2 = new SkillTracker(reopened, 'u');
    await tracker2.trackInvocation({ sessionId: session, skillName: 'after-repair', completed: true });
    await reopened.close();
    assert.equal((await rows(db, "SELECT count(*) FROM skill_invocation"))[0][0], 51);
  });

  test('a garbage file is not a database: moved aside, store starts empty, nothing crashes', async () => {
    const db = newDb();
    fs.writeFileSync(db, 'this is not sqlite at all, just text that someone saved here by mistake\n'.repeat(20));
    const messages: string[] = [];
    const store = await SkillStore.open({ path: db, pollMs: 0, onMessage: (m) => messages.push(m) });
    assert.ok(store.report.movedAside && fs.readFileSync(store.report.movedAside, 'utf8').startsWith('this is not sqlite'));
    assert.match(messages.join('\n'), /not a SQLite database/);
    const tracker = new SkillTracker(store, 'u');
    await tracker.trackInvocation({ sessionId: await tracker.createSession(), skillName: 'x' });
    await store.close();
  });

  test('a torn or invalid log line is skipped; a line still being written waits for its newline', async () => {
    const db = newDb();
    const store = await SkillStore.open({ path: db, pollMs: 0 });
    const tracker = new SkillTracker(store, 'u');
    const session = await tracker.createSession();
    await tracker.trackInvocation({ sessionId: session, skillName: 'ok-1' });
    await store.close({ snapshot: false });
    const paths = storePaths(db);
    const segment = fs.readdirSync(paths.eventsDir).find((n) => n.startsWith('seg-'))!;
    const file = path.join(paths.eventsDir, segment);
    const line = fs.readFileSync(file, 'utf8').split('\n').find((l) => l.includes('"ok-1"'))!;
    fs.appendFileSync(file, 'not json at all\n' + line.replace('ok-1', 'ok-2').replace(/"id":\d+/, '"id":42') + '\n' + '{"t":"invocation","row":{"id":43');
    const reopened = await SkillStore.open({ path: db, pollMs: 0 });
    const skills = reopened.db.exec('SELECT skill_name FROM skill_invocation ORDER BY skill_name')[0].values.flat();
    assert.deepEqual(skills, ['ok-1', 'ok-2']);
    await reopened.close();
  });

  test('a lock left by a crashed process goes stale and does not block snapshots', async () => {
    const db = newDb();
    await (await SkillStore.open({ path: db, pollMs: 0 })).close();
    const lockDir = `${db}.lock`;
    fs.mkdirSync(lockDir);
    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(lockDir, old, old);
    const started = Date.now();
    const report = await compact(storePaths(db), { migrate: true });
    assert.ok(report.bytes > 0);
    assert.ok(Date.now() - started < 10_000);
    assert.equal(fs.existsSync(lockDir), false, 'the lock was released');
  });
});
