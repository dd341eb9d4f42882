import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyEvents, type InvocationRow } from '../../src/core/store/events';
import { openNodeSqlite } from '../../src/core/store/nodeSqlite';
import { one } from '../../src/core/store/statements';
import { readMeanDuration } from '../../src/core/tracking/durationMeans';
import { plant, tempStore, TEST_ENGINE } from '../helpers/store';

const at = (hour: number) => new Date(Date.UTC(2026, 11, 6, hour)).toISOString();
/** The average over the stored runs, as a query over them gives it: what the kept totals must equal. */
const averaged = (db: Parameters<typeof one>[0], skill: string) =>
  one<{ mean: number | null }>(db, 'SELECT AVG(duration_seconds) AS mean FROM skill_invocation WHERE skill_name = ?', [skill])?.mean ?? null;

function row(id: number, skill: string, hour: number, seconds: number | null): InvocationRow {
  return { id, skill_name: skill, invoked_at: at(hour), session_id: 'x', workflow_path: null, completed: 1, duration_seconds: seconds, user_query: null, alternatives_considered: null, selection_rank: null, follow_up_actions: null, error_type: null, workflow_phase: null, workflow_step_id: null };
}

test("a skill's mean is its runs' average, kept with the runs: new runs, retention and Delete All Data move it", async () => {
  const ctx = await tempStore();
  try {
    await plant(ctx.store, [
      { skill: 'pytest-run', at: at(9), duration: 10 },
      { skill: 'pytest-run', at: at(10), duration: 20 },
      { skill: 'ruff-check', at: at(9), duration: 1 },
      { skill: 'ruff-check', at: at(11), duration: 5 },
      { skill: 'no-timing', at: at(9), duration: null as unknown as number },
    ]);
    const means = { of: (skill: string) => readMeanDuration(ctx.store, skill) };
    assert.equal(means.of('pytest-run'), 15);
    assert.equal(means.of('ruff-check'), 3);
    assert.equal(means.of('no-timing'), null);
    assert.equal(means.of('never-run'), null);

    await plant(ctx.store, [{ skill: 'pytest-run', at: at(11), duration: 60 }]);
    assert.equal(means.of('pytest-run'), 30, 'a run of the skill moves its mean');
    assert.equal(means.of('ruff-check'), 3, "another skill's run leaves it as it was");

    await ctx.store.commit([{ t: 'retention', before: at(10) }]);
    for (const skill of ['pytest-run', 'ruff-check', 'no-timing']) assert.equal(means.of(skill), averaged(ctx.store.db, skill), `${skill} after retention`);
    assert.equal(means.of('ruff-check'), 5, 'its run at 9:00 is gone');
    assert.equal(means.of('no-timing'), null);

    await ctx.store.commit([{ t: 'purge', at: at(12) }]);
    assert.equal(means.of('pytest-run'), null, 'nothing is left after Delete All Data');
    await plant(ctx.store, [{ skill: 'pytest-run', at: at(13), duration: 4 }]);
    assert.equal(readMeanDuration(ctx.store, 'pytest-run'), 4);
  } finally {
    await ctx.close();
  }
});

test('a run another connection records moves the mean', { skip: TEST_ENGINE !== 'file' && 'a sql.js store has no other connection' }, async () => {
  const ctx = await tempStore();
  try {
    await plant(ctx.store, [{ skill: 'pytest-run', at: at(9), duration: 10 }]);
    const means = { of: (skill: string) => readMeanDuration(ctx.store, skill) };
    assert.equal(means.of('pytest-run'), 10);
    const other = openNodeSqlite(ctx.dbPath);
    try {
      assert.deepEqual(applyEvents(other, [{ t: 'invocation', user_id: null, row: row(900001, 'pytest-run', 12, 30) }]).failures, []);
    } finally {
      other.close();
    }
    assert.equal(means.of('pytest-run'), 20);
  } finally {
    await ctx.close();
  }
});
