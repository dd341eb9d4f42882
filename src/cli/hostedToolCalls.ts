import { findTool, runTool } from '../core/tools/agentTools';
import { validateArguments } from '../core/tools/schema';
import type { ToolResult } from '../core/tools/tool';
import { ToolSession, toolContext } from '../core/tools/toolSession';
import type { SkillStore } from '../core/store/store';
import type { CliContext } from './context';

interface LocalStore {
  store: SkillStore;
  session: ToolSession;
}

/**
 * The MCP server's tool calls with the store host on: a tool that only reads is answered by the
 * host, so a server that only reads never loads the store into its own memory. A tool that records
 * runs runs here, on the store opened at its first such call (a run is recorded by the process that
 * saw it, in its own log segment, as `track` does), and so does every call once the host could not
 * serve (said once on stderr). Arguments are checked here first, so a bad call is refused alike
 * whichever answers it.
 */
export class HostedToolCalls {
  private local: Promise<LocalStore> | undefined;
  /** Cleared when the host cannot serve: from then on this server answers itself, without waiting on a host again. */
  private viaHost = true;

  constructor(
    private readonly ctx: CliContext,
    private readonly userId: string,
  ) {}

  readonly call = async (name: string, args: unknown): Promise<ToolResult> => {
    const tool = findTool(name);
    validateArguments(tool.name, tool.inputSchema, args ?? {});
    if (tool.writes !== 'runs' && this.viaHost) {
      const answered = (await this.ctx.viaHost('tool', { name, args: args ?? {}, userId: this.userId })) as ToolResult | undefined;
      if (answered) return answered;
      this.viaHost = false;
    }
    const { store, session } = await this.opened();
    return runTool(toolContext(store, this.userId, session), name, args);
  };

  /** Ends the server's session and closes the store, if a call opened it. */
  async close(): Promise<void> {
    if (!this.local) return;
    const { store, session } = await this.local;
    try {
      await session.end();
    } finally {
      await store.close({ snapshot: true });
    }
  }

  private opened(): Promise<LocalStore> {
    this.local ??= this.ctx.openStore('work').then((store) => ({ store, session: new ToolSession(store, this.userId, { source: 'mcp' }) }));
    return this.local;
  }
}
