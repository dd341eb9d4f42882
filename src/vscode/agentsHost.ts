import * as vscode from 'vscode';
import type { AgentHosting } from '../core/agents/agentHosting';
import type { PortState } from '../core/realtime/portKeeper';
import type { CommandRecognition } from './commandRecognition';
import { Disposable, toDisposable } from './lifecycle';
import { sharedToken } from './realtimeHost';
import { affects, isTracking, type SettingsWatcher } from './settings';
import type { AgentSettings } from './settingsSchema';
import type { StoreHost } from './storeHost';

/** How often a window that finds the port taken tries to take over. */
const RETRY_MS = 5000;
const LOOPBACK = '127.0.0.1';

/**
 * Receives AI agents' OpenTelemetry while sessionBuddy.agents.enabled is on: one window hosts the
 * OTLP receiver, the others stand by (as the real-time server does). Every window gives its
 * integrated terminals the variables that make Claude Code, and any OpenTelemetry SDK, export to it.
 */
export class AgentTelemetryHost extends Disposable {
  private hosting: AgentHosting | undefined;
  private starting: Promise<void> | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly host: StoreHost,
    private readonly settings: SettingsWatcher,
    private readonly recognition: CommandRecognition,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.register(settings.onDidChange((e) => {
      if (affects(e, 'agents')) void this.stop().then(() => this.apply());
    }));
    this.register(toDisposable(() => void this.stop()));
    void this.apply();
  }

  private async apply(): Promise<void> {
    if (this.isDisposed) return;
    if (!this.settings.current.agents.enabled) {
      this.context.environmentVariableCollection.clear();
      return;
    }
    this.starting ??= this.start().finally(() => (this.starting = undefined));
    await this.starting;
  }

  private async stop(): Promise<void> {
    await this.starting;
    const hosting = this.hosting;
    this.hosting = undefined;
    if (hosting) await hosting.stop();
  }

  private async start(): Promise<void> {
    const settings = this.settings.current.agents;
    try {
      const [window, lib] = await Promise.all([this.host.window, import('../core/agents/agentHosting')]);
      const token = settings.requireToken ? await sharedToken(this.context, this.host.databasePath(), lib) : null;
      const endpoint = `http://${LOOPBACK}:${settings.port}`;
      const variables = lib.agentTelemetryEnvironment(endpoint, token);
      // The window's receiver records into the window's own log, as its other trackers do, beside the store host or not.
      const hosting = new lib.AgentHosting(window.agentRecording, {
        port: settings.port,
        token,
        retryMs: RETRY_MS,
        recognise: (commandLine) => this.recognition.taskSkills(commandLine),
        mayRecord: () => isTracking(this.settings.current, 'api'),
      }, {
        onState: (state, url) => {
          this.report(state, url, settings);
          if (state.kind === 'hosting') this.setTerminalEnvironment(variables);
        },
        onLog: (message) => this.log.warn(message),
      });
      this.hosting = hosting;
      const state = await hosting.start();
      if (this.isDisposed) {
        this.hosting = undefined;
        return await hosting.stop();
      }
      if (state.kind !== 'standby') return;
      // A port held by another program (an OpenTelemetry collector often has 4318) must not get the token.
      if (token === null || (await lib.holderHasToken(endpoint, token))) this.setTerminalEnvironment(variables);
      else this.log.warn(`Agent telemetry: port ${settings.port} is held by another program, not Session Buddy; the terminals are not set up until this window can take the port (or choose another sessionBuddy.agents.port)`);
    } catch (err) {
      this.hosting = undefined;
      this.log.error(`Agent telemetry receiver could not start: ${(err as Error).message}`);
    }
  }

  /** New integrated terminals get these; VS Code offers to relaunch the open ones. */
  private setTerminalEnvironment(variables: Record<string, string>): void {
    const env = this.context.environmentVariableCollection;
    // Not persisted: the collection would keep the token in the workspace storage, in plain text.
    env.persistent = false;
    env.description = 'Session Buddy: AI agents started here report their tool calls (OpenTelemetry) to Session Buddy';
    env.clear();
    for (const [name, value] of Object.entries(variables)) env.replace(name, value);
  }

  private report(state: PortState, endpoint: string | undefined, settings: AgentSettings): void {
    if (state.kind === 'hosting') this.log.info(`Agent telemetry (OTLP/HTTP): ${endpoint} (hosted by this window)`);
    else if (state.kind === 'standby') this.log.info(`Agent telemetry: port ${settings.port} is in use by another process; this window takes the port when it is free`);
    else if (state.kind === 'failed') this.log.error(`Agent telemetry: ${state.message}`);
  }
}
