import * as vscode from 'vscode';
import { LM_TOOL_PREFIX } from '../core/tools/lmToolPrefix';
import type { WindowData } from '../core/window/windowData';

/** What the tools need from the window: its data once open (StoreHost.window), the store host's answers or its own store's. */
export interface ToolHost {
  readonly window: Promise<Pick<WindowData, 'runTool'>>;
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
    const { findTool } = await import('../core/tools/agentTools');
    if (findTool(this.name).writes === 'runs' && !this.options.mayRecord()) {
      return textResult({ success: false, message: 'Tracking is paused in the Session Buddy settings (sessionBuddy.tracking.enabled); nothing was recorded.' });
    }
    const window = await this.host.window;
    if (token.isCancellationRequested) throw new vscode.CancellationError();
    // Argument errors are thrown: VS Code hands the message to the model, which can correct the call.
    const result = await window.runTool(this.name, options.input, () => this.options.mayRecord());
    if (!result.success) this.options.log.warn(`Tool ${this.name}: ${result.message}`);
    return textResult(result);
  }
}

function textResult(value: unknown): vscode.LanguageModelToolResult {
  return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(JSON.stringify(value, null, 2))]);
}
