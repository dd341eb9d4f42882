import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { AGENT_TOOLS, UnknownToolError } from './agentTools';
import { ToolArgumentError } from './schema';
import { JsonLineTransport } from './mcpTransport';
import type { AgentTool, ToolResult } from './tool';

/** Runs one tool call: in this process (runTool on a store), or through the store host. */
export type ToolCall = (name: string, args: unknown) => Promise<ToolResult>;

export interface McpServerInfo {
  name: string;
  version: string;
}

function describeTool(tool: AgentTool): Tool {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: {
      type: 'object',
      properties: tool.inputSchema.properties,
      ...(tool.inputSchema.required ? { required: tool.inputSchema.required } : {}),
      additionalProperties: false,
    },
    annotations: { title: tool.title, readOnlyHint: tool.writes === 'never', destructiveHint: false, idempotentHint: tool.writes !== 'runs', openWorldHint: false },
  };
}

/**
 * The agent tools as an MCP server. The tools are plain JSON-Schema definitions shared with the
 * editor and the CLI, so this uses the SDK's low-level Server, which takes JSON Schema as it is
 * (McpServer wants zod schemas). A call with an unknown tool or arguments that break the schema is
 * answered with an MCP error (InvalidParams); a failure inside the tool is a result with
 * isError set and `{ success: false, message }`, so the model can read why.
 */
export function createMcpServer(call: ToolCall, info: McpServerInfo): Server {
  const server = new Server(
    { name: info.name, version: info.version },
    {
      capabilities: { tools: {} },
      instructions:
        'Session Buddy records the skills (tests, linters, builds, deploys...) run in this workspace with outcome and duration. Use these tools to read metrics, anomalies, trends and recommendations, and to record skills you run. Rates are 0..1.',
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: AGENT_TOOLS.map(describeTool) }));
  server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
    try {
      const result = await call(request.params.name, request.params.arguments);
      return { content: [{ type: 'text', text: JSON.stringify(result, null, 2) }], isError: !result.success };
    } catch (err) {
      if (err instanceof UnknownToolError || err instanceof ToolArgumentError) throw new McpError(ErrorCode.InvalidParams, err.message);
      throw new McpError(ErrorCode.InternalError, (err as Error).message);
    }
  });
  return server;
}

/**
 * Serves the tools on stdin/stdout until the client disconnects or `stopRequested` resolves (the
 * CLI's SIGINT/SIGTERM); resolves then, so the caller can end its session and close the store.
 */
export async function serveMcpOverStdio(call: ToolCall, info: McpServerInfo, stopRequested: Promise<void>): Promise<void> {
  const server = createMcpServer(call, info);
  const transport = new JsonLineTransport();
  let stop = () => {};
  const closed = new Promise<void>((resolve) => (stop = resolve));
  server.onclose = stop;
  void stopRequested.then(stop);
  try {
    await server.connect(transport);
    await closed;
  } finally {
    await server.close();
  }
}
