import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { InvalidEventError } from '../../src/core/store/eventSchema';
import type { InvocationRow } from '../../src/core/store/events';
import { SkillStore } from '../../src/core/store/store';
import { SkillTracker } from '../../src/core/tracking/tracker';
import { ago, plant, tempDir } from '../helpers/store';

const count = (store: SkillStore, sql: string) => Number(store.db.exec(sql)[0].values[0][0]);

function row(overrides: Partial<InvocationRow> = {}): InvocationRow {
  return {
    id: 4242,
    skill_name: 'pytest-run',
    invoked_at: '2026-11-30T10:00:00.000Z',
    session_id: 'planted-session',
    workflow_path: null,
    completed: 1,
    duration_seconds: 1,
    user_query: null,
    alternatives_considered: null,
    selection_rank: null,
    follow_up_actions: null,
    error_type: null,
    workflow_phase: null,
    workflow_step_id: null,
    ...overrides,
  };
}

/**
 * A segment as another (finished) writer left it: a header, then the given lines. Returns the
 * file and the line number of each given line.
 */
function foreignSegment(dbPath: string, lines: string[]): { file: string; lineOf: (i: number) => number } {
  const file = path.join(`${dbPath}.events`, 'seg-zzzzzzzz-1-abcdef01.jsonl');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const header = JSON.stringify({ t: 'segment', pid: 2 ** 22 + 1, slot: 31, started_at: '2026-11-30T09:00:00.000Z' });
  fs.writeFileSync(file, [header, ...lines].map((l) => `${l}\n`).join(''));
  return { file, lineOf: (i) => i + 2 };
}

async function withPlantedStore<T>(work: (dbPath: string) => Promise<T>): Promise<T> {
  const { dir, cleanup } = tempDir('sb-eventlog-');
  const dbPath = path.join(dir, 'skills.db');
  const store = await SkillStore.open({ path: dbPath, pollMs: 0 });
  await plant(store, [{ skill: 'ruff-check', at: ago.minutes(5) }]);
  await store.close();
  try {
    return await work(dbPath);
  } finally {
    cleanup();
  }
}

const MALFORMED: [string, string][] = [
  ['an invocation without a row', '{"s":5,"t":"invocation"}'],
  ['a null row', '{"s":5,"t":"invocation","row":null,"user_id":null}'],
  ['an id that is not a number', JSON.stringify({ s: 5, t: 'invocation', row: { ...row(), id: 'notanumber' }, user_id: null })],
  ['a retention with an object for its bound', '{"s":5,"t":"retention","before":{"x":1}}'],
  ['a session start without a session', '{"s":5,"t":"session_start","session":null}'],
  ['completed given as "yes"', JSON.stringify({ s: 5, t: 'invocation', row: { ...row(), completed: 'yes' }, user_id: null })],
  ['a numeric skill name', JSON.stringify({ s: 5, t: 'invocation', row: { ...row(), skill_name: 12345 }, user_id: null })],
  ['a newline in a skill name', JSON.stringify({ s: 5, t: 'invocation', row: { ...row(), skill_name: 'pytest\nrun' }, user_id: null })],
  ['a 2,000,000-character skill name', JSON.stringify({ s: 5, t: 'invocation', row: { ...row(), skill_name: 'x'.repeat(2_000_000) }, user_id: null })],
  ['a duration of 1e308 seconds', JSON.stringify({ s: 5, t: 'invocation', row: { ...row(), duration_seconds: 1e308 }, user_id: null })],
  ['an unknown event type', '{"s":5,"t":"drop_everything"}'],
  ['not JSON at all', 'this is not an event'],
];

