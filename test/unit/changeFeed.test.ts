import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasRecordedRuns, isDemoStore } from '../../src/core/dashboard/dashboardData';
import { DEMO_SOURCE } from '../../src/core/demo/demoHistory';
import { ChangeFeed } from '../../src/core/host/changeFeed';
import type { InvocationRow } from '../../src/core/store/events';
import { ago, plant, tempStore } from '../helpers/store';

test('the flags a waiting window is told are read again only after an event that may change them, and are then right', async () => {
  const ctx = await tempStore();
  try {
    const feed = new ChangeFeed(ctx.store);
    let reads = 0;
    const flags = () =>
      feed.flagsOf(() => {
        reads++;
        return { hasRuns: hasRecordedRuns(ctx.store), demo: isDemoStore(ctx.store) };
      });
    assert.deepEqual(flags(), { hasRuns: false, demo: false });
    await plant(ctx.store, [{ skill: 'pytest-run', at: ago.minutes(5), session: 'a' }]);
    assert.deepEqual([flags(), reads], [{ hasRuns: true, demo: false }, 2], 'the first run');
    await plant(ctx.store, [{ skill: 'ruff-check', at: ago.minutes(4), session: 'b' }]);
    assert.deepEqual([flags(), reads], [{ hasRuns: true, demo: false }, 3], 'a new session might be the demo');
    await ctx.store.commit([{ t: 'invocation', row: { ...row(await ctx.store.nextId()), session_id: 'a' }, user_id: 'u' }]);
    assert.deepEqual([flags(), reads], [{ hasRuns: true, demo: false }, 3], 'a later run changes nothing');
    await ctx.store.commit([{ t: 'session_start', session: { session_id: 'demo-1', user_id: 'u', project_hash: null, source: DEMO_SOURCE, started_at: ago.minutes(3).toISOString() } }]);
    assert.deepEqual(flags(), { hasRuns: true, demo: true }, 'the demo');
    await ctx.store.commit([{ t: 'purge', at: new Date().toISOString() }]);
    assert.deepEqual(flags(), { hasRuns: false, demo: false }, 'after Delete All Data');
  } finally {
    await ctx.close();
  }
});

function row(id: number): InvocationRow {
  return {
    id, skill_name: 'pytest-run', invoked_at: ago.minutes(2).toISOString(), session_id: 'a', workflow_path: null, completed: 1, duration_seconds: 1,
    user_query: null, alternatives_considered: null, selection_rank: null, follow_up_actions: null, error_type: null, workflow_phase: null, workflow_step_id: null,
  };
}
