import * as vscode from 'vscode';
import type { SkillStore } from '../core/store/store';
import type { RunRecorder } from '../core/tracking/runRecorder';
import { LM_TOOL_PREFIX } from '../core/tools/lmToolPrefix';

/** What the tools need from the window: resolved once the store is open (StoreHost.ready). */
export interface ToolHost {
  readonly ready: Promise<{ store: SkillStore; tracker: RunRecorder; userId: string; session: { current(): Promise<string>; readonly id: string | undefined } }>;
}

export interface LanguageModelToolOptions {
  /** False while the user has paused tracking: nothing is written (the recording tool refuses, derived tables are not refreshed). */
  mayRecord(): boolean;
  log: vscode.LogOutputChannel;
}

/**
 * Registers the agent tools as VS Code language-model tools, one per `languageModelTools` entry of
 * package.json (which must equal languageModelToolContributions(): test/unit/tools.test.ts compares
 * them). Registration is by name at activation; the definitions and the store load on first use.
 */
export function registerLanguageModelTools(context: vscode.ExtensionContext, host: ToolHost, options: LanguageModelToolOptions): vscode.Disposable {
  if (typeof vscode.lm?.registerTool !== 'function') return new vscode.Disposable(() => undefined);
  const contributed = (context.extension.packageJSON as { contributes?: { languageModelTools?: { name: string }[] } }).contributes?.languageModelTools ?? [];
  return vscode.Disposable.from(...contributed
    .filter((t) => t.name.startsWith(LM_TOOL_PREFIX))
    .map((t) => vscode.lm.registerTool<Record<string, unknown>>(t.name, new SessionBuddyTool(t.name.slice(LM_TOOL_PREFIX.length), host, options))));
}

class SessionBuddyTool implements vscode.LanguageModelTool<Record<string, unknown>> {
  constructor(private readonly name: string, private readonly host: ToolHost, private readonly options: LanguageModelToolOptions) {}

  async prepareInvocation(options: vscode.LanguageModelToolInvocationPrepareOptions<Record<string, unknown>>): Promise<vscode.PreparedToolInvocation> {
    const { findTool } = await import('../core/tools/agentTools');
    const tool = findTool(this.name);
    // Only a tool that records runs asks first; one that may refresh derived analytics says so in its message.
    if (tool.writes !== 'runs') return { invocationMessage: `Session Buddy: ${tool.title}` };
    const details = Object.entries(options.input ?? {})
      .map(([key, value]) => `- ${key}: \`${String(value)}\``)
      .join('\n');
    return {
      invocationMessage: `Session Buddy: ${tool.title}`,
      confirmationMessages: {
        title: `Session Buddy: ${tool.title}?`,
        message: new vscode.MarkdownString(`This writes to your Session Buddy database.\n\n${details}`),
      },
    };
  }

  async invoke(options: vscode.LanguageModelToolInvocationOptions<Record<string, unknown>>, token: vscode.CancellationToken): Promise<vscode.LanguageModelToolResult> {
    const { findTool, runTool } = await import('../core/tools/agentTools');
    if (findTool(this.name).writes === 'runs' && !this.options.mayRecord()) {
      return textResult({ success: false, message: 'Tracking is paused in the Session Buddy settings (sessionBuddy.tracking.enabled); nothing was recorded.' });
    }
    const core = await this.host.ready;
    if (token.isCancellationRequested) throw new vscode.CancellationError();
    // Argument errors are thrown: VS Code hands the message to the model, which can correct the call.
    const context = { store: core.store, recorder: core.tracker, knowSession: async () => undefined, userId: core.userId, session: () => core.session.current(), existingSession: () => core.session.id, mayWrite: () => this.options.mayRecord(), caller: 'agent' as const };
    const result = await runTool(context, this.name, options.input);
    if (!result.success) this.options.log.warn(`Tool ${this.name}: ${result.message}`);
    return textResult(result);
  }
}

function textResult(value: unknown): vscode.LanguageModelToolResult {
  return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(JSON.stringify(value, null, 2))]);
}
