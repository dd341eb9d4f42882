import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { compareAgentAndHuman, comparisonSentence } from '../../src/core/analytics/agentVsHuman';
import { getDashboardData } from '../../src/core/dashboard/dashboardData';
import { getRecommendations } from '../../src/core/recommend/engine';
import { hoursAgo, nowTimestamp } from '../../src/core/time';
import type { InvocationInput } from '../../src/core/tracking/runRecorder';
import { storeWithSourcedSessions, type tempStore } from '../helpers/store';

let env: Awaited<ReturnType<typeof tempStore>>;

/**
 * pytest-run: the agent completes 2 of 5, the developer 14 of 15 (editor and CLI);
 * ruff-check: the agent 3 of 3, the developer 2 of 2 (too few to compare);
 * mypy-check: the agent only; one imported run of unknown source counts for neither side.
 */
before(async () => {
  const seeded = await storeWithSourcedSessions();
  env = seeded.env;
  const { agent, editor, cli, imported } = seeded.sessions;
  const at = new Date(Date.now() - 60 * 60_000);
  const runs = (sessionId: string, skillName: string, completed: number, failed: number): InvocationInput[] => [
    ...Array.from({ length: completed }, () => ({ sessionId, skillName, completed: true, invokedAt: at })),
    ...Array.from({ length: failed }, () => ({ sessionId, skillName, completed: false, invokedAt: at })),
  ];
  await seeded.tracker.trackInvocations([
    ...runs(agent, 'pytest-run', 2, 3), ...runs(editor, 'pytest-run', 10, 1), ...runs(cli, 'pytest-run', 4, 0),
    ...runs(agent, 'ruff-check', 3, 0), ...runs(editor, 'ruff-check', 2, 0),
    ...runs(agent, 'mypy-check', 4, 0), ...runs(imported, 'pytest-run', 0, 1),
  ]);
});
after(() => env.close());

test('only skills with enough runs on both sides are compared, each side by its own completion rate', () => {
  const compared = compareAgentAndHuman(env.store, { since: hoursAgo(24), until: nowTimestamp() });
  assert.deepEqual(compared, [{ skill: 'pytest-run', agent: { runs: 5, completionRate: 2 / 5 }, human: { runs: 15, completionRate: 14 / 15 } }]);
  assert.equal(comparisonSentence(compared[0]), "The agent's pytest-run completes 40% of the time, yours 93%.");
  assert.deepEqual(compareAgentAndHuman(env.store, { since: hoursAgo(0.5), until: nowTimestamp() }), [], 'runs outside the range do not count');
});

test('the dashboard and the recommendations say it', async () => {
  assert.deepEqual(getDashboardData(env.store, { days: 7 }).agentVsHuman.map((c) => [c.skill, c.agent.runs, c.human.runs]), [['pytest-run', 5, 15]]);
  const recommendations = await getRecommendations(env.store, { userId: 'dev', limit: 10 });
  const pytest = recommendations.find((r) => r.skill === 'pytest-run');
  assert.ok(pytest, JSON.stringify(recommendations.map((r) => r.skill)));
  assert.match(pytest.reason, /The agent's pytest-run completes 40% of the time, yours 93%\.$/);
  const ruff = recommendations.find((r) => r.skill === 'ruff-check');
  if (ruff) assert.doesNotMatch(ruff.reason, /agent/);
});
