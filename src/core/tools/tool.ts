import type { InvocationSource } from '../store/events';
import type { Store } from '../store/storeInterface';
import type { RunRecorder } from '../tracking/runRecorder';
import type { ObjectSchema } from './schema';

/**
 * What a tool that records runs works with: the recorder, the user it records for and the caller's
 * session; no store, so that a process can record without loading it (the store host's path).
 */
export interface RecordingToolContext {
  recorder: RunRecorder;
  /** Makes a session the caller names known to the recorder before it records in it (asking the store host, where it answers). */
  knowSession(id: string): Promise<void>;
  userId: string;
  /** The session an invocation tracked by an agent belongs to (created on first use: a write). */
  session(): Promise<string>;
  /** The caller's session if it exists already; reading never creates one. */
  existingSession(): string | undefined;
  /** False while nothing may be written (tracking paused in the editor, a read-only store). */
  mayWrite(): boolean;
  /** Who calls: the editor's language-model tools are called by an agent in a window session, so runs they track say so; default: the session's source. */
  caller?: InvocationSource;
}

/** What a tool call runs against: the store, and what a recording tool has. */
export interface ToolContext extends RecordingToolContext {
  store: Store;
}

/**
 * What a tool writes, declared so that MCP's readOnlyHint, the editor's confirmation and a paused
 * store follow it: 'never' reads only; 'derived' may refresh analytics tables (stale dependencies
 * or baselines, detected anomalies), only when writing is allowed; 'runs' records runs.
 */
export type ToolWrites = 'never' | 'derived' | 'runs';

/** A tool's answer besides `success` and `timestamp`, which every answer carries. */
export type ToolData = { message: string } & Record<string, unknown>;

export interface ToolResult extends Record<string, unknown> {
  success: boolean;
  message: string;
  timestamp: string;
}

/** One agent tool, defined once and offered as a VS Code language-model tool, over MCP and by the CLI. */
export interface AgentTool {
  name: string;
  /** Short human title (VS Code displayName, MCP title). */
  title: string;
  /** What the model reads to decide when to call it. */
  description: string;
  inputSchema: ObjectSchema;
  writes: ToolWrites;
  run(ctx: ToolContext, args: Record<string, unknown>): Promise<ToolData>;
  /** Present on the tools that record runs: the same, without the store. */
  record?(ctx: RecordingToolContext, args: Record<string, unknown>): Promise<ToolData>;
}

/**
 * Declares a tool with typed arguments. The handler only ever sees arguments that passed the
 * schema (runTool validates first), which is what makes the conversion below sound.
 */
export function defineTool<A>(tool: Omit<AgentTool, 'run'> & { handler(ctx: ToolContext, args: A): Promise<ToolData> | ToolData }): AgentTool {
  const { handler, ...rest } = tool;
  return { ...rest, run: async (ctx, args) => handler(ctx, args as unknown as A) };
}

/** Declares a tool that records runs: it needs no store, so it can also run where the store is not loaded. */
export function defineRecordingTool<A>(tool: Omit<AgentTool, 'run' | 'record' | 'writes'> & { handler(ctx: RecordingToolContext, args: A): Promise<ToolData> }): AgentTool {
  const { handler, ...rest } = tool;
  const record = async (ctx: RecordingToolContext, args: Record<string, unknown>) => handler(ctx, args as unknown as A);
  return { ...rest, writes: 'runs', run: record, record };
}
