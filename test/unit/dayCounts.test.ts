import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DayCounts, readDayCounts, type DayRange } from '../../src/core/dashboard/dayCounts';
import { openNodeSqlite } from '../../src/core/store/nodeSqlite';
import { plant, tempStore, TEST_ENGINE } from '../helpers/store';

const DAY: DayRange = { start: '2026-12-06T00:00:00.000Z', end: '2026-12-07T00:00:00.000Z' };
const at = (hour: number, minute = 0) => new Date(Date.UTC(2026, 11, 6, hour, minute)).toISOString();

test('a day read once is kept and grows with each new run in it, as a fresh read would give it', async () => {
  const ctx = await tempStore();
  try {
    await plant(ctx.store, [
      { skill: 'pytest-run', at: at(9), completed: false },
      { skill: 'pytest-run', at: at(9, 5) },
      { skill: 'ruff-check', at: at(9, 6) },
      { skill: 'pytest-run', at: '2026-12-05T23:59:59.999Z' },
    ]);
    const counts = new DayCounts(ctx.store);
    assert.deepEqual(counts.of(DAY), [{ skill: 'pytest-run', invocations: 2, completed: 1 }, { skill: 'ruff-check', invocations: 1, completed: 1 }]);
    await plant(ctx.store, [
      { skill: 'ruff-check', at: at(10) },
      { skill: 'ruff-check', at: at(23, 59), completed: false },
      { skill: 'ärger-lint', at: at(11) },
      { skill: 'Zed-build', at: at(11) },
      { skill: 'pytest-run', at: DAY.end },
    ]);
    assert.deepEqual(counts.of(DAY), readDayCounts(ctx.store, DAY), 'the same rows in the same order, ties in SQLite\'s order of names');
    assert.deepEqual(counts.of(DAY).map((c) => [c.skill, c.invocations, c.completed]), [['ruff-check', 3, 2], ['pytest-run', 2, 1], ['Zed-build', 1, 1], ['ärger-lint', 1, 1]]);

    // A row written past the store (no event) is not seen: the day is not read again.
    ctx.store.db.run("INSERT INTO skill_invocation (id, skill_name, invoked_at, session_id, completed) VALUES (999999, 'hidden', ?, 'x', 1)", [at(12)]);
    assert.equal(counts.of(DAY).some((c) => c.skill === 'hidden'), false, 'kept, not read again');
    await ctx.store.commit([{ t: 'retention', before: at(9, 30) }]);
    assert.deepEqual(counts.of(DAY), readDayCounts(ctx.store, DAY), 'retention makes the day be read again');
    assert.ok(counts.of(DAY).some((c) => c.skill === 'hidden'));
  } finally {
    await ctx.close();
  }
});

test('another connection writing to the file makes every kept day be read again', { skip: TEST_ENGINE !== 'file' && 'a sql.js store has no other connection' }, async () => {
  const ctx = await tempStore();
  try {
    await plant(ctx.store, [{ skill: 'pytest-run', at: at(9) }]);
    const counts = new DayCounts(ctx.store);
    assert.equal(counts.of(DAY).length, 1);
    const other = openNodeSqlite(ctx.dbPath);
    try {
      other.run("INSERT INTO skill_invocation (id, skill_name, invoked_at, session_id, completed) VALUES (999999, 'elsewhere', ?, 'x', 1)", [at(12)]);
    } finally {
      other.close();
    }
    assert.deepEqual(counts.of(DAY).map((c) => c.skill).sort(), ['elsewhere', 'pytest-run']);
  } finally {
    await ctx.close();
  }
});
