import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { deleteAllData } from '../../src/core/maintenance/deleteAllData';
import { compact } from '../../src/core/store/compactor';
import { listSegments } from '../../src/core/store/eventLog';
import { FileStore } from '../../src/core/store/fileStore';
import { LockTimeoutError } from '../../src/core/store/locks';
import { fileEngineProblem } from '../../src/core/store/nodeSqlite';
import { storePaths } from '../../src/core/store/paths';
import { SkillStore } from '../../src/core/store/store';
import { writeDeadWritersSegment } from '../helpers/logSegment';
import { plant, tempDir } from '../helpers/store';
import { firstIdAt } from '../../src/core/store/writerSlot';

// The file-backed store against the stores today's version writes, the processes still running it,
// and the promises of the log. Skipped where the runtime has no node:sqlite.
const skip = fileEngineProblem();
const MIGRATIONS = path.join(__dirname, '..', '..', 'migrations');
const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);

const count = (store: { db: { exec(sql: string): { values: unknown[][] }[] } }, sql = 'SELECT count(*) FROM skill_invocation') => Number(store.db.exec(sql)[0]?.values[0]?.[0] ?? 0);

/** A store as today's version leaves it: a sql.js snapshot one migration behind, and events (a writer that died) only in the log. */
async function storeOfTodaysVersion(db: string): Promise<void> {
  const old = await SkillStore.open({ path: db, migrationsDir: MIGRATIONS, pollMs: 0 });
  await plant(old, Array.from({ length: 30 }, (_, i) => ({ skill: `old-${i % 4}`, at: at(100 - i) })));
  await old.close();
  await compact(storePaths(db), { migrate: false, migrationsDir: MIGRATIONS, segmentGraceMs: 0, operation: { label: 'older', needed: () => true, run: (_db, manager) => manager.rollback({ steps: 1 }) } });
  writeDeadWritersSegment(path.join(storePaths(db).eventsDir, 'seg-dead-writer-1.jsonl'), firstIdAt(Date.now()), 5);
}

test('a store written by the sql.js version opens, upgrades after a backup, and keeps every run', { skip }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const db = path.join(dir, 'skills.db');
    await storeOfTodaysVersion(db);
    const store = await FileStore.open({ path: db, migrationsDir: MIGRATIONS, pollMs: 0 });
    try {
      assert.equal(store.report.migrated.length, 1);
      assert.ok(store.report.backup && fs.existsSync(store.report.backup), 'a backup before the migration');
      assert.equal(count(store), 35);
      assert.equal(count(store, 'SELECT sum(total_invocations) FROM skill_metrics'), 35);
      assert.equal(String(store.db.exec('PRAGMA journal_mode')[0].values[0][0]), 'wal');
      assert.equal(String(store.db.exec('PRAGMA integrity_check')[0].values[0][0]), 'ok');
    } finally {
      await store.close();
    }
    const python = spawnSync('python3', ['-c', 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from skill_invocation").fetchone()[0])', db], { encoding: 'utf8' });
    if (python.status === 0) assert.equal(python.stdout.trim(), '35', 'Python reads the file as it is');
  } finally {
    cleanup();
  }
});

test('events of a process still running the sql.js version reach the file, with the bookkeeping in it', { skip }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const db = path.join(dir, 'skills.db');
    const store = await FileStore.open({ path: db, migrationsDir: MIGRATIONS, pollMs: 0 });
    const window = await SkillStore.open({ path: db, migrationsDir: MIGRATIONS, pollMs: 0, compactDelayMs: 60_000 });
    try {
      await plant(window, [{ skill: 'from-an-old-window', at: at(5) }]);
      await plant(store, [{ skill: 'from-the-file-store', at: at(4) }]);
      assert.equal(count(store), 2, 'the other process\'s run is applied with this one\'s');
      const offsets = store.db.exec('SELECT segment, consumed_bytes FROM session_buddy_store_state ORDER BY segment')[0].values;
      const sizes = listSegments(storePaths(db).eventsDir).map((s) => [s.name, s.size]);
      assert.deepEqual(offsets, sizes, 'the file says how far each segment is applied');
      await assert.rejects(compact(storePaths(db), { migrate: true, migrationsDir: MIGRATIONS, lockBudgetMs: 300 }), LockTimeoutError, 'an old snapshot rebuild gives up');
    } finally {
      await window.close({ snapshot: false });
      await store.close();
    }
    const reopened = await FileStore.open({ path: db, migrationsDir: MIGRATIONS, pollMs: 0 });
    try {
      assert.equal(count(reopened), 2);
      assert.equal((await reopened.snapshotNow({ segmentGraceMs: 0 }))?.deletedSegments, 2, 'finished segments leave once the checkpointed file holds them');
      assert.equal(listSegments(storePaths(db).eventsDir).length, 0);
      assert.equal(count(reopened), 2);
    } finally {
      await reopened.close();
    }
  } finally {
    cleanup();
  }
});

