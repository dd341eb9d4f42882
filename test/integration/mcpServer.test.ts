import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { trainPredictor } from '../../src/core/analytics/predictor';
import { SkillStore } from '../../src/core/store/store';
import { tempDir } from '../helpers/store';
import { cliCommand } from './realtime-test-support';
import { seedToolsStore } from './tools-seed';

const ROOT = path.join(__dirname, '..', '..');
const scratch = tempDir('sb-mcp-');
const db = path.join(scratch.dir, 'skills.db');
let client: Client;
let transport: StdioClientTransport;
let stderr = '';
let abTestId: number;

before(async () => {
  const store = await SkillStore.open({ path: db, pollMs: 0 });
  ({ abTestId } = await seedToolsStore(store));
  await trainPredictor(store, { days: 30 });
  await store.close();
  transport = new StdioClientTransport({
    command: process.execPath,
    args: [...cliCommand(), '--db', db, 'mcp'],
    cwd: ROOT,
    env: { ...(process.env as Record<string, string>), SESSION_BUDDY_DB: '', SESSION_BUDDY_USER: 'alice' },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (d) => (stderr += String(d)));
  client = new Client({ name: 'session-buddy-test', version: '0.0.0' });
  await client.connect(transport);
});

after(async () => {
  await client?.close();
  scratch.cleanup();
});

function parsed(result: Awaited<ReturnType<Client['callTool']>>): Record<string, unknown> {
  const content = (result as CallToolResult).content;
  assert.equal(content[0].type, 'text');
  return JSON.parse((content[0] as { text: string }).text) as Record<string, unknown>;
}

describe('MCP server over stdio (session-buddy mcp)', () => {
  test('lists the eleven tools with their JSON schemas and read-only hints', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name), [
      'get_real_time_metrics', 'detect_anomalies', 'get_skill_trend', 'get_collaborative_recommendations', 'get_community_baselines',
      'get_skill_dependencies', 'predict_skill_success', 'get_ab_test_results', 'get_recommendations', 'get_skill_changes', 'track_skill_invocation',
    ]);
    const trend = tools.find((t) => t.name === 'get_skill_trend')!;
    assert.deepEqual(trend.inputSchema.required, ['skill_name']);
    assert.equal(trend.annotations?.readOnlyHint, true);
    assert.equal(tools.find((t) => t.name === 'track_skill_invocation')!.annotations?.readOnlyHint, false);
    assert.equal(client.getServerVersion()?.name, 'session-buddy');
  });

  test('every tool answers on the seeded store with success and the planted truth', async () => {
    const call = async (name: string, args: Record<string, unknown>) => {
      const result = await client.callTool({ name, arguments: args });
      assert.notEqual(result.isError, true, `${name}: ${JSON.stringify(result.content)}`);
      const body = parsed(result);
      assert.equal(body.success, true, name);
      assert.equal(typeof body.message, 'string');
      return body;
    };
    const metrics = await call('get_real_time_metrics', { time_window_hours: 24 });
    assert.equal((metrics.top_skills as { skill_name: string }[])[0].skill_name, 'flaky-build');
    const anomalies = await call('detect_anomalies', { threshold: 2 });
    assert.deepEqual((anomalies.anomalies as { skill_name: string; anomaly_type: string }[]).map((a) => [a.skill_name, a.anomaly_type]), [['flaky-build', 'drop']]);
    assert.equal((await call('get_skill_trend', { skill_name: 'pytest-run', days: 7 })).trend, 'improving');
    const collaborative = await call('get_collaborative_recommendations', { user_id: 'alice', limit: 3 });
    assert.equal((collaborative.recommendations as { skill_name: string }[])[0].skill_name, 'coverage-report');
    const baselines = await call('get_community_baselines', {});
    assert.ok((baselines.baselines as unknown[]).length >= 5);
    const deps = await call('get_skill_dependencies', { skill_name: 'fmt' });
    assert.equal((deps.dependencies as { skill_b: string }[])[0].skill_b, 'lint');
    const prediction = await call('predict_skill_success', { skill_name: 'pytest-run' });
    assert.ok((prediction.probability as number) >= 0 && (prediction.probability as number) <= 1);
    assert.equal((await call('get_ab_test_results', {})).test_name, 'ranking-v2');
    assert.equal((await call('get_ab_test_results', { test: 'ranking-v2' })).test_name, 'ranking-v2', 'a test is named by the name users see');
    const recs = await call('get_recommendations', { last_skill: 'lint' });
    assert.ok((recs.recommendations as { skill_name: string }[]).length > 0);
    assert.equal((recs.ab_test as { test_id: number }).test_id, abTestId, "alice's recommendations follow her group in the running A/B test");
    // pytest-run completed 1, 2, 3, 4 of 5 runs a day, then every run: its failure rate fell, a change but no regression.
    const changes = await call('get_skill_changes', { skill_name: 'pytest-run' });
    assert.deepEqual((changes.changes as { metric: string; direction: string; regression: boolean }[]).map((c) => [c.metric, c.direction, c.regression]), [['failure_rate', 'fewer_failures', false]]);
    assert.deepEqual(changes.open_regressions, []);
    const tracked = await call('track_skill_invocation', { skill_name: 'mcp-agent-skill', completed: true, duration_seconds: 3 });
    assert.equal(typeof tracked.invocation_id, 'number');
    const after = await call('get_real_time_metrics', { limit: 100 });
    assert.ok((after.top_skills as { skill_name: string }[]).some((s) => s.skill_name === 'mcp-agent-skill'));
  });

  test('invalid arguments and unknown tools are MCP errors (InvalidParams); a failure inside a tool is an isError result; the server keeps serving', async () => {
    const invalid = async (name: string, args: Record<string, unknown>, message: RegExp) => {
      await assert.rejects(client.callTool({ name, arguments: args }), (err: Error) => err instanceof McpError && err.code === ErrorCode.InvalidParams && message.test(err.message));
    };
    await invalid('get_skill_trend', {}, /"skill_name" is required/);
    await invalid('get_real_time_metrics', { limit: 'ten' }, /"limit" must be an integer/);
    await invalid('get_skill_dependencies', { skill_name: 'lint', min_lift: -1 }, /"min_lift" must be at least 0/);
    await invalid('track_skill_invocation', { skill_name: 'x', command_line: 'rm -rf /' }, /unknown argument "command_line"/);
    await invalid('drop_everything', {}, /unknown tool "drop_everything"/);
    const failed = await client.callTool({ name: 'get_ab_test_results', arguments: { test_id: 424242 } });
    assert.equal(failed.isError, true);
    assert.deepEqual(Object.keys(parsed(failed)).sort(), ['message', 'success', 'timestamp']);
    assert.equal(parsed(failed).success, false);
    const { tools } = await client.listTools();
    assert.equal(tools.length, 11);
    assert.doesNotMatch(stderr, /TypeError|ReferenceError|Unhandled/);
  });

  test('what an agent tracked is in the database after the server exits', async () => {
    await client.close();
    const store = await SkillStore.open({ path: db, pollMs: 0, mode: 'inspect' });
    try {
      const row = store.db.exec("SELECT i.duration_seconds, s.source, s.ended_at IS NOT NULL FROM skill_invocation i JOIN skill_sessions s ON s.session_id = i.session_id WHERE i.skill_name = 'mcp-agent-skill'")[0].values[0];
      assert.deepEqual(row, [3, 'mcp', 1], 'recorded in the server session, which ended with the server');
    } finally {
      await store.close({ snapshot: false });
    }
  });
});
