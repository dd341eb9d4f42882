import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openNodeSqlite } from '../../src/core/store/nodeSqlite';
import { DurationMeans, readMeanDuration } from '../../src/core/tracking/durationMeans';
import { plant, tempStore, TEST_ENGINE } from '../helpers/store';

const at = (hour: number) => new Date(Date.UTC(2026, 11, 6, hour)).toISOString();
/** A run written straight into the file, past the store: no event says it is there. */
function writeHidden(db: { run(sql: string, params?: (string | number)[]): unknown }, id: number, skill: string, seconds: number): void {
  db.run('INSERT INTO skill_invocation (id, skill_name, invoked_at, session_id, completed, duration_seconds) VALUES (?, ?, ?, ?, 1, ?)', [id, skill, at(12), 'x', seconds]);
}

test('a mean is kept until a run of its skill is applied, and every mean is read again after retention', async () => {
  const ctx = await tempStore();
  try {
    await plant(ctx.store, [
      { skill: 'pytest-run', at: at(9), duration: 10 },
      { skill: 'pytest-run', at: at(10), duration: 20 },
      { skill: 'ruff-check', at: at(9), duration: 1 },
      { skill: 'no-timing', at: at(9), duration: null as unknown as number },
    ]);
    const means = new DurationMeans(ctx.store);
    assert.equal(means.of('pytest-run'), 15);
    assert.equal(means.of('ruff-check'), 1);
    assert.equal(means.of('no-timing'), null);
    assert.equal(means.of('never-run'), null);

    // Rows written past the store are not seen: kept means are not read again.
    writeHidden(ctx.store.db, 900001, 'ruff-check', 5);
    writeHidden(ctx.store.db, 900002, 'pytest-run', 60);
    assert.equal(means.of('ruff-check'), 1, 'kept, not read again');
    await plant(ctx.store, [{ skill: 'pytest-run', at: at(11), duration: 30 }]);
    assert.equal(means.of('pytest-run'), readMeanDuration(ctx.store, 'pytest-run'), 'a run of the skill makes its mean be read again');
    assert.equal(means.of('pytest-run'), 30);
    assert.equal(means.of('ruff-check'), 1, 'another skill\'s run leaves it kept');

    await ctx.store.commit([{ t: 'retention', before: at(10) }]);
    assert.equal(means.of('ruff-check'), 5, 'retention makes every mean be read again (its run at 9:00 gone, the hidden one seen)');
  } finally {
    await ctx.close();
  }
});

test('another connection writing to the file makes every kept mean be read again', { skip: TEST_ENGINE !== 'file' && 'a sql.js store has no other connection' }, async () => {
  const ctx = await tempStore();
  try {
    await plant(ctx.store, [{ skill: 'pytest-run', at: at(9), duration: 10 }]);
    const means = new DurationMeans(ctx.store);
    assert.equal(means.of('pytest-run'), 10);
    const other = openNodeSqlite(ctx.dbPath);
    try {
      writeHidden(other, 900001, 'pytest-run', 30);
    } finally {
      other.close();
    }
    assert.equal(means.of('pytest-run'), 20);
  } finally {
    await ctx.close();
  }
});
