import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getAbTest, groupFor } from '../../src/core/analytics/abTesting';
import { trainPredictor } from '../../src/core/analytics/predictor';
import fs from 'node:fs';
import path from 'node:path';
import { AGENT_TOOLS, UnknownToolError, runTool } from '../../src/core/tools/agentTools';
import { languageModelToolContributions } from '../../src/core/tools/contributions';
import { ToolArgumentError } from '../../src/core/tools/schema';
import type { ToolContext } from '../../src/core/tools/tool';
import { ToolSession, toolContext } from '../../src/core/tools/toolSession';
import { tempStore } from '../helpers/store';
import { seedToolsStore } from '../integration/tools-seed';

type Store = Awaited<ReturnType<typeof tempStore>>;
let env: Store;
let ctx: ToolContext;
let abTestId: number;

before(async () => {
  env = await tempStore();
  ({ abTestId } = await seedToolsStore(env.store));
  const session = new ToolSession(env.store, 'alice', { source: 'test' });
  ctx = toolContext(env.store, 'alice', session);
});
after(() => env.close());

const ANCHOR_SIX = ['get_real_time_metrics', 'detect_anomalies', 'get_skill_trend', 'get_collaborative_recommendations', 'get_community_baselines', 'get_skill_dependencies'];

describe('agent tools: definitions', () => {
  test("the anchor's six tools plus predictor, A/B, recommendations, regressions and tracking, each with a closed JSON schema", () => {
    assert.deepEqual(AGENT_TOOLS.map((t) => t.name), [...ANCHOR_SIX, 'predict_skill_success', 'get_ab_test_results', 'get_recommendations', 'get_skill_changes', 'track_skill_invocation']);
    for (const tool of AGENT_TOOLS) {
      assert.equal(tool.inputSchema.type, 'object');
      assert.equal(tool.inputSchema.additionalProperties, false);
      assert.ok(tool.description.length > 40, `${tool.name} explains itself`);
      for (const required of tool.inputSchema.required ?? []) assert.ok(required in tool.inputSchema.properties);
    }
    assert.deepEqual(Object.fromEntries(AGENT_TOOLS.map((t) => [t.name, t.writes])), {
      get_real_time_metrics: 'never',
      detect_anomalies: 'derived',
      get_skill_trend: 'never',
      get_collaborative_recommendations: 'never',
      get_community_baselines: 'derived',
      get_skill_dependencies: 'derived',
      predict_skill_success: 'never',
      get_ab_test_results: 'never',
      get_recommendations: 'never',
      get_skill_changes: 'derived',
      track_skill_invocation: 'runs',
    });
  });

  test('the VS Code contributions are generated from the same definitions (and package.json, once it lists them, matches)', () => {
    const generated = languageModelToolContributions();
    assert.deepEqual(generated.map((c) => c.name), AGENT_TOOLS.map((t) => `sessionBuddy_${t.name}`));
    assert.deepEqual(generated.map((c) => c.inputSchema), AGENT_TOOLS.map((t) => t.inputSchema));
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { contributes?: { languageModelTools?: unknown[] } };
    const listed = manifest.contributes?.languageModelTools;
    if (listed) assert.deepEqual(listed, JSON.parse(JSON.stringify(generated)), 'package.json languageModelTools = languageModelToolContributions()');
  });

  test('arguments are checked against the schema: every problem is named, defaults are applied', async () => {
    await assert.rejects(runTool(ctx, 'get_skill_trend', {}), (err: Error) => err instanceof ToolArgumentError && /"skill_name" is required/.test(err.message));
    await assert.rejects(
      runTool(ctx, 'get_real_time_metrics', { limit: 0, time_window_hours: 'one', extra: 1 }),
      (err: Error) =>
        err instanceof ToolArgumentError &&
        err.problems.length === 3 &&
        /unknown argument "extra"/.test(err.message) &&
        /"limit" must be at least 1/.test(err.message) &&
        /"time_window_hours" must be a number/.test(err.message),
    );
    await assert.rejects(runTool(ctx, 'get_skill_trend', { skill_name: 'x', metric: 'speed' }), /"metric" must be one of completion_rate, avg_duration_seconds, invocation_count/);
    await assert.rejects(runTool(ctx, 'get_recommendations', { recent_failures: ['ok', 7] }), /item 1 must be a string/);
    await assert.rejects(runTool(ctx, 'get_real_time_metrics', [1]), /arguments must be a JSON object/);
    await assert.rejects(runTool(ctx, 'drop_tables', {}), UnknownToolError);
    const defaults = await runTool(ctx, 'get_real_time_metrics', undefined);
    assert.match(defaults.message, /in the last 1 hours$/);
  });
});

