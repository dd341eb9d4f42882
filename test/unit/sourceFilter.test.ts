import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runTool } from '../../src/core/tools/agentTools';
import type { ToolContext } from '../../src/core/tools/tool';
import { ToolSession, toolContext } from '../../src/core/tools/toolSession';
import { storeWithSourcedSessions, type tempStore } from '../helpers/store';

let env: Awaited<ReturnType<typeof tempStore>>;
let ctx: ToolContext;

/** pytest-run: the agent 2 of 5 completed (10 s each), the developer 3 of 3 (editor 2, cli 1, 4 s each). */
before(async () => {
  const seeded = await storeWithSourcedSessions();
  env = seeded.env;
  const { agent, editor, cli } = seeded.sessions;
  const at = new Date(Date.now() - 10 * 60_000);
  const run = (sessionId: string, completed: boolean, durationSeconds: number) => ({ sessionId, skillName: 'pytest-run', completed, durationSeconds, invokedAt: at });
  await seeded.tracker.trackInvocations([
    run(agent, true, 10), run(agent, true, 10), run(agent, false, 10), run(agent, false, 10), run(agent, false, 10),
    run(editor, true, 4), run(editor, true, 4), run(cli, true, 4),
  ]);
  ctx = toolContext(env.store, 'dev', new ToolSession(env.store, 'dev', { source: 'test' }));
});
after(() => env.close());

type Metrics = { top_skills: { skill_name: string; invocation_count: number; completion_rate: number; avg_duration: number }[] };
type Baselines = { baselines: { skill_name: string; total_invocations: number; global_completion_rate: number; global_avg_duration_seconds: number }[] };

test('get_real_time_metrics: source agent, human, one source, or every run', async () => {
  const metrics = async (args: Record<string, unknown>) => {
    const result = await runTool(ctx, 'get_real_time_metrics', args);
    return (result as unknown as Metrics).top_skills.map((s) => [s.invocation_count, s.completion_rate, s.avg_duration]);
  };
  assert.deepEqual(await metrics({ source: 'agent' }), [[5, 0.4, 10]]);
  assert.deepEqual(await metrics({ source: 'human' }), [[3, 1, 4]]);
  assert.deepEqual(await metrics({ source: 'cli' }), [[1, 1, 4]]);
  // The mean duration is over every run with a duration, whatever its outcome (measures.ts).
  assert.deepEqual(await metrics({}), [[8, 5 / 8, (5 * 10 + 3 * 4) / 8]]);
  await assert.rejects(runTool(ctx, 'get_real_time_metrics', { source: 'robot' }), /source/);
});

test('get_community_baselines: with a source, computed from those runs only', async () => {
  const baselines = async (source: string) => {
    const result = await runTool(ctx, 'get_community_baselines', { source });
    return (result as unknown as Baselines).baselines.map((b) => [b.skill_name, b.total_invocations, b.global_completion_rate, b.global_avg_duration_seconds]);
  };
  assert.deepEqual(await baselines('agent'), [['pytest-run', 5, 0.4, 10]]);
  assert.deepEqual(await baselines('human'), [['pytest-run', 3, 1, 4]]);
});

test('a run tracked through the tools by an agent in a window session is the agent\'s', async () => {
  const recorded = (await runTool({ ...ctx, caller: 'agent' }, 'track_skill_invocation', { skill_name: 'lm-tracked', completed: true })) as unknown as { invocation_id: number };
  const source = env.store.db.exec('SELECT source FROM skill_invocation WHERE id = ?', [recorded.invocation_id])[0].values[0][0];
  assert.equal(source, 'agent');
});

