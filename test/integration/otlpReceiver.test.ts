import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { AgentRunRecorder, storeRecordingTarget } from '../../src/core/agents/agentRecorder';
import { OtlpReceiver } from '../../src/core/agents/otlpReceiver';
import { SkillStore } from '../../src/core/store/store';
import { SkillTracker } from '../../src/core/tracking/tracker';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { agentTelemetryEnvironment, holderHasToken } from '../../src/core/agents/agentHosting';
import { claudeCodeRecords, executeToolSpans, exportLogs, exportLogsFromEnvironment, exportSpans, rawRequest } from '../helpers/otlpClient';
import { tempDir } from '../helpers/store';

const TOKEN = 'otlp-test-token-0123456789abcdef';

interface Row {
  skill_name: string;
  completed: number;
  duration_seconds: number | null;
  source: string | null;
}

function rows(store: SkillStore, where = '1 = 1'): Row[] {
  const result = store.db.exec(`SELECT skill_name, completed, duration_seconds, source FROM skill_invocation WHERE ${where} ORDER BY skill_name, completed, duration_seconds`)[0];
  if (!result) return [];
  return result.values.map((v) => ({ skill_name: String(v[0]), completed: Number(v[1]), duration_seconds: v[2] === null ? null : Number(v[2]), source: v[3] === null ? null : String(v[3]) }));
}

/** Every file below `dir` whose bytes contain `marker` (in any case). */
function filesHolding(dir: string, marker: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .map((entry) => path.join(dir, String(entry)))
    .filter((file) => fs.statSync(file).isFile() && fs.readFileSync(file).toString('latin1').toLowerCase().includes(marker.toLowerCase()));
}

