import * as vscode from 'vscode';

/**
 * The MCP server definition API arrived in VS Code 1.101; @types/vscode here is 1.100, so the
 * parts used are typed locally and looked up at run time.
 */
interface McpStdioServerDefinitionConstructor {
  new (label: string, command: string, args?: string[], env?: Record<string, string | number | null>, version?: string): object;
}

interface McpServerDefinitionProvider {
  readonly onDidChangeMcpServerDefinitions?: vscode.Event<void>;
  provideMcpServerDefinitions(token: vscode.CancellationToken): vscode.ProviderResult<object[]>;
}

interface McpApi {
  registerMcpServerDefinitionProvider(id: string, provider: McpServerDefinitionProvider): vscode.Disposable;
  McpStdioServerDefinition: McpStdioServerDefinitionConstructor;
}

/** The id in package.json `contributes.mcpServerDefinitionProviders`. */
export const MCP_PROVIDER_ID = 'sessionBuddy.mcpServer';

export interface McpProviderOptions {
  /** Offer the server only while this is true (sessionBuddy.mcpServer.enabled). */
  enabled(): boolean;
  /** The database the editor uses (empty: the per-user default, which the CLI finds itself). */
  databasePath(): string;
  /** The user id the editor records for (empty: the anonymous default). */
  userId(): string;
  /** Whether the server asks the store host, as the editor's windows do (sessionBuddy.storeHost.enabled), instead of loading the store. */
  storeHost(): boolean;
  /** Fires when one of the above may have changed. */
  onDidChange: vscode.Event<unknown>;
}

function mcpApi(): McpApi | undefined {
  const lm = vscode.lm as unknown as Partial<Pick<McpApi, 'registerMcpServerDefinitionProvider'>>;
  const ctor = (vscode as unknown as Partial<Pick<McpApi, 'McpStdioServerDefinition'>>).McpStdioServerDefinition;
  if (typeof lm.registerMcpServerDefinitionProvider !== 'function' || typeof ctor !== 'function') return undefined;
  return { registerMcpServerDefinitionProvider: lm.registerMcpServerDefinitionProvider.bind(lm), McpStdioServerDefinition: ctor };
}

/**
 * Offers `session-buddy mcp` (the bundled CLI, run by the editor's own Node.js) to VS Code's MCP
 * clients. Offers nothing on editors without the finalised API: VS Code 1.100 has a proposed
 * version of it that refuses providers declared the 1.101 way, and that must not stop activation.
 */
export function registerMcpServerProvider(context: vscode.ExtensionContext, options: McpProviderOptions, log: vscode.LogOutputChannel): vscode.Disposable {
  const api = mcpApi();
  const nothing = new vscode.Disposable(() => undefined);
  if (!api) return nothing;
  try {
    return register(api, context, options);
  } catch (err) {
    // The editor's reason names its API proposals: useful to us, not to the user.
    log.debug(`registerMcpServerDefinitionProvider refused: ${(err as Error).message.split('\n')[0]}`);
    log.info(`VS Code ${vscode.version} cannot list Session Buddy among its MCP servers (that needs VS Code 1.101 or later). An MCP client can still start it with the command "session-buddy mcp" (see the README).`);
    return nothing;
  }
}

function register(api: McpApi, context: vscode.ExtensionContext, options: McpProviderOptions): vscode.Disposable {
  const changed = new vscode.EventEmitter<void>();
  const listener = options.onDidChange(() => changed.fire());
  const version = String((context.extension.packageJSON as { version?: unknown }).version ?? '');
  let registration: vscode.Disposable;
  try {
    registration = api.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, {
    onDidChangeMcpServerDefinitions: changed.event,
    provideMcpServerDefinitions: () => {
      if (!options.enabled()) return [];
      const db = options.databasePath();
      const args = [context.asAbsolutePath('dist/cli.js'), ...(db ? ['--db', db] : []), 'mcp'];
      const env: Record<string, string> = { ELECTRON_RUN_AS_NODE: '1', SESSION_BUDDY_HOST: options.storeHost() ? 'on' : 'off' };
      if (options.userId()) env.SESSION_BUDDY_USER = options.userId();
      return [new api.McpStdioServerDefinition('Session Buddy', process.execPath, args, env, version)];
    },
    });
  } catch (err) {
    listener.dispose();
    changed.dispose();
    throw err;
  }
  return vscode.Disposable.from(registration, listener, changed);
}
