import { findTool, runRecordingTool, runTool } from '../core/tools/agentTools';
import { validateArguments } from '../core/tools/schema';
import type { ToolResult } from '../core/tools/tool';
import { ToolSession, toolContext } from '../core/tools/toolSession';
import type { SkillStore } from '../core/store/store';
import type { CliContext } from './context';
import { HostedRecorder } from './hostedRecording';

interface LocalStore {
  store: SkillStore;
  session: ToolSession;
}

/**
 * The MCP server's tool calls with the store host on: a tool that only reads is answered by the
 * host, and a tool that records runs runs here without the store (HostedRecorder: a run is recorded
 * by the process that saw it, in its own log segment, as `track` does), so the server never loads
 * the store into its own memory. Once the host could not serve (said once on stderr), every call is
 * answered here on the store opened then. Arguments are checked here first, so a bad call is
 * refused alike whichever answers it.
 */
export class HostedToolCalls {
  private local: Promise<LocalStore> | undefined;
  private recording: Promise<HostedRecorder | undefined> | undefined;
  /** Cleared when the host cannot serve: from then on this server answers itself, without waiting on a host again. */
  private viaHost = true;

  constructor(
    private readonly ctx: CliContext,
    private readonly userId: string,
  ) {}

  readonly call = async (name: string, args: unknown): Promise<ToolResult> => {
    const tool = findTool(name);
    validateArguments(tool.name, tool.inputSchema, args ?? {});
    if (this.viaHost) {
      const answered = tool.record ? await this.recordWithoutStore(name, args) : ((await this.ctx.viaHost('tool', { name, args: args ?? {}, userId: this.userId })) as ToolResult | undefined);
      if (answered) return answered;
      this.viaHost = false;
    }
    const { store, session } = await this.opened();
    return runTool(toolContext(store, this.userId, session), name, args);
  };

  /** Ends the server's sessions and closes the store, if a call opened it. */
  async close(): Promise<void> {
    await (await this.recording)?.close();
    if (!this.local) return;
    const { store, session } = await this.local;
    try {
      await session.end();
    } finally {
      await store.close({ snapshot: true });
    }
  }

  private async recordWithoutStore(name: string, args: unknown): Promise<ToolResult | undefined> {
    this.recording ??= HostedRecorder.open(this.ctx, this.userId, 'mcp');
    const recorder = await this.recording;
    return recorder && runRecordingTool(recorder.context(), name, args);
  }

  private opened(): Promise<LocalStore> {
    this.local ??= this.ctx.openStore('work').then((store) => ({ store, session: new ToolSession(store, this.userId, { source: 'mcp' }) }));
    return this.local;
  }
}
