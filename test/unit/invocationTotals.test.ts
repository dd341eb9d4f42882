import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvocationTotals, type InvocationTotal } from '../../src/core/realtime/invocationTotals';
import { SkillStore } from '../../src/core/store/store';
import { ago, plant, tempStore } from '../helpers/store';

const key = (t: InvocationTotal) => `${t.skill_name}|${t.workflow_phase}|${t.completed}`;
const byKey = (totals: InvocationTotal[]) => Object.fromEntries(totals.map((t) => [key(t), t]));

test('running totals follow new events, from this process and others, without reading the table again', async () => {
  const ctx = await tempStore();
  const other = await SkillStore.open({ path: ctx.dbPath, pollMs: 0 });
  const totals = new InvocationTotals(ctx.store);
  try {
    await plant(ctx.store, [
      { skill: 'pytest-run', at: ago.minutes(30), phase: 'execution', duration: 4 },
      { skill: 'pytest-run', at: ago.minutes(29), phase: 'execution', duration: 0.05 },
      { skill: 'ruff-check', at: ago.minutes(28), completed: false, duration: null },
    ]);
    assert.equal(byKey(totals.current())['pytest-run|execution|1'].n, 2);

    await plant(ctx.store, [{ skill: 'pytest-run', at: ago.minutes(10), phase: 'execution', duration: 0.3 }]);
    await plant(other, [{ skill: 'ruff-check', at: ago.minutes(9), completed: false, duration: 70, session: 'other-window' }]);
    ctx.store.pullEvents();

    const now = byKey(totals.current());
    const pytest = now['pytest-run|execution|1'];
    assert.equal(pytest.n, 3);
    assert.equal(pytest.timed, 3);
    assert.equal(pytest.duration_sum, 4.35);
    assert.deepEqual(pytest.buckets, [1, 2, 2, 2, 3, 3, 3, 3, 3], 'cumulative counts for le 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300');
    const ruff = now['ruff-check|null|0'];
    assert.equal(ruff.n, 2);
    assert.equal(ruff.timed, 1, 'a run without a duration is counted but not timed');
    assert.deepEqual(ruff.buckets, [0, 0, 0, 0, 0, 0, 0, 0, 1]);

    const reread = new InvocationTotals(ctx.store);
    assert.deepEqual(byKey(reread.current()), now, 'the same as counting the table from scratch');
    reread.dispose();
  } finally {
    totals.dispose();
    await other.close({ snapshot: false });
    await ctx.close();
  }
});

test('after retention removed rows the totals are read again', async () => {
  const ctx = await tempStore();
  const totals = new InvocationTotals(ctx.store);
  try {
    await plant(ctx.store, [
      { skill: 'old-skill', at: ago.days(400) },
      { skill: 'old-skill', at: ago.days(1) },
    ]);
    assert.equal(byKey(totals.current())['old-skill|null|1'].n, 2);
    await ctx.store.commit([{ t: 'retention', before: ago.days(365).toISOString() }]);
    assert.equal(byKey(totals.current())['old-skill|null|1'].n, 1);
  } finally {
    totals.dispose();
    await ctx.close();
  }
});