test('a write-ahead log left beside a file that was replaced since is removed, not played onto it', { skip }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const db = path.join(dir, 'skills.db');
    const store = await FileStore.open({ path: db, migrationsDir: MIGRATIONS, pollMs: 0 });
    await plant(store, [{ skill: 'kept-by-the-log', at: at(3) }]);
    await store.close();
    fs.writeFileSync(`${db}-wal`, Buffer.alloc(4096, 7));
    fs.writeFileSync(storePaths(db).walOwner, '1:1\n');
    const messages: string[] = [];
    const again = await FileStore.open({ path: db, migrationsDir: MIGRATIONS, pollMs: 0, onMessage: (m) => messages.push(m) });
    try {
      assert.ok(messages.some((m) => m.includes('write-ahead log')), messages.join('\n'));
      assert.equal(count(again), 1);
    } finally {
      await again.close();
    }
  } finally {
    cleanup();
  }
});

test('Delete All Data leaves no byte of the deleted runs in any file, the write-ahead log included', { skip }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const db = path.join(dir, 'skills.db');
    const store = await FileStore.open({ path: db, migrationsDir: MIGRATIONS, pollMs: 0 });
    try {
      await plant(store, Array.from({ length: 50 }, (_, i) => ({ skill: 'secret-skill-name', at: at(60 - i) })));
      await store.snapshotNow({ segmentGraceMs: 0 });
      await deleteAllData(store, { waitForOtherProcessesMs: 0 });
      await plant(store, [{ skill: 'after-the-purge', at: at(1) }]);
      assert.equal(count(store), 1);
      const holding = (fs.readdirSync(dir, { recursive: true }) as string[])
        .map((name) => path.join(dir, String(name)))
        .filter((file) => fs.statSync(file).isFile() && fs.readFileSync(file).includes('secret-skill-name'));
      assert.deepEqual(holding, []);
    } finally {
      await store.close();
    }
  } finally {
    cleanup();
  }
});

test('the write-ahead log is copied into the file a few seconds after the writes, and at once when it grows large', { skip }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const db = path.join(dir, 'skills.db');
    const wal = `${db}-wal`;
    const quiet = await FileStore.open({ path: db, migrationsDir: MIGRATIONS, pollMs: 0, compactDelayMs: 3_600_000, compactMaxDelayMs: 3_600_000 });
    try {
      const fileBytes = fs.statSync(db).size;
      for (let i = 0; i < 400; i++) await plant(quiet, [{ skill: `s-${i % 7}`, at: at(800 - i) }]);
      assert.ok(fs.statSync(wal).size > 1000 * 4096, `more than SQLite's 1,000 pages were logged (${fs.statSync(wal).size} bytes)`);
      assert.equal(fs.statSync(db).size, fileBytes, 'no commit copied the log into the file');
    } finally {
      await quiet.close({ snapshot: false });
    }
    const bounded = await FileStore.open({ path: db, migrationsDir: MIGRATIONS, pollMs: 0, compactDelayMs: 3_600_000, compactMaxDelayMs: 3_600_000, walCheckpointBytes: 256 * 1024 });
    try {
      for (let i = 0; i < 400; i++) await plant(bounded, [{ skill: `t-${i % 7}`, at: at(400 - i) }]);
      const deadline = Date.now() + 10_000;
      while (fs.statSync(wal).size > 256 * 1024 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.ok(fs.statSync(wal).size <= 256 * 1024, `the log grown past its bound was checkpointed (${fs.statSync(wal).size} bytes)`);
      assert.equal(count(bounded), 800);
    } finally {
      await bounded.close();
    }
  } finally {
    cleanup();
  }
});
