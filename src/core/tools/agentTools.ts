import { nowTimestamp } from '../time';
import { detectAnomaliesTool } from './detectAnomalies';
import { getAbTestResultsTool } from './getAbTestResults';
import { getCollaborativeRecommendationsTool } from './getCollaborativeRecommendations';
import { getCommunityBaselinesTool } from './getCommunityBaselines';
import { getRealTimeMetricsTool } from './getRealTimeMetrics';
import { getRecommendationsTool } from './getRecommendations';
import { getSkillChangesTool } from './getSkillChanges';
import { getSkillDependenciesTool } from './getSkillDependencies';
import { getSkillTrendTool } from './getSkillTrend';
import { predictSkillSuccessTool } from './predictSkillSuccess';
import { validateArguments } from './schema';
import type { AgentTool, RecordingToolContext, ToolContext, ToolData, ToolResult } from './tool';
import { trackSkillInvocationTool } from './trackSkillInvocation';

/** Every agent tool: the anchor's six Phase-4 tools first, then the ones it never exposed. */
export const AGENT_TOOLS: readonly AgentTool[] = [
  getRealTimeMetricsTool,
  detectAnomaliesTool,
  getSkillTrendTool,
  getCollaborativeRecommendationsTool,
  getCommunityBaselinesTool,
  getSkillDependenciesTool,
  predictSkillSuccessTool,
  getAbTestResultsTool,
  getRecommendationsTool,
  getSkillChangesTool,
  trackSkillInvocationTool,
];

export class UnknownToolError extends Error {
  constructor(readonly tool: string) {
    super(`unknown tool "${tool}" (available: ${AGENT_TOOLS.map((t) => t.name).join(', ')})`);
  }
}

export function findTool(name: string): AgentTool {
  const tool = AGENT_TOOLS.find((t) => t.name === name);
  if (!tool) throw new UnknownToolError(name);
  return tool;
}

/**
 * Runs a tool by name. Unknown tools and arguments that do not match the schema throw
 * (UnknownToolError, ToolArgumentError): the caller made a mistake. A failure inside the tool
 * (no trained model, an unknown test...) is an answer with success false and the reason, as the
 * anchor's tools answered.
 */
export async function runTool(ctx: ToolContext, name: string, rawArgs: unknown): Promise<ToolResult> {
  const tool = findTool(name);
  const args = validateArguments(tool.name, tool.inputSchema, rawArgs);
  ctx.store.pullEvents();
  return answer(() => tool.run(ctx, args));
}

/** Runs a tool that records runs without the store (see RecordingToolContext); errors as runTool's. */
export async function runRecordingTool(ctx: RecordingToolContext, name: string, rawArgs: unknown): Promise<ToolResult> {
  const tool = findTool(name);
  if (!tool.record) throw new Error(`${name} does not record runs: it needs the store`);
  const args = validateArguments(tool.name, tool.inputSchema, rawArgs);
  const record = tool.record;
  return answer(() => record(ctx, args));
}

async function answer(work: () => Promise<ToolData>): Promise<ToolResult> {
  try {
    const { message, ...data } = await work();
    return { success: true, ...data, message, timestamp: nowTimestamp() };
  } catch (err) {
    return { success: false, message: `Error: ${(err as Error).message}`, timestamp: nowTimestamp() };
  }
}