describe('agent tools: answers on a seeded store', () => {
  test('get_real_time_metrics: the anchor keys, rates 0..1, the window honoured', async () => {
    const hour = await runTool(ctx, 'get_real_time_metrics', {});
    assert.equal(hour.success, true);
    assert.deepEqual(hour.top_skills, [
      { skill_name: 'flaky-build', invocation_count: 8, completed_count: 0, completion_rate: 0, avg_duration: 10, last_invocation_at: (hour.top_skills as { last_invocation_at: string }[])[0].last_invocation_at },
    ]);
    assert.equal(hour.message, 'Found 1 skills in the last 1 hours');
    assert.match(String(hour.timestamp), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const day = await runTool(ctx, 'get_real_time_metrics', { time_window_hours: 24, limit: 2 });
    const top = day.top_skills as { skill_name: string; invocation_count: number; completion_rate: number }[];
    assert.deepEqual(top.map((s) => [s.skill_name, s.invocation_count]), [['flaky-build', 28], ['pytest-run', 5]]);
    assert.equal(top[0].completion_rate, 20 / 28);
  });

  test('detect_anomalies finds the planted drop and stores it once', async () => {
    const first = await runTool(ctx, 'detect_anomalies', {});
    const anomalies = first.anomalies as { skill_name: string; anomaly_type: string; metric: string; baseline_value: number; observed_value: number; deviation_score: number }[];
    assert.deepEqual(anomalies.map((a) => [a.skill_name, a.anomaly_type, a.metric]), [['flaky-build', 'drop', 'completion_rate']]);
    assert.equal(anomalies[0].baseline_value, 1);
    assert.equal(anomalies[0].observed_value, 0);
    assert.ok(anomalies[0].deviation_score <= -2);
    assert.equal(first.message, 'Detected 1 anomaly with Z-score >= 2');
    await runTool(ctx, 'detect_anomalies', {});
    const stored = env.store.db.exec("SELECT count(*) FROM skill_anomalies WHERE skill_name = 'flaky-build'")[0].values[0][0];
    assert.equal(stored, 1);
    const none = await runTool(ctx, 'detect_anomalies', { threshold: 30 });
    assert.deepEqual(none.anomalies, []);
  });

  test('get_skill_trend: improving, with the p-value under its anchor name "confidence"', async () => {
    const trend = await runTool(ctx, 'get_skill_trend', { skill_name: 'pytest-run' });
    assert.equal(trend.success, true);
    assert.equal(trend.trend, 'improving');
    assert.equal(trend.start_value, 0.2);
    assert.equal(trend.end_value, 1);
    assert.ok((trend.slope as number) > 0);
    assert.equal(trend.confidence, trend.p_value);
    assert.ok((trend.p_value as number) < 0.05);
    const unknown = await runTool(ctx, 'get_skill_trend', { skill_name: 'never-ran' });
    assert.equal(unknown.trend, 'insufficient_data');
  });

  test('get_collaborative_recommendations: what similar users completed and alice never ran', async () => {
    const result = await runTool(ctx, 'get_collaborative_recommendations', { user_id: 'alice' });
    const recs = result.recommendations as { skill_name: string; source: string; completion_rate: number }[];
    assert.equal(recs[0].skill_name, 'coverage-report');
    assert.equal(recs[0].source, 'collaborative_filtering');
    assert.equal(recs[0].completion_rate, 1);
    assert.ok(!recs.some((r) => ['lint', 'fmt', 'pytest-run', 'flaky-build'].includes(r.skill_name)));
    assert.equal(result.user_id, 'alice');
  });

  test('get_community_baselines: computed on demand when missing, rates 0..1', async () => {
    const result = await runTool(ctx, 'get_community_baselines', { limit: 50 });
    const baselines = result.baselines as { skill_name: string; total_invocations: number; global_completion_rate: number }[];
    const lint = baselines.find((b) => b.skill_name === 'lint')!;
    assert.equal(lint.total_invocations, 12);
    assert.equal(lint.global_completion_rate, 1);
    const pytest = baselines.find((b) => b.skill_name === 'pytest-run')!;
    assert.equal(pytest.global_completion_rate, 25 / 35);
    assert.equal(result.message, `Retrieved ${baselines.length} community baselines`);
  });

  test('get_skill_dependencies: fmt for lint with lift >= 1.5 (the anchor always answered empty)', async () => {
    const result = await runTool(ctx, 'get_skill_dependencies', { skill_name: 'lint' });
    const deps = result.dependencies as { skill_b: string; co_occurrence_count: number; lift_score: number }[];
    assert.equal(deps[0].skill_b, 'fmt');
    assert.equal(deps[0].co_occurrence_count, 12);
    assert.ok(deps[0].lift_score >= 1.5);
    assert.ok(!deps.some((d) => d.skill_b === 'deploy'));
  });

  test("get_recommendations: Up next with probabilities, then More with fmt after lint under the dependency strategy; the user's A/B group is reported", async () => {
    const ratio = getAbTest(env.store, abTestId).assignment_ratio;
    const controlUser = Array.from({ length: 50 }, (_, i) => `viewer-${i}`).find((u) => groupFor(abTestId, u, ratio) === 'control')!;
    const result = await runTool({ ...ctx, userId: controlUser }, 'get_recommendations', { last_skill: 'lint', limit: 3 });
    assert.equal(result.strategy, 'popularity_dependencies');
    assert.deepEqual(result.ab_test, { test_id: abTestId, group: 'control' });
    type Listed = { skill_name: string; section: string; rank: number; probability: number | null; source: string };
    const recs = result.recommendations as Listed[];
    assert.deepEqual(recs.map((r) => r.rank), recs.map((_, i) => i + 1), 'ranks are the places shown');
    const order = ['up-next', 'discover', 'more'];
    assert.deepEqual([...recs.map((r) => order.indexOf(r.section))].sort((a, b) => a - b), recs.map((r) => order.indexOf(r.section)), 'Up next, then Discover, then More');
    const upNext = recs.filter((r) => r.section === 'up-next');
    assert.equal(upNext.length, 3, 'limit is the length of Up next');
    assert.ok(upNext.every((r, i) => r.probability! > 0 && r.probability! <= 1 && (i === 0 || r.probability! <= upNext[i - 1].probability!)), JSON.stringify(upNext));
    const fmt = recs.find((r) => r.skill_name === 'fmt');
    assert.ok(fmt, JSON.stringify(recs));
    if (fmt.section === 'more') assert.equal(fmt.source, 'dependency');
    assert.ok(recs.filter((r) => r.section === 'more').every((r) => r.probability === null));
    assert.equal(new Set(recs.map((r) => r.skill_name)).size, recs.length, 'a skill is listed once');
    const alice = await runTool(ctx, 'get_recommendations', { last_skill: 'lint' });
    const group = groupFor(abTestId, 'alice', ratio);
    assert.deepEqual(alice.ab_test, { test_id: abTestId, group });
    assert.ok((alice.recommendations as unknown[]).length > 0);
  });

  test('get_ab_test_results: the running test by default, or by name or id; an unknown one is a failed answer', async () => {
    const result = await runTool(ctx, 'get_ab_test_results', {});
    assert.equal(result.test_id, abTestId);
    assert.equal(result.test_name, 'ranking-v2');
    const control = result.control as { users: number; completion_rate: number };
    const treatment = result.treatment as { users: number; completion_rate: number };
    assert.equal(control.users + treatment.users, 40);
    assert.ok(treatment.completion_rate > control.completion_rate);
    assert.equal((await runTool(ctx, 'get_ab_test_results', { test_id: abTestId })).test_id, abTestId);
    const missing = await runTool(ctx, 'get_ab_test_results', { test_id: 999_999 });
    assert.equal(missing.success, false);
    assert.match(missing.message, /^Error: no A\/B test named or numbered "999999"; the tests are "ranking-v2"/);
    assert.equal((await runTool(ctx, 'get_ab_test_results', { test: 'ranking-v2' })).test_id, abTestId, 'or by its name');
    const both = await runTool(ctx, 'get_ab_test_results', { test: 'ranking-v2', test_id: abTestId });
    assert.match(both.message, /give either test \(the name\) or test_id, not both/);
  });

  test('predict_skill_success: a clear failure without a model, a probability with one', async () => {
    const untrained = await runTool(ctx, 'predict_skill_success', { skill_name: 'pytest-run' });
    assert.equal(untrained.success, false);
    assert.match(untrained.message, /has not been trained yet/);
    await trainPredictor(env.store, { days: 30 });
    const trained = await runTool(ctx, 'predict_skill_success', { skill_name: 'flaky-build', workflow_phase: 'execution' });
    assert.equal(trained.success, true);
    assert.ok((trained.probability as number) >= 0 && (trained.probability as number) <= 1);
    assert.ok((trained.neighbours as number) > 0);
  });

  test('track_skill_invocation: recorded in the caller session, dated by its start, and visible to the metrics tool', async () => {
    const before = await runTool(ctx, 'get_real_time_metrics', { limit: 50 });
    assert.ok(!(before.top_skills as { skill_name: string }[]).some((s) => s.skill_name === 'agent-check'));
    const tracked = await runTool(ctx, 'track_skill_invocation', { skill_name: 'agent-check', completed: false, duration_seconds: 120, workflow_phase: 'verification', error_type: 'lint_errors' });
    assert.equal(tracked.success, true);
    const row = env.store.db.exec('SELECT session_id, completed, duration_seconds, workflow_phase, error_type, invoked_at FROM skill_invocation WHERE id = ?', [tracked.invocation_id as number])[0].values[0];
    assert.deepEqual(row.slice(0, 5), [tracked.session_id, 0, 120, 'verification', 'lint_errors']);
    const age = Date.now() - Date.parse(String(row[5]));
    assert.ok(age >= 119_000 && age < 180_000, 'invoked_at is the start of the run');
    const again = await runTool(ctx, 'track_skill_invocation', { skill_name: 'agent-check' });
    assert.equal(again.session_id, tracked.session_id, 'one session per tool context');
    const after = await runTool(ctx, 'get_real_time_metrics', { limit: 50 });
    const entry = (after.top_skills as { skill_name: string; invocation_count: number; completed_count: number }[]).find((s) => s.skill_name === 'agent-check')!;
    assert.deepEqual([entry.invocation_count, entry.completed_count], [2, 1]);
    await assert.rejects(runTool(ctx, 'track_skill_invocation', { skill_name: 'x', workflow_phase: 'lunch' }), /"workflow_phase" must be one of setup, execution/);
  });
});