describe('a log line that is not a valid event', () => {
  for (const [what, line] of MALFORMED) {
    test(`${what}: skipped and reported with its file and line; the store keeps working`, async () => {
      await withPlantedStore(async (dbPath) => {
        const { file, lineOf } = foreignSegment(dbPath, [line]);
        const messages: string[] = [];
        const store = await SkillStore.open({ path: dbPath, pollMs: 0, onMessage: (m) => messages.push(m) });
        try {
          assert.equal(count(store, 'SELECT count(*) FROM skill_invocation'), 1, 'the valid events are all there');
          assert.equal(count(store, "SELECT count(*) FROM skill_invocation WHERE id = 4242"), 0, 'the invalid one is not applied');
          const report = messages.filter((m) => m.includes(file));
          assert.equal(report.length, 1, `reported once, naming ${file}: ${messages.join(' / ')}`);
          assert.match(report[0], new RegExp(`line ${lineOf(0)} of`));
          assert.ok(report[0].length < 400, 'in one short line');
          const tracker = new SkillTracker(store, 'u');
          await tracker.trackInvocation({ sessionId: 'planted-session', skillName: 'after-the-bad-line', completed: true });
          assert.ok((await store.snapshotNow())!.bytes > 0, 'and snapshots still work');
        } finally {
          await store.close();
        }
      });
    });
  }

  test('an upsert naming an unknown column is skipped and reported; the events around it apply', async () => {
    await withPlantedStore(async (dbPath) => {
      const before = JSON.stringify({ s: 5, t: 'invocation', row: row({ id: 5001, skill_name: 'before-bad' }), user_id: null });
      const bad = JSON.stringify({ s: 6, t: 'upsert', table: 'skill_anomalies', key: ['id'], rows: [{ id: 1, no_such_column: 1 }] });
      const after = JSON.stringify({ s: 7, t: 'invocation', row: row({ id: 5002, skill_name: 'after-bad' }), user_id: null });
      const { file, lineOf } = foreignSegment(dbPath, [before, bad, after]);
      const messages: string[] = [];
      const store = await SkillStore.open({ path: dbPath, pollMs: 0, onMessage: (m) => messages.push(m) });
      try {
        assert.deepEqual(store.db.exec("SELECT id FROM skill_invocation WHERE id IN (5001, 5002) ORDER BY id")[0].values.flat(), [5001, 5002]);
        const report = messages.find((m) => m.includes(file));
        assert.ok(report && report.includes(`line ${lineOf(1)} of`) && /no_such_column/.test(report), messages.join(' / '));
      } finally {
        await store.close();
      }
    });
  });

  test('a torn fragment glued to the front of an event: the event is recovered, the fragment reported', async () => {
    await withPlantedStore(async (dbPath) => {
      const event = JSON.stringify({ s: 9, t: 'invocation', row: row({ id: 6001, skill_name: 'glued' }), user_id: null });
      const { file } = foreignSegment(dbPath, [`{"s":8,"t":"invoca${event}`]);
      const messages: string[] = [];
      const store = await SkillStore.open({ path: dbPath, pollMs: 0, onMessage: (m) => messages.push(m) });
      try {
        assert.equal(count(store, 'SELECT count(*) FROM skill_invocation WHERE id = 6001'), 1);
        assert.ok(messages.some((m) => m.includes(file) && /torn write/.test(m)), messages.join(' / '));
      } finally {
        await store.close();
      }
    });
  });
});

describe('the same limits on write', () => {
  test('an over-long name, a duration over 30 days and a non-finite number are refused with one clear line; nothing is written', async () => {
    await withPlantedStore(async (dbPath) => {
      const store = await SkillStore.open({ path: dbPath, pollMs: 0 });
      try {
        const segmentBytes = () => fs.readdirSync(`${dbPath}.events`).filter((n) => n.endsWith('.jsonl')).reduce((sum, n) => sum + fs.statSync(path.join(`${dbPath}.events`, n)).size, 0);
        const before = segmentBytes();
        const refused: [Partial<InvocationRow>, RegExp][] = [
          [{ skill_name: 'x'.repeat(201) }, /skill_name/],
          [{ duration_seconds: 31 * 86_400 }, /duration_seconds/],
          [{ duration_seconds: Number.NaN }, /duration_seconds/],
          [{ duration_seconds: Number.POSITIVE_INFINITY }, /duration_seconds/],
        ];
        for (const [change, field] of refused) {
          await assert.rejects(
            () => store.commit([{ t: 'invocation', row: row({ id: 7001, ...change }), user_id: null }]),
            (err: Error) => err instanceof InvalidEventError && field.test(err.message) && !err.message.includes('\n'),
          );
        }
        assert.equal(segmentBytes(), before, 'nothing reached the log');
        const tracker = new SkillTracker(store, 'u');
        await assert.rejects(() => tracker.trackInvocation({ sessionId: 'planted-session', skillName: 'pytest-run', durationSeconds: 1e308 }), /at most 2592000 seconds \(30 days/);
      } finally {
        await store.close();
      }
    });
  });
});
