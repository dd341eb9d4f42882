import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runsFromLogRecord, runsFromSpan, type MappingResult } from '../../src/core/agents/agentMapping';
import type { AttributeValue, LogRecordView, SpanView } from '../../src/core/agents/otlpDecode';

const END = 1_764_590_400_000_000_000n; // 2025-12-01T12:00:00.000Z

function toolResult(attributes: Record<string, AttributeValue>): LogRecordView {
  return {
    eventName: 'claude_code.tool_result',
    body: 'claude_code.tool_result',
    attributes: new Map(Object.entries({ 'session.id': 'sess-1', 'event.name': 'tool_result', ...attributes })),
    resource: new Map([['service.name', 'claude-code']]),
    timeUnixNano: END,
    observedTimeUnixNano: END,
  };
}

function span(attributes: Record<string, AttributeValue>, statusCode = 0, name = 'execute_tool'): SpanView {
  return {
    name,
    traceId: 'aa'.repeat(16),
    spanId: 'bb'.repeat(8),
    startUnixNano: END - 2_500_000_000n,
    endUnixNano: END,
    statusCode,
    attributes: new Map(Object.entries(attributes)),
    resource: new Map(),
  };
}

function runs(result: MappingResult) {
  assert.equal(result.kind, 'runs', JSON.stringify(result));
  return result.kind === 'runs' ? result.runs : [];
}

describe('Claude Code tool_result events', () => {
  test('Bash goes through the terminal rules: an agent pytest is pytest-run; a chain gives one run per skill', () => {
    const [run] = runs(runsFromLogRecord(toolResult({ tool_name: 'Bash', success: 'true', duration_ms: 1500, tool_use_id: 'toolu_1', tool_parameters: JSON.stringify({ bash_command: 'pytest', full_command: 'pytest -q tests/secret_dir' }) })));
    assert.deepEqual(run, { skillName: 'pytest-run', completed: true, durationSeconds: 1.5, invokedAt: '2025-12-01T11:59:58.500Z', agentSessionId: 'sess-1', identity: 'call:toolu_1' });
    const chain = runs(runsFromLogRecord(toolResult({ tool_name: 'Bash', success: 'false', tool_use_id: 't2', tool_parameters: JSON.stringify({ full_command: 'ruff check . && pytest -x' }) })));
    assert.deepEqual(chain.map((r) => [r.skillName, r.completed, r.identity]), [['ruff-check', false, 'call:t2'], ['pytest-run', false, 'call:t2#1']]);
    const unknown = runs(runsFromLogRecord(toolResult({ tool_name: 'Bash', success: 'true', tool_use_id: 't3', tool_parameters: JSON.stringify({ full_command: 'my-private-tool --flag' }) })));
    assert.deepEqual(unknown.map((r) => r.skillName), ['agent-bash'], 'an unrecognised command keeps none of its words');
  });

  test('Skill tool → its own name; MCP tool → mcp-<server>-<tool>; other tools → agent-<tool>', () => {
    const name = (attributes: Record<string, AttributeValue>) => runs(runsFromLogRecord(toolResult({ success: 'true', tool_use_id: 'x', ...attributes })))[0].skillName;
    assert.equal(name({ tool_name: 'Skill', tool_parameters: JSON.stringify({ skill_name: 'PDF-Tools' }) }), 'pdf-tools');
    assert.equal(name({ tool_name: 'Skill', tool_parameters: JSON.stringify({ skill_name: '../../etc/passwd' }) }), 'agent-skill');
    assert.equal(name({ tool_name: 'Skill' }), 'agent-skill');
    assert.equal(name({ tool_name: 'mcp__GitHub__create_issue' }), 'mcp-github-create-issue');
    assert.equal(name({ tool_name: 'MCPTool', tool_parameters: JSON.stringify({ mcp_server_name: 'linear', mcp_tool_name: 'list' }) }), 'mcp-linear-list');
    assert.equal(name({ tool_name: 'Read' }), 'agent-read');
    assert.equal(name({ tool_name: 'WebFetch' }), 'agent-webfetch');
  });

  test('identity: the tool-use id, else the event sequence, else time and tool; other events are ignored', () => {
    assert.equal(runs(runsFromLogRecord(toolResult({ tool_name: 'Read', success: true, 'event.sequence': 7 })))[0].identity, 'seq:sess-1:7');
    assert.equal(runs(runsFromLogRecord(toolResult({ tool_name: 'Read', success: true })))[0].identity, `time:sess-1:${END}:Read`);
    assert.deepEqual(runsFromLogRecord({ ...toolResult({}), eventName: 'claude_code.api_request', body: 'claude_code.api_request', attributes: new Map([['event.name', 'api_request']]) }), { kind: 'ignored' });
  });

  test('records that cannot be read are refused with the reason', () => {
    assert.deepEqual(runsFromLogRecord(toolResult({ success: 'true' })), { kind: 'refused', reason: 'tool_result without tool_name' });
    assert.deepEqual(runsFromLogRecord(toolResult({ tool_name: 'Read', success: 'maybe' })), { kind: 'refused', reason: 'tool_result without success (true or false)' });
    const noSession = toolResult({ tool_name: 'Read', success: 'true' });
    (noSession.attributes as Map<string, AttributeValue>).delete('session.id');
    assert.deepEqual(runsFromLogRecord(noSession), { kind: 'refused', reason: 'tool_result without session.id' });
    assert.equal(runsFromLogRecord(toolResult({ tool_name: '!!!', success: 'true' })).kind, 'refused');
  });

  test('milliseconds become the seconds they are, not a float artefact', () => {
    assert.equal(runs(runsFromLogRecord(toolResult({ tool_name: 'Read', success: 'true', duration_ms: 1400 })))[0].durationSeconds, 1.4);
  });

  test('a duration that is negative or longer than 30 days is dropped, not stored', () => {
    assert.equal(runs(runsFromLogRecord(toolResult({ tool_name: 'Read', success: 'true', duration_ms: -5 })))[0].durationSeconds, null);
    assert.equal(runs(runsFromLogRecord(toolResult({ tool_name: 'Read', success: 'true', duration_ms: 31 * 86_400_000 })))[0].durationSeconds, null);
  });
});