describe('OTLP receiver, with the OpenTelemetry SDK exporters as the client', () => {
  const scratch = tempDir('sb-otlp-');
  let store: SkillStore;
  let receiver: OtlpReceiver;
  let endpoint: string;

  before(async () => {
    store = await SkillStore.open({ path: path.join(scratch.dir, 'skills.db'), pollMs: 0 });
    const tracker = new SkillTracker(store, 'developer');
    receiver = new OtlpReceiver(new AgentRunRecorder(storeRecordingTarget(store, tracker)), { token: TOKEN, port: 0, maxBodyBytes: 256 * 1024 });
    await receiver.start();
    endpoint = receiver.endpoint;
  });

  after(async () => {
    await receiver.close();
    await store.close({ snapshot: false });
    scratch.cleanup();
  });

  test('Claude Code tool_result events over http/json and http/protobuf become agent runs within 2 s', async () => {
    const records = await claudeCodeRecords([
      { sessionId: 'cc-session-1', toolName: 'Bash', success: true, durationMs: 1200, toolUseId: 'toolu_a1', parameters: { bash_command: 'pytest', full_command: 'pytest -q', description: 'run tests' } },
      { sessionId: 'cc-session-1', toolName: 'Bash', success: false, durationMs: 800, toolUseId: 'toolu_a2', parameters: { bash_command: 'pytest', full_command: 'pytest -x' } },
      { sessionId: 'cc-session-1', toolName: 'Skill', success: true, durationMs: 50, toolUseId: 'toolu_a3', parameters: { skill_name: 'pdf' } },
      { sessionId: 'cc-session-1', toolName: 'mcp__github__create_issue', success: true, durationMs: 300, toolUseId: 'toolu_a4' },
      { name: 'claude_code.api_request', attributes: { 'session.id': 'cc-session-1', model: 'claude', cost_usd: 0.01 } },
    ]);
    const started = Date.now();
    assert.deepEqual(await exportLogs(endpoint, TOKEN, 'json', records.slice(0, 2)), { ok: true, error: undefined });
    assert.deepEqual(await exportLogs(endpoint, TOKEN, 'protobuf', records.slice(2)), { ok: true, error: undefined });
    assert.ok(Date.now() - started < 2000);
    assert.deepEqual(rows(store), [
      { skill_name: 'mcp-github-create-issue', completed: 1, duration_seconds: 0.3, source: 'agent' },
      { skill_name: 'pdf', completed: 1, duration_seconds: 0.05, source: 'agent' },
      { skill_name: 'pytest-run', completed: 0, duration_seconds: 0.8, source: 'agent' },
      { skill_name: 'pytest-run', completed: 1, duration_seconds: 1.2, source: 'agent' },
    ]);
    const sessions = store.db.exec("SELECT DISTINCT i.session_id, s.source FROM skill_invocation i JOIN skill_sessions s USING (session_id)")[0].values;
    assert.equal(sessions.length, 1, 'one agent session for one Claude Code session');
    assert.match(String(sessions[0][0]), /^agent-[0-9a-f]{24}$/);
    assert.equal(sessions[0][1], 'agent');
  });

  test('GenAI execute_tool spans: tool, outcome from the status, duration from the span times', async () => {
    const spans = await executeToolSpans([
      { conversationId: 'conv-7', toolName: 'Bash', callId: 'call_s1', durationMs: 2000, arguments: { command: 'ruff check src' } },
      { conversationId: 'conv-7', toolName: 'search_docs', durationMs: 250, failed: true },
    ]);
    assert.deepEqual(await exportSpans(endpoint, TOKEN, spans), { ok: true, error: undefined });
    assert.deepEqual(rows(store, "skill_name IN ('ruff-check', 'agent-search-docs')"), [
      { skill_name: 'agent-search-docs', completed: 0, duration_seconds: 0.25, source: 'agent' },
      { skill_name: 'ruff-check', completed: 1, duration_seconds: 2, source: 'agent' },
    ]);
  });

  test('a replayed batch, and the span of a call already reported as an event, double nothing', async () => {
    const records = await claudeCodeRecords([
      { sessionId: 'cc-replay', toolName: 'Read', success: true, durationMs: 10, toolUseId: 'toolu_r1' },
      { sessionId: 'cc-replay', toolName: 'Grep', success: false, durationMs: 20, toolUseId: 'toolu_r2' },
    ]);
    for (const protocol of ['protobuf', 'json', 'protobuf'] as const) assert.equal((await exportLogs(endpoint, TOKEN, protocol, records)).ok, true);
    const sameCall = await executeToolSpans([{ conversationId: 'cc-replay', toolName: 'Read', callId: 'toolu_r1', durationMs: 10 }]);
    assert.equal((await exportSpans(endpoint, TOKEN, sameCall)).ok, true);
    assert.deepEqual(rows(store, "skill_name IN ('agent-read', 'agent-grep')"), [
      { skill_name: 'agent-grep', completed: 0, duration_seconds: 0.02, source: 'agent' },
      { skill_name: 'agent-read', completed: 1, duration_seconds: 0.01, source: 'agent' },
    ]);
  });

  test('no byte of the store holds a parameter, prompt, path, command argument, output, error or agent id', async () => {
    const markers = ['ZqxParamMarker', 'ZqxPromptMarker', 'ZqxPathMarker', 'ZqxArgMarker', 'ZqxErrorMarker', 'ZqxSessionMarker', 'ZqxToolUseMarker', 'ZqxOutputMarker'];
    const records = await claudeCodeRecords([
      { name: 'claude_code.user_prompt', attributes: { 'session.id': 'ZqxSessionMarker', prompt: 'fix ZqxPromptMarker please', prompt_length: 26 } },
      { sessionId: 'ZqxSessionMarker', toolName: 'Bash', success: false, durationMs: 5, toolUseId: 'ZqxToolUseMarker', parameters: { bash_command: 'pytest', full_command: 'pytest tests/ZqxPathMarker -k ZqxArgMarker', description: 'ZqxParamMarker' }, error: 'ZqxErrorMarker: exit 1' },
      { sessionId: 'ZqxSessionMarker', toolName: 'Read', success: true, durationMs: 5, toolUseId: 'ZqxToolUseMarker-2', parameters: { file_path: '/home/u/ZqxPathMarker.ts', output: 'ZqxOutputMarker' } },
      { sessionId: 'ZqxSessionMarker', toolName: 'Skill', success: true, durationMs: 5, parameters: { skill_name: 'ZqxParamMarker-skill!' } },
    ]);
    const spans = await executeToolSpans([{ conversationId: 'ZqxSessionMarker', toolName: 'Bash', callId: 'ZqxToolUseMarker-3', durationMs: 5, arguments: { command: 'npm test -- ZqxArgMarker' } }]);
    assert.equal((await exportLogs(endpoint, TOKEN, 'protobuf', records)).ok, true);
    assert.equal((await exportSpans(endpoint, TOKEN, spans)).ok, true);
    const recorded = rows(store, "session_id IN (SELECT session_id FROM skill_invocation WHERE skill_name = 'agent-skill')").map((r) => r.skill_name);
    assert.deepEqual(recorded, ['agent-read', 'agent-skill', 'npm-test', 'pytest-run'], 'the runs were recorded (so the search below looks at them)');
    await store.snapshotNow({ segmentGraceMs: 0 });
    for (const marker of markers) assert.deepEqual(filesHolding(scratch.dir, marker), [], marker);
    assert.ok(filesHolding(scratch.dir, 'pytest-run').length > 0, 'the search finds what is stored');
  });

  test('records that cannot be read are refused in partial_success; the rest of the batch is recorded', async () => {
    const body = JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [
      { eventName: 'claude_code.tool_result', attributes: [{ key: 'session.id', value: { stringValue: 'cc-partial' } }, { key: 'tool_name', value: { stringValue: 'Glob' } }, { key: 'success', value: { stringValue: 'true' } }, { key: 'tool_use_id', value: { stringValue: 'p1' } }] },
      { eventName: 'claude_code.tool_result', attributes: [{ key: 'tool_name', value: { stringValue: 'Glob' } }, { key: 'success', value: { stringValue: 'true' } }] },
      { eventName: 'claude_code.tool_result', attributes: [{ key: 'session.id', value: { stringValue: 'cc-partial' } }, { key: 'tool_name', value: { stringValue: 'Glob' } }] },
    ] }] }] });
    const response = await rawRequest(`${endpoint}/v1/logs`, { headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` }, body });
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(response.body.toString()), { partialSuccess: { rejectedLogRecords: 2, errorMessage: '1 × tool_result without session.id; 1 × tool_result without success (true or false)' } });
    assert.equal(rows(store, "skill_name = 'agent-glob'").length, 1);

    const manyNames = JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: Array.from({ length: 40 }, (_, i) => ({
      eventName: 'claude_code.tool_result',
      attributes: [{ key: 'session.id', value: { stringValue: 'cc-partial' } }, { key: 'tool_name', value: { stringValue: '#'.repeat(i + 1) } }, { key: 'success', value: { stringValue: 'true' } }],
    })) }] }] });
    const many = JSON.parse((await rawRequest(`${endpoint}/v1/logs`, { headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` }, body: manyNames })).body.toString()) as { partialSuccess: { rejectedLogRecords: number; errorMessage: string } };
    assert.equal(many.partialSuccess.rejectedLogRecords, 40);
    assert.match(many.partialSuccess.errorMessage, /; and 35 other reasons$/, 'the message stays short');
  });

  test('abuse is refused: no token 401, a web page 403, too large 413 (also a zip bomb), malformed 400, and it keeps serving', async () => {
    const logs = `${endpoint}/v1/logs`;
    const json = { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` };
    const status = async (url: string, options: Parameters<typeof rawRequest>[1]) => (await rawRequest(url, options)).status;
    assert.equal(await status(logs, { headers: { 'Content-Type': 'application/json' }, body: '{}' }), 401);
    assert.equal(await status(logs, { headers: { ...json, Authorization: 'Bearer wrong-token-wrong-token' }, body: '{}' }), 401);
    assert.equal((await exportLogs(endpoint, undefined, 'protobuf', await claudeCodeRecords([{ sessionId: 's', toolName: 'Read', success: true, durationMs: 1 }]))).ok, false);
    assert.equal(await status(logs, { headers: { ...json, Origin: 'https://evil.example' }, body: '{}' }), 403);
    assert.equal(await status(logs, { headers: { ...json, Host: 'evil.example' }, body: '{}' }), 403);
    assert.equal(await status(logs, { headers: json, body: Buffer.alloc(300 * 1024, 0x20) }), 413);
    assert.equal(await status(logs, { headers: { ...json, 'Content-Encoding': 'gzip' }, body: zlib.gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20)) }), 413);
    const malformed = await rawRequest(logs, { headers: { ...json, 'Content-Type': 'application/x-protobuf' }, body: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]) });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.headers['content-type'], 'application/x-protobuf');
    const badJson = await rawRequest(logs, { headers: json, body: '{"resourceLogs": [' });
    assert.equal(badJson.status, 400);
    assert.match(JSON.parse(badJson.body.toString()).message, /the body is not JSON/);
    assert.equal(await status(logs, { headers: { ...json, 'Content-Encoding': 'gzip' }, body: 'not gzip' }), 400);
    assert.equal(await status(logs, { headers: { ...json, 'Content-Type': 'text/plain' }, body: '{}' }), 415);
    assert.equal(await status(`${endpoint}/v1/metrics`, { headers: json, body: '{}' }), 404);
    assert.equal(await status(logs, { method: 'GET', headers: json }), 405);
    const gzipped = zlib.gzipSync(JSON.stringify({ resourceLogs: [] }));
    assert.equal(await status(logs, { headers: { ...json, 'Content-Encoding': 'gzip' }, body: gzipped }), 200, 'gzip is accepted, and the server still serves');
  });

  test("the terminals' environment is enough for an SDK exporter to reach the receiver with the token", async () => {
    const environment = agentTelemetryEnvironment(endpoint, TOKEN);
    assert.deepEqual(Object.keys(environment).sort(), [
      'CLAUDE_CODE_ENABLE_TELEMETRY',
      'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT', 'OTEL_EXPORTER_OTLP_LOGS_HEADERS', 'OTEL_EXPORTER_OTLP_LOGS_PROTOCOL',
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
      'OTEL_LOGS_EXPORTER', 'OTEL_LOG_TOOL_DETAILS',
    ]);
    assert.equal(agentTelemetryEnvironment(endpoint, null).OTEL_EXPORTER_OTLP_LOGS_HEADERS, undefined, 'no header without a token');
    const saved = { ...process.env };
    // The user's own collector for every signal, set before the terminal gets ours: the logs still come here.
    Object.assign(process.env, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Bearer not-ours' }, environment);
    try {
      const records = await claudeCodeRecords([{ sessionId: 'cc-env', toolName: 'TodoWrite', success: true, durationMs: 3, toolUseId: 'toolu_env' }]);
      assert.deepEqual(await exportLogsFromEnvironment(records), { ok: true, error: undefined });
    } finally {
      for (const name of [...Object.keys(environment), 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_HEADERS']) if (!(name in saved)) delete process.env[name];
    }
    assert.equal(rows(store, "skill_name = 'agent-todowrite'").length, 1);
  });

  test('a window finding the port taken can check that the holder has the token, without sending it', async () => {
    assert.equal(await holderHasToken(endpoint, TOKEN), true);
    assert.equal(await holderHasToken(endpoint, 'another-token-another-token-1234'), false);
    const identity = `${endpoint}/session-buddy/identity`;
    assert.equal((await rawRequest(`${identity}?nonce=short`, { method: 'GET' })).status, 400);
    assert.equal((await rawRequest(`${identity}?nonce=${'a'.repeat(32)}`, { method: 'GET', headers: { Origin: 'https://evil.example' } })).status, 403);
    // A program on another port that relays the question to the real receiver gets a proof for the wrong port.
    const impostor = http.createServer((req, res) => void rawRequest(`${endpoint}${req.url}`, { method: 'GET' }).then((answer) => res.end(answer.body)));
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    const impostorUrl = `http://127.0.0.1:${(impostor.address() as AddressInfo).port}`;
    try {
      assert.equal(await holderHasToken(impostorUrl, TOKEN), false);
    } finally {
      await new Promise((resolve) => impostor.close(resolve));
    }
    assert.equal(await holderHasToken(impostorUrl, TOKEN), false, 'nobody listening');
  });
});
