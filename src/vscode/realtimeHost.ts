import * as vscode from 'vscode';
import type { ServeAnswer, ServeRequest } from '../core/host/hostServers';
import type { Endpoint, RealtimeHostingConfig } from '../core/realtime/hosting';
import type { PortState } from '../core/realtime/portKeeper';
import { COMMANDS } from './commandIds';
import { Disposable, toDisposable } from './lifecycle';
import { affects, type SettingsWatcher } from './settings';
import type { RealtimeSettings } from './settingsSchema';
import type { StoreHost } from './storeHost';

const SECRET_KEY = 'sessionBuddy.realtimeToken';
/** How often a window that finds the port taken tries to take over. */
const RETRY_MS = 5000;

/** Where the token functions come from: the real-time or the agent hosting module, whichever the caller loaded. */
export type TokenLibrary = Pick<typeof import('../core/realtime/token'), 'mirrorToken' | 'tokenFilePath'>;

/**
 * The token of the real-time server, the exporter and the OTLP receiver: kept in the secret storage,
 * mirrored to `<db>.token` for the CLI and scripts.
 */
export async function sharedToken(context: vscode.ExtensionContext, db: string, lib: TokenLibrary): Promise<string> {
  const secret = await context.secrets.get(SECRET_KEY);
  const token = lib.mirrorToken(secret, lib.tokenFilePath(db));
  if (token !== secret) await context.secrets.store(SECRET_KEY, token);
  return token;
}

/** Servers running for this window: in it, or in the store host while this window asks. */
interface Running {
  stop(): Promise<void>;
}

/**
 * Runs the real-time WebSocket server and the Prometheus exporter for an editor window: started by
 * a command or by sessionBuddy.realtime.enabled. A window served by the store host asks the host to
 * run them (one set for every window that asks alike); one holding the store runs them itself, and
 * with several such windows one hosts each port while the others stand by to take over.
 */
