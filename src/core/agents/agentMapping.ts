import { MAX_DURATION_SECONDS } from '../limits';
import { toTimestamp, type Timestamp } from '../time';
import { skillsFromCommandLine } from '../tracking/commandLine';
import { skillSlug, type CommandLineRecogniser } from '../tracking/taskSkill';
import { SAFE_SKILL_NAME } from '../validation';
import type { Attributes, AttributeValue, LogRecordView, SpanView } from './otlpDecode';

/**
 * Agent telemetry → skill runs: the one place that knows the names Claude Code and the OpenTelemetry
 * GenAI / MCP conventions use (docs/agents.md has the table). Privacy: a run carries a skill name, an
 * outcome, a duration, a time and two identities that the recorder only hashes. A Bash command line
 * is read here, in memory, by the terminal's command-line rules and never leaves this module; no
 * prompt, parameter, path, argument, output or error text does.
 */
export interface AgentToolRun {
  skillName: string;
  completed: boolean;
  durationSeconds: number | null;
  invokedAt: Timestamp;
  /** The agent's own session (conversation) id; the recorder turns it into a salted session id. */
  agentSessionId: string;
  /** What makes the record unique (its tool-call id, or its trace and span ids); hashed into record_key. */
  identity: string;
}

/** A record is a tool call (runs), something else the agent reports (ignored), or a tool call that cannot be read (refused). */
export type MappingResult =
  | { kind: 'runs'; runs: AgentToolRun[] }
  | { kind: 'ignored' }
  | { kind: 'refused'; reason: string };

const CLAUDE_CODE_TOOL_RESULT = 'claude_code.tool_result';
const GENAI_EXECUTE_TOOL = 'execute_tool';

/** What a tool call says about itself, read from whichever attributes its producer uses. */
interface ToolCall {
  toolName: string;
  command: string | undefined;
  skill: string | undefined;
  mcpServer: string | undefined;
  mcpTool: string | undefined;
  isMcp: boolean;
}

/** Claude Code's `claude_code.tool_result` event (a log record). */
export function runsFromLogRecord(record: LogRecordView, recognise: CommandLineRecogniser = builtInRules): MappingResult {
  const attributes = record.attributes;
  const isToolResult = record.eventName === CLAUDE_CODE_TOOL_RESULT || record.body === CLAUDE_CODE_TOOL_RESULT || attributes.get('event.name') === 'tool_result';
  if (!isToolResult) return { kind: 'ignored' };
  const toolName = text(attributes.get('tool_name'));
  if (!toolName) return refused('tool_result without tool_name');
  const sessionId = text(attributes.get('session.id')) ?? text(record.resource.get('session.id'));
  if (!sessionId) return refused('tool_result without session.id');
  const success = flag(attributes.get('success'));
  if (success === undefined) return refused('tool_result without success (true or false)');
  const durationSeconds = seconds(numeric(attributes.get('duration_ms')), 1000);
  const endNanos = record.timeUnixNano || record.observedTimeUnixNano;
  const parameters = { ...jsonObject(attributes.get('tool_parameters')), ...jsonObject(attributes.get('tool_input')) };
  const call: ToolCall = {
    toolName,
    command: text(parameters.full_command) ?? text(parameters.command) ?? text(parameters.bash_command),
    skill: text(parameters.skill_name) ?? text(parameters.skill),
    mcpServer: text(parameters.mcp_server_name),
    mcpTool: text(parameters.mcp_tool_name),
    isMcp: false,
  };
  const identity = logIdentity(attributes, sessionId, endNanos, toolName);
  return toRuns(call, recognise, { completed: success, durationSeconds, endNanos, sessionId, identity });
}

/** A GenAI `execute_tool {gen_ai.tool.name}` span (also Claude Code's own tool spans, which follow it). */
export function runsFromSpan(span: SpanView, recognise: CommandLineRecogniser = builtInRules): MappingResult {
  const attributes = span.attributes;
  const operation = text(attributes.get('gen_ai.operation.name'));
  if (operation !== GENAI_EXECUTE_TOOL && !span.name.startsWith(`${GENAI_EXECUTE_TOOL} `)) return { kind: 'ignored' };
  const toolName = text(attributes.get('gen_ai.tool.name')) ?? text(span.name.slice(GENAI_EXECUTE_TOOL.length + 1));
  if (!toolName) return refused('execute_tool span without gen_ai.tool.name');
  const sessionId = text(attributes.get('gen_ai.conversation.id')) ?? text(attributes.get('session.id')) ?? text(span.resource.get('session.id')) ?? text(attributes.get('mcp.session.id'));
  if (!sessionId) return refused('execute_tool span without gen_ai.conversation.id or session.id');
  if (span.endUnixNano < span.startUnixNano) return refused('execute_tool span ends before it starts');
  const args = jsonObject(attributes.get('gen_ai.tool.call.arguments'));
  const call: ToolCall = {
    toolName,
    command: text(args.command),
    skill: text(args.skill),
    mcpServer: undefined,
    mcpTool: undefined,
    isMcp: attributes.has('mcp.method.name'),
  };
  const callId = text(attributes.get('gen_ai.tool.call.id'));
  // The call id first: Claude Code puts the same id on its span and its tool_result event, so the two count once.
  const identity = callId ? `call:${callId}` : `span:${span.traceId}:${span.spanId}`;
  const failed = span.statusCode === 2 || attributes.has('error.type');
  const durationSeconds = span.startUnixNano > 0n ? seconds(Number(span.endUnixNano - span.startUnixNano), 1e9) : null;
  return toRuns(call, recognise, { completed: !failed, durationSeconds, endNanos: span.endUnixNano, sessionId, identity });
}

