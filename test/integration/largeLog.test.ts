import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { StoreEvent } from '../../src/core/store/events';
import { openDatabaseBytes } from '../../src/core/store/engine';
import { listSegments } from '../../src/core/store/eventLog';
import { SkillStore } from '../../src/core/store/store';
import { ANCHOR_ROWS, buildAnchorDb } from '../helpers/anchor';
import { writeDeadWritersSegment } from '../helpers/logSegment';
import { dbIn, tempDir } from '../helpers/store';

/**
 * The log at a size no single call can hold: V8 takes about 125,000 arguments in one call, and a
 * replay that spread a segment's events into one `push` bricked every store holding more.
 */
const RUNS = 150_000;
const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');
const INJECT = path.join(__dirname, '..', 'faults', 'inject.cjs');
const scratch = tempDir('sb-large-log-');
after(() => scratch.cleanup());

function cli(db: string, args: string[], env: NodeJS.ProcessEnv = {}, preload: string[] = []) {
  const result = spawnSync(process.execPath, [...preload, CLI, '--db', db, ...args], {
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, SESSION_BUDDY_DB: '', SESSION_BUDDY_USER: 'large-log-user', ...env },
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

function count(db: string): number {
  const status = cli(db, ['status', '--json']);
  assert.equal(status.code, 0, status.err);
  return JSON.parse(status.out).invocations;
}

before(() => assert.ok(fs.existsSync(CLI), 'dist/cli.js is built (npm test builds it first)'));

describe(`a Python-tool database of ${RUNS} runs imported through the log`, () => {
  const source = path.join(scratch.dir, 'python-skills.db');
  const db = dbIn(scratch.dir, 'imported');
  let imported: ReturnType<typeof cli>;

  before(() => {
    buildAnchorDb(source, { runs: RUNS });
    imported = cli(db, ['import-session-buddy', source]);
  });

  test('the import succeeds, says how far it is, and the store answers afterwards', () => {
    assert.equal(imported.code, 0, imported.err);
    assert.match(imported.out, new RegExp(`${RUNS + ANCHOR_ROWS} invocations added`));
    assert.match(imported.err, new RegExp(`import: ${RUNS + ANCHOR_ROWS} of ${RUNS + ANCHOR_ROWS} runs read`));
    assert.equal(count(db), RUNS + ANCHOR_ROWS);
    const metrics = cli(db, ['metrics', '--skill', 'pytest-run', '--json']);
    assert.equal(metrics.code, 0, metrics.err);
  });

  test('track records on it, and a compaction folds the record into the snapshot', () => {
    const tracked = cli(db, ['track', '--skill', 'ruff-check', '--completed']);
    assert.equal(tracked.code, 0, tracked.err);
    assert.equal(count(db), RUNS + ANCHOR_ROWS + 1);
    const sql = cli(db, ['sql', "SELECT COUNT(*) AS n FROM skill_invocation WHERE skill_name = 'ruff-check' AND session_id NOT LIKE 'bulk-%'"]);
    assert.equal(sql.code, 0, sql.err);
    assert.equal(JSON.parse(sql.out)[0].n, 2, 'the fixture\'s ruff-check run and the tracked one');
  });

  test('retention rolls every old run up into daily totals', () => {
    const rolled = cli(db, ['retention', '--days', '365']);
    assert.equal(rolled.code, 0, rolled.err);
    assert.match(rolled.out, new RegExp(`Rolled up and removed ${RUNS} invocation`));
    const daily = cli(db, ['sql', 'SELECT SUM(invocations) AS n FROM mv_daily_skills']);
    assert.equal(JSON.parse(daily.out)[0].n, RUNS);
    assert.equal(count(db), ANCHOR_ROWS + 1);
  });

  test('Delete All Data empties it', () => {
    const deleted = cli(db, ['delete-all-data', '--yes']);
    assert.equal(deleted.code, 0, deleted.err);
    assert.equal(count(db), 0);
  });
});

describe(`a log holding ${RUNS} events that no snapshot holds yet (a writer that died before its first snapshot)`, () => {
  const db = dbIn(scratch.dir, 'log-only');
  let segment = '';

  before(async () => {
    const store = await SkillStore.open({ path: db, pollMs: 0 });
    const first = await store.nextId();
    await store.close({ snapshot: false });
    segment = path.join(`${db}.events`, 'seg-dead-writer-1.jsonl');
    writeDeadWritersSegment(segment, first, RUNS);
  });

  test('the store opens from the log and answers', () => {
    assert.equal(count(db), RUNS);
    const metrics = cli(db, ['metrics', '--json']);
    assert.equal(metrics.code, 0, metrics.err);
  });

  test('it records, and the snapshot written after takes in the whole segment', async () => {
    const tracked = cli(db, ['track', '--skill', 'ruff-check', '--completed']);
    assert.equal(tracked.code, 0, tracked.err);
    assert.equal(count(db), RUNS + 1);
    const snapshot = await openDatabaseBytes(fs.readFileSync(db));
    try {
      assert.equal(snapshot.exec('SELECT COUNT(*) FROM skill_invocation')[0].values[0][0], RUNS + 1, 'the snapshot file alone holds every run');
    } finally {
      snapshot.close();
    }
  });
});

describe('a writer that runs for long ends its segment at a bounded size', () => {
  const db = dbIn(scratch.dir, 'rotating');

  test('its events go to successive segments, each no larger than the bound plus one write', async () => {
    const bound = 16 * 1024;
    const store = await SkillStore.open({ path: db, pollMs: 0, segmentBytes: bound, compactDelayMs: 60_000 });
    try {
      const written: number[] = [];
      for (let group = 0; group < 40; group++) {
        const events: StoreEvent[] = [];
        for (let i = 0; i < 10; i++) {
          const id = await store.nextId();
          written.push(id);
          events.push({
            t: 'invocation', user_id: 'u',
            row: {
              id, skill_name: 'long-runner', invoked_at: new Date(Date.UTC(2026, 10, 2) + written.length * 1000).toISOString(), session_id: 'long',
              workflow_path: null, completed: 1, duration_seconds: 0.5, user_query: null, alternatives_considered: null, selection_rank: null,
              follow_up_actions: null, error_type: null, workflow_phase: null, workflow_step_id: null,
            },
          });
        }
        await store.commit(events);
      }
      const segments = listSegments(`${db}.events`);
      assert.ok(segments.length >= 5, `${segments.length} segments`);
      const group = Math.max(...segments.map((s) => s.size)) - bound;
      assert.ok(group < 8 * 1024, `no segment passes the bound by more than one write (${group} bytes over)`);
      const snapshot = await store.snapshotNow({ segmentGraceMs: 0 });
      assert.ok(snapshot && snapshot.deletedSegments >= segments.length - 1, 'the finished ones go once the snapshot holds them, while the writer runs on');
      assert.equal(Number(store.db.exec("SELECT COUNT(*) FROM skill_invocation WHERE skill_name = 'long-runner'")[0].values[0][0]), written.length);
    } finally {
      await store.close();
    }
    assert.equal(count(db), 400);
  });
});

describe('a log segment that cannot be read', () => {
  const db = dbIn(scratch.dir, 'unreadable');
  const PER_WRITER = 60;
  let damaged = '';

  before(async () => {
    for (const writer of ['a', 'b']) {
      const store = await SkillStore.open({ path: db, pollMs: 0 });
      const events: StoreEvent[] = [];
      for (let i = 0; i < PER_WRITER; i++) {
        events.push({
          t: 'invocation',
          user_id: 'u',
          row: {
            id: await store.nextId(), skill_name: `skill-${writer}`, invoked_at: new Date(Date.UTC(2026, 10, 1, 9, i)).toISOString(), session_id: `s-${writer}`,
            workflow_path: null, completed: 1, duration_seconds: 1, user_query: null, alternatives_considered: null, selection_rank: null,
            follow_up_actions: null, error_type: null, workflow_phase: null, workflow_step_id: null,
          },
        });
      }
      await store.commit(events);
      await store.close({ snapshot: false });
    }
    damaged = listSegments(`${db}.events`).find((s) => fs.readFileSync(s.file, 'utf8').includes('skill-a'))!.name;
  });

  /** A bad region of the disk under the first writer's segment, from its 5,000th byte on for 4 KiB. */
  const badDisk = () => ({ SB_FAULT: JSON.stringify({ point: 'segment-read', kind: 'eio', file: damaged, from: 5000, bytes: 4096 }) });

  test('the store still opens, serves the rest and names the file and why', () => {
    const status = cli(db, ['status', '--json'], badDisk(), ['--require', INJECT]);
    assert.equal(status.code, 0, status.err);
    assert.equal(JSON.parse(status.out).invocations, PER_WRITER, 'the readable segment');
    assert.match(status.err, new RegExp(`${damaged}: could not be read .*EIO`));
  });

  test('it still records, and the damaged segment is kept', () => {
    const tracked = cli(db, ['track', '--skill', 'after-damage', '--completed'], badDisk(), ['--require', INJECT]);
    assert.equal(tracked.code, 0, tracked.err);
    assert.ok(fs.existsSync(path.join(`${db}.events`, damaged)));
  });

  test('repair applies everything readable around the bad region and sets the segment aside', () => {
    const repaired = cli(db, ['repair'], badDisk(), ['--require', INJECT]);
    assert.equal(repaired.code, 0, repaired.err);
    assert.match(repaired.out, /Set aside 1 log segment/);
    const aside = path.join(`${db}.events`, 'damaged', damaged);
    assert.ok(fs.existsSync(aside), 'kept for the user to look at');
    assert.ok(!fs.existsSync(path.join(`${db}.events`, damaged)));
    const status = cli(db, ['status', '--json']);
    assert.equal(status.code, 0, status.err);
    assert.equal(status.err, '', 'nothing left to report');
    const salvaged = JSON.parse(status.out).invocations - PER_WRITER - 1;
    // Salvage reads 4 KiB at a time: a read that fails costs its 4 KiB, so at most the lines within
    // one read of the bad region (and the line cut by its end) are lost.
    let start = 0;
    let lost = 0;
    for (const line of fs.readFileSync(aside, 'utf8').split('\n')) {
      const end = start + Buffer.byteLength(line) + 1;
      if (line.includes('skill-a') && end > 5000 - 4096 && start < 5000 + 4096 + 4096) lost++;
      start = end;
    }
    assert.ok(salvaged >= PER_WRITER - lost && salvaged < PER_WRITER, `${salvaged} of ${PER_WRITER} salvaged; ${lost} within reach of the bad region`);
  });
});