export class RealtimeHostService extends Disposable {
  private hosting: Running | undefined;
  private starting: Promise<void> | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly host: StoreHost,
    private readonly settings: SettingsWatcher,
    private readonly log: vscode.LogOutputChannel,
    /** dist/store-host.js */
    private readonly hostScript: string,
  ) {
    super();
    this.register(vscode.commands.registerCommand(COMMANDS.startRealtimeServer, () => this.start({ quiet: false })));
    this.register(vscode.commands.registerCommand(COMMANDS.stopRealtimeServer, () => this.stop(true)));
    this.register(vscode.commands.registerCommand(COMMANDS.copyRealtimeToken, () => this.copyToken()));
    this.register(settings.onDidChange((e) => {
      if (!affects(e, 'realtime', 'prometheus')) return;
      const wanted = this.settings.current.realtime.enabled;
      const turnedOff = affects(e, 'realtime.enabled') && !wanted;
      // A running server restarts with the new settings; turning the setting off stops it.
      if (this.hosting) void this.stop(false).then(() => (turnedOff ? undefined : this.start({ quiet: true })));
      else if (wanted) void this.start({ quiet: true });
    }));
    this.register(toDisposable(() => void this.stop(false)));
    if (settings.current.realtime.enabled) void this.start({ quiet: true });
  }

  async start(options: { quiet: boolean }): Promise<void> {
    if (this.isDisposed) return;
    if (this.hosting) {
      if (!options.quiet) void vscode.window.showInformationMessage('Session Buddy: the real-time server is already running (or standing by) in this window.');
      return;
    }
    this.starting ??= this.doStart(options.quiet).finally(() => (this.starting = undefined));
    return this.starting;
  }

  async stop(announce: boolean): Promise<void> {
    await this.starting;
    const hosting = this.hosting;
    this.hosting = undefined;
    if (!hosting) return;
    await hosting.stop();
    this.log.info('Real-time server stopped in this window');
    if (announce) void vscode.window.showInformationMessage('Session Buddy: real-time server stopped in this window.');
  }

  private async doStart(quiet: boolean): Promise<void> {
    try {
      const settings = this.settings.current.realtime;
      const [window, lib] = await Promise.all([this.host.window, import('../core/realtime/token')]);
      const db = this.host.databasePath();
      const token = await sharedToken(this.context, db, lib);
      if (window.hosted) await this.startInHost(settings, quiet, token, lib.tokenFilePath(db));
      else await this.startHere(settings, quiet, token);
    } catch (err) {
      this.hosting = undefined;
      this.failed(err as Error);
    }
  }

  private failed(err: Error): void {
    const message = `Session Buddy could not start the real-time server: ${err.message}`;
    this.log.error(message);
    void vscode.window.showErrorMessage(message, 'Open Settings').then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', 'sessionBuddy.realtime');
    });
  }

  /** Resolves once the host has started the servers (or this window has, when the host cannot). */
  private async startInHost(settings: RealtimeSettings, quiet: boolean, token: string, tokenFile: string): Promise<void> {
    const { StandingRequest } = await import('../core/host/standingRequest');
    await new Promise<void>((resolve) => {
      let answered = false;
      const request = new StandingRequest<ServeAnswer>({
        db: this.host.databasePath(),
        hostScript: this.hostScript,
        method: 'serve',
        what: 'the real-time server',
        params: () => ({ ...serveRequest(settings) }),
        onAnswer: (states) => {
          for (const endpoint of ['websocket', 'metrics'] as const) {
            const state = states[endpoint];
            if (state) this.report(endpoint, state, hostUrl(endpoint, settings, state), settings, 'the store host');
          }
          if (answered) return;
          answered = true;
          if (!quiet && !this.isDisposed) this.announce(states, settings, tokenFile);
          resolve();
        },
        onUnavailable: (reason) => {
          this.log.warn(`The store host cannot run the real-time server (${reason}); this window runs it`);
          if (this.hosting !== running) return resolve();
          this.hosting = undefined;
          void this.startHere(settings, quiet, token).catch((err: Error) => this.failed(err)).finally(resolve);
        },
        log: (line) => this.log.info(`Store host: ${line}`),
      });
      const running: Running = { stop: async () => request.dispose() };
      this.hosting = running;
      request.start();
    });
  }

  private async startHere(settings: RealtimeSettings, quiet: boolean, token: string): Promise<void> {
    const [{ store }, lib] = await Promise.all([this.host.ready, import('../core/realtime/hostingServices')]);
    const config: RealtimeHostingConfig = {
      host: settings.host,
      port: settings.port,
      token: settings.requireToken ? token : null,
      intervalMs: settings.intervalMs,
      allowedOrigins: settings.allowedOrigins.map(lib.normaliseOrigin),
      maxClients: settings.maxClients,
      metrics: settings.metricsEnabled ? { port: settings.metricsPort, token: settings.metricsRequireToken ? token : null } : undefined,
      retryMs: RETRY_MS,
      // Anomaly detection is the AnalyticsScheduler's (one window, never while paused).
      anomalyCheckMs: 0,
    };
    const hosting = new lib.RealtimeHosting(store, config, {
      onState: (endpoint, state, url) => this.report(endpoint, state, url, settings, 'this window'),
      onLog: (message) => this.log.warn(message),
    });
    this.hosting = hosting;
    const states = await hosting.start();
    // Disposed while starting: the ports it just took are given back at once.
    if (this.isDisposed) {
      this.hosting = undefined;
      return await hosting.stop();
    }
    if (!quiet) this.announce(states, settings, lib.tokenFilePath(store.paths.db));
  }

  private async copyToken(): Promise<void> {
    const lib = await import('../core/realtime/token');
    const db = this.host.databasePath();
    await vscode.env.clipboard.writeText(await sharedToken(this.context, db, lib));
    void vscode.window.showInformationMessage(`Session Buddy: real-time token copied (also in ${lib.tokenFilePath(db)}).`);
  }

  private report(endpoint: Endpoint, state: PortState, url: string | undefined, settings: RealtimeSettings, by: string): void {
    const name = endpoint === 'websocket' ? 'Real-time server' : 'Prometheus exporter';
    const port = endpoint === 'websocket' ? settings.port : settings.metricsPort;
    if (state.kind === 'hosting') this.log.info(`${name}: ${url} (hosted by ${by})`);
    else if (state.kind === 'standby') this.log.info(`${name}: port ${port} is in use (another window hosts it); this window takes over if it closes`);
    else if (state.kind === 'failed') this.log.error(`${name}: ${state.message}`);
  }

  private announce(states: Record<Endpoint, PortState | undefined>, settings: RealtimeSettings, tokenFile: string): void {
    const ws = states.websocket;
    if (ws?.kind === 'failed') {
      void vscode.window.showErrorMessage(`Session Buddy: the real-time server could not start: ${ws.message}`);
      return;
    }
    const where = ws?.kind === 'hosting' ? `ws://${settings.host}:${ws.port}` : `port ${settings.port} (hosted by another window)`;
    const metrics = states.metrics;
    const prometheus =
      metrics?.kind === 'hosting'
        ? ` Prometheus: http://${settings.host}:${metrics.port}/metrics${settings.metricsRequireToken ? ' (token required)' : ''}.`
        : metrics?.kind === 'standby'
          ? ` Prometheus: port ${settings.metricsPort} (hosted by another window).`
          : metrics?.kind === 'failed'
            ? ` Prometheus could not start: ${metrics.message}.`
            : '';
    const auth = settings.requireToken ? ` Token: ${tokenFile}` : ' No token required.';
    void vscode.window.showInformationMessage(`Session Buddy: real-time metrics on ${where}.${prometheus}${auth}`, 'Copy Token').then((choice) => {
      if (choice) void this.copyToken();
    });
  }
}

/** What the store host is asked to serve: the window's settings; the token is the store's, which the host reads itself. */
function serveRequest(settings: RealtimeSettings): ServeRequest {
  return {
    host: settings.host,
    port: settings.port,
    requireToken: settings.requireToken,
    intervalMs: settings.intervalMs,
    allowedOrigins: settings.allowedOrigins,
    maxClients: settings.maxClients,
    ...(settings.metricsEnabled ? { metrics: { port: settings.metricsPort, requireToken: settings.metricsRequireToken } } : {}),
  };
}

function hostUrl(endpoint: Endpoint, settings: RealtimeSettings, state: PortState): string | undefined {
  if (state.kind !== 'hosting') return undefined;
  return endpoint === 'websocket' ? `ws://${settings.host}:${state.port}` : `http://${settings.host}:${state.port}/metrics`;
}