interface RunFacts {
  completed: boolean;
  durationSeconds: number | null;
  endNanos: bigint;
  sessionId: string;
  identity: string;
}

function toRuns(call: ToolCall, recognise: CommandLineRecogniser, facts: RunFacts): MappingResult {
  const skills = skillsOfCall(call, recognise);
  if (skills.length === 0) return refused(`tool name "${call.toolName.slice(0, 64)}" gives no valid skill name`);
  const invokedAt = startTime(facts.endNanos, facts.durationSeconds);
  // One run per skill of a Bash chain (`ruff check && pytest`), as the terminal records it.
  const runs = skills.map((skillName, i): AgentToolRun => ({
    skillName,
    completed: facts.completed,
    durationSeconds: facts.durationSeconds,
    invokedAt,
    agentSessionId: facts.sessionId,
    identity: i === 0 ? facts.identity : `${facts.identity}#${i}`,
  }));
  return { kind: 'runs', runs };
}

/** The built-in command-line rules, unknown commands left out (what the editor adds: the user's rules, the workspace's scripts). */
function builtInRules(commandLine: string): string[] {
  return skillsFromCommandLine(commandLine);
}

const MCP_TOOL_NAME = /^mcp__(.+?)__(.+)$/;

/** The skill names of one tool call; [] when its name gives none that is valid. */
function skillsOfCall(call: ToolCall, recognise: CommandLineRecogniser): string[] {
  const tool = call.toolName;
  const lower = tool.toLowerCase();
  if (lower === 'bash') {
    const skills = call.command ? recognise(call.command) : [];
    return skills.length > 0 ? skills : ['agent-bash'];
  }
  if (lower === 'skill') return [ownSkillName(call.skill) ?? 'agent-skill'];
  const mcp = MCP_TOOL_NAME.exec(tool);
  if (mcp) return validOrNone(`mcp-${skillSlug(mcp[1])}-${skillSlug(mcp[2])}`);
  if (call.mcpServer && call.mcpTool) return validOrNone(`mcp-${skillSlug(call.mcpServer)}-${skillSlug(call.mcpTool)}`);
  if (call.isMcp) return validOrNone(`mcp-${skillSlug(tool)}`);
  return validOrNone(`agent-${skillSlug(tool)}`);
}

/** A skill's own name (`pdf`, `my-plugin:review`), lower-cased; undefined when it is not a safe skill name. */
function ownSkillName(name: string | undefined): string | undefined {
  const lower = name?.trim().toLowerCase();
  return lower && SAFE_SKILL_NAME.test(lower) ? lower : undefined;
}

function validOrNone(name: string): string[] {
  return SAFE_SKILL_NAME.test(name) && !name.endsWith('-') ? [name] : [];
}

/**
 * The tool-use id when Claude Code sends one; else the event's place in its session (event.sequence);
 * else its time and tool, which still makes a replayed batch, identical to the byte, a no-op.
 */
function logIdentity(attributes: Attributes, sessionId: string, endNanos: bigint, toolName: string): string {
  const toolUseId = text(attributes.get('tool_use_id')) ?? text(attributes.get('gen_ai.tool.call.id'));
  if (toolUseId) return `call:${toolUseId}`;
  const sequence = numeric(attributes.get('event.sequence'));
  if (sequence !== undefined) return `seq:${sessionId}:${sequence}`;
  return `time:${sessionId}:${endNanos}:${toolName}`;
}

/**
 * Seconds from a count of units of which `perSecond` make a second; null when absent, negative or
 * beyond the longest duration stored. Divided, not multiplied: 1400 ms × 0.001 is 1.4000000000000001.
 */
function seconds(count: number | undefined, perSecond: number): number | null {
  if (count === undefined || !Number.isFinite(count) || count < 0) return null;
  const value = count / perSecond;
  return value <= MAX_DURATION_SECONDS ? value : null;
}

/** When the call started: the record is made when it ends. A record without a time is taken as now. */
function startTime(endNanos: bigint, durationSeconds: number | null): Timestamp {
  const endMs = endNanos > 0n ? Number(endNanos / 1_000_000n) : Date.now();
  const start = new Date(endMs - Math.round((durationSeconds ?? 0) * 1000));
  // A time beyond what a Date holds is a broken clock, not a reason to lose the run.
  return toTimestamp(Number.isNaN(start.getTime()) ? new Date() : start);
}

function refused(reason: string): MappingResult {
  return { kind: 'refused', reason };
}

function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function numeric(value: AttributeValue | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

/** Claude Code sends `success` as the string "true" or "false"; other producers as a boolean. */
function flag(value: AttributeValue | undefined): boolean | undefined {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return undefined;
}

/** `tool_parameters` and `tool_input` are JSON strings; anything else reads as no parameters. */
function jsonObject(value: AttributeValue | undefined): Record<string, unknown> {
  if (typeof value !== 'string') return {};
  try {
    const parsed: unknown = JSON.parse(value);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
