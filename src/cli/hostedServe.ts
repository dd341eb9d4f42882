import fs from 'node:fs';
import { connectToRunningHost, HostUnavailableError, NoRunningHostError } from '../core/host/hostClient';
import type { HostClientOptions } from '../core/host/hostStarter';
import type { ServeAnswer, ServedEndpoint, ServeRequest } from '../core/host/hostServers';
import { StandingRequest } from '../core/host/standingRequest';
import type { PortState } from '../core/realtime/portKeeper';
import { resolveDatabasePath } from '../core/store/paths';
import type { CliContext } from './context';
import { hostOptions } from './storeHostRoute';

export interface HostedServeOptions {
  request: ServeRequest;
  /** The option that sets each endpoint's port, named in the error when the port is taken. */
  portOptions: Record<ServedEndpoint, string>;
  /** How often anomaly detection is asked of the host while serving (0: never). */
  anomalyCheckMs: number;
  /** Told the endpoints once the host serves them. */
  announce(urls: Partial<Record<ServedEndpoint, string>>): void;
  /** Resolves when the user stops the command (Ctrl+C); asked once the servers run. */
  until(): Promise<void>;
}

/**
 * `serve` through the store host: the host runs the real-time server and the Prometheus exporter
 * on the store it already holds (the servers a window asks it for), for as long as this process
 * stays connected, so that serving a large store does not load a copy of it here; this process asks
 * for anomaly detection as `serve` does on its own store, and waits for Ctrl+C. A port the host
 * finds taken is this command's error, as without the host (a window would stand by for it).
 *
 * False: no host serves (the host is off, none runs when only a running one is used, or it cannot
 * serve, said once), and the caller opens the store itself.
 */
export async function serveViaHost(ctx: CliContext, options: HostedServeOptions): Promise<boolean> {
  const host = await hostFor(ctx);
  if (!host) return false;
  let lose: (reason: string) => void = () => undefined;
  const lost = new Promise<string>((resolve) => (lose = resolve));
  let request: StandingRequest<ServeAnswer> | undefined;
  const first = new Promise<ServeAnswer | string>((resolve) => {
    let answered = false;
    request = new StandingRequest<ServeAnswer>({
      ...host,
      method: 'serve',
      what: 'the real-time servers',
      params: () => ({ ...options.request }),
      onAnswer: (states) => {
        if (answered) return;
        answered = true;
        resolve(states);
      },
      onUnavailable: (reason) => (answered ? lose(reason) : resolve(reason)),
      log: (line) => ctx.io.err(`session-buddy: ${line}\n`),
    }).start();
  });
  const answer = await first;
  if (typeof answer === 'string') {
    request?.dispose();
    ctx.io.err(`session-buddy: the store host cannot run the servers (${answer}); this command opens the store itself\n`);
    return false;
  }
  const stopAnomalyChecks = options.anomalyCheckMs > 0 ? checkAnomalies(ctx, options.anomalyCheckMs) : () => undefined;
  try {
    options.announce(servedUrls(answer, options));
    const reason = await Promise.race([options.until().then(() => undefined), lost]);
    if (reason !== undefined) throw new Error(`the store host stopped serving: ${reason}`);
  } finally {
    stopAnomalyChecks();
    request?.dispose();
  }
  return true;
}

/** The host to ask, as every command chooses it (hostChoice.ts); undefined: none. */
async function hostFor(ctx: CliContext): Promise<HostClientOptions | undefined> {
  const use = ctx.hostUse();
  const db = resolveDatabasePath(ctx.dbPath());
  // A store that does not exist yet is created by the command itself, as without the host.
  if (use === 'off' || !fs.existsSync(db)) return undefined;
  const host = hostOptions(db);
  if (use === 'start') return host;
  try {
    (await connectToRunningHost(host)).close();
    return host;
  } catch (err) {
    if (err instanceof NoRunningHostError) return undefined;
    if (!(err instanceof HostUnavailableError)) throw err;
    ctx.io.err(`session-buddy: the store host is unavailable (${err.message}); this command opens the store itself\n`);
    return undefined;
  }
}

/** Each endpoint's URL; throws with what to do when the host could not bind one. */
function servedUrls(states: ServeAnswer, options: HostedServeOptions): Partial<Record<ServedEndpoint, string>> {
  const urls: Partial<Record<ServedEndpoint, string>> = {};
  for (const endpoint of ['websocket', 'metrics', 'otlp'] as const) {
    const state = states[endpoint];
    if (state) urls[endpoint] = urlOf(endpoint, state, options);
  }
  return urls;
}

const REQUESTED_PORT: Record<ServedEndpoint, (request: ServeRequest) => number> = {
  websocket: (request) => request.port,
  metrics: (request) => request.metrics?.port ?? 0,
  otlp: (request) => request.otlp?.port ?? 0,
};

const URL_OF: Record<ServedEndpoint, (host: string, port: number) => string> = {
  websocket: (host, port) => `ws://${host}:${port}`,
  metrics: (host, port) => `http://${host}:${port}/metrics`,
  otlp: (host, port) => `http://${host}:${port}`,
};

function urlOf(endpoint: ServedEndpoint, state: PortState, options: HostedServeOptions): string {
  const port = REQUESTED_PORT[endpoint](options.request);
  if (state.kind === 'standby') throw new Error(`port ${port} is in use (another Session Buddy window or server may host it); choose another with ${options.portOptions[endpoint]}`);
  if (state.kind !== 'hosting') throw new Error(`cannot listen on port ${port}: ${state.kind === 'failed' ? state.message : 'the server stopped'}`);
  const host = options.request.host.includes(':') ? `[${options.request.host}]` : options.request.host;
  return URL_OF[endpoint](host, state.port);
}

/** Asks the host to detect anomalies now and every `everyMs`; returns what stops it. */
function checkAnomalies(ctx: CliContext, everyMs: number): () => void {
  const check = () =>
    ctx.viaHost('command', { name: 'detectAnomalies', args: {} }).catch((err: Error) => ctx.io.err(`session-buddy: anomaly detection failed: ${err.message}\n`));
  void check();
  const timer = setInterval(() => void check(), everyMs);
  return () => clearInterval(timer);
}