describe('GenAI execute_tool spans', () => {
  test('tool name, call id, conversation, status and times', () => {
    const [ok] = runs(runsFromSpan(span({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search_docs', 'gen_ai.tool.call.id': 'call_9', 'gen_ai.conversation.id': 'conv-1' })));
    assert.deepEqual(ok, { skillName: 'agent-search-docs', completed: true, durationSeconds: 2.5, invokedAt: '2025-12-01T11:59:57.500Z', agentSessionId: 'conv-1', identity: 'call:call_9' });
    const [failed] = runs(runsFromSpan(span({ 'gen_ai.tool.name': 'Bash', 'session.id': 's', 'gen_ai.tool.call.arguments': JSON.stringify({ command: 'npm test' }) }, 2, 'execute_tool Bash')));
    assert.deepEqual([failed.skillName, failed.completed, failed.identity], ['npm-test', false, `span:${'aa'.repeat(16)}:${'bb'.repeat(8)}`]);
    const [errorType] = runs(runsFromSpan(span({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'x', 'session.id': 's', 'error.type': 'timeout' }, 1)));
    assert.equal(errorType.completed, false);
    assert.equal(runs(runsFromSpan(span({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'fetch', 'mcp.method.name': 'tools/call', 'mcp.session.id': 'm' })))[0].skillName, 'mcp-fetch');
  });

  test('other spans are ignored; a span without a session is refused', () => {
    assert.deepEqual(runsFromSpan(span({ 'gen_ai.operation.name': 'chat' }, 0, 'chat claude')), { kind: 'ignored' });
    assert.equal(runsFromSpan(span({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'x' })).kind, 'refused');
  });
});
