import { normaliseOrigin } from '../realtime/requestGuards';
import { readTokenFile } from '../realtime/token';
import { RealtimeHosting, type Endpoint } from '../realtime/hosting';
import type { PortState } from '../realtime/portKeeper';
import type { AgentHosting } from '../agents/agentHosting';
import { requireName, ValidationError } from '../validation';
import { HostRequestError, integerIn, requiredBoolean, usage } from './hostRequests';
import type { OpenedStore } from './storeHost';

/** The real-time servers a window asks the host to run (`serve`): its settings, without the token (the host reads the store's). */
export interface ServeRequest {
  host: string;
  port: number;
  requireToken: boolean;
  intervalMs: number;
  allowedOrigins: string[];
  maxClients: number;
  /** undefined: no Prometheus endpoint. */
  metrics?: { port: number; requireToken: boolean };
  /**
   * `session-buddy serve --otlp-port`'s receiver of agents' telemetry, recording for `userId` in the
   * host's store (a window's receiver records in the window's own log instead). undefined: none.
   */
  otlp?: { port: number; requireToken: boolean; userId: string };
}

/** The endpoints a `serve` request may ask for. */
export type ServedEndpoint = Endpoint | 'otlp';

/** Each endpoint's state once started: hosting (with its port), standing by (the port is taken), or failed. */
export type ServeAnswer = Record<Endpoint, PortState | undefined> & { otlp?: PortState };

/** How often a host that finds a port taken tries again. */
const RETRY_MS = 5000;
const MAX_PORT = 65_535;
const MAX_INTERVAL_MS = 3_600_000;
const MAX_CLIENTS = 100_000;
const MAX_ORIGINS = 100;
const MAX_TEXT = 2048;

function origins(value: unknown): string[] {
  if (!Array.isArray(value) || value.length > MAX_ORIGINS || !value.every((o) => typeof o === 'string' && o.length <= MAX_TEXT)) {
    throw usage(`allowedOrigins must be a list of at most ${MAX_ORIGINS} strings`);
  }
  try {
    return (value as string[]).map(normaliseOrigin);
  } catch (err) {
    throw usage(`allowedOrigins: ${(err as Error).message}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function otlpRequest(value: unknown): ServeRequest['otlp'] {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw usage('otlp must be an object of port, requireToken and userId');
  let userId: string;
  try {
    userId = requireName('otlp.userId', value.userId);
  } catch (err) {
    throw err instanceof ValidationError ? usage(err.message) : err;
  }
  return { port: integerIn(value, 'port', 0, MAX_PORT), requireToken: requiredBoolean(value, 'requireToken'), userId };
}

export function parseServeRequest(params: Record<string, unknown>): ServeRequest {
  const { host, metrics } = params;
  if (typeof host !== 'string' || !host || host.length > MAX_TEXT) throw usage('host must be a non-empty string');
  if (metrics !== undefined && !isObject(metrics)) throw usage('metrics must be an object of port and requireToken');
  const exporter = metrics as Record<string, unknown> | undefined;
  const otlp = otlpRequest(params.otlp);
  return {
    host,
    port: integerIn(params, 'port', 0, MAX_PORT),
    requireToken: requiredBoolean(params, 'requireToken'),
    intervalMs: integerIn(params, 'intervalMs', 100, MAX_INTERVAL_MS),
    allowedOrigins: origins(params.allowedOrigins),
    maxClients: integerIn(params, 'maxClients', 1, MAX_CLIENTS),
    ...(exporter ? { metrics: { port: integerIn(exporter, 'port', 0, MAX_PORT), requireToken: requiredBoolean(exporter, 'requireToken') } } : {}),
    ...(otlp ? { otlp } : {}),
  };
}

interface Served {
  hosting: RealtimeHosting;
  /** The receiver of agents' telemetry, once started (loaded only when asked for). */
  agents?: AgentHosting;
  started: Promise<ServeAnswer>;
  clients: Set<object>;
}

/**
 * The real-time WebSocket server and the Prometheus exporter, run by the host for the windows that
 * ask (as `session-buddy serve` runs them): one set of servers per distinct request, shared by the
 * windows that ask alike, stopped when the last of them disconnects or asks for something else. The
 * token is the store's (`<db>.token`, which the windows mirror from their secret storage), read
 * when the servers start.
 */
export class HostServers {
  private readonly served = new Map<string, Served>();
  private readonly asked = new Map<object, string>();

  constructor(private readonly opened: OpenedStore, private readonly log: (line: string) => void) {}

  async ask(client: object, request: ServeRequest): Promise<ServeAnswer> {
    const key = JSON.stringify(request);
    if (this.asked.get(client) !== key) await this.forget(client);
    this.asked.set(client, key);
    const served = this.served.get(key) ?? this.serve(key, request);
    served.clients.add(client);
    return served.started;
  }

  /** A client left (or asked for other servers): servers nobody asks for any longer stop. */
  async forget(client: object): Promise<void> {
    const key = this.asked.get(client);
    if (key === undefined) return;
    this.asked.delete(client);
    const served = this.served.get(key);
    if (!served) return;
    served.clients.delete(client);
    if (served.clients.size > 0) return;
    this.served.delete(key);
    await stopServed(served);
  }

  async stop(): Promise<void> {
    const all = [...this.served.values()];
    this.served.clear();
    this.asked.clear();
    await Promise.all(all.map(stopServed));
  }

  private serve(key: string, request: ServeRequest): Served {
    const token = request.requireToken || request.metrics?.requireToken || request.otlp?.requireToken ? this.token() : null;
    const hosting = new RealtimeHosting(this.opened.store, {
      host: request.host,
      port: request.port,
      token: request.requireToken ? token : null,
      intervalMs: request.intervalMs,
      allowedOrigins: request.allowedOrigins,
      maxClients: request.maxClients,
      metrics: request.metrics ? { port: request.metrics.port, token: request.metrics.requireToken ? token : null } : undefined,
      retryMs: RETRY_MS,
      // Anomalies are the background jobs' (run while a window with tracking on asks for them).
      anomalyCheckMs: 0,
      pullEvents: true,
    }, {
      onState: (endpoint, state, url) => this.log(`${endpoint === 'websocket' ? 'real-time server' : 'Prometheus exporter'}: ${state.kind}${url ? ` at ${url}` : ''}`),
      onLog: this.log,
    });
    const served: Served = { hosting, started: Promise.resolve({ websocket: undefined, metrics: undefined }), clients: new Set() };
    served.started = this.start(served, request, token);
    this.served.set(key, served);
    served.started.catch(() => this.served.get(key) === served && this.served.delete(key));
    return served;
  }

  private async start(served: Served, request: ServeRequest, token: string | null): Promise<ServeAnswer> {
    const otlp = request.otlp;
    if (otlp) served.agents = await this.agentHosting(otlp, request, otlp.requireToken ? token : null);
    const [states, receiver] = await Promise.all([served.hosting.start(), served.agents?.start()]);
    return receiver ? { ...states, otlp: receiver } : states;
  }

  /** The receiver records for the asking user in the store held here, by the built-in command-line rules (as `serve` does without the host). */
  private async agentHosting(otlp: NonNullable<ServeRequest['otlp']>, request: ServeRequest, token: string | null): Promise<AgentHosting> {
    const [{ AgentHosting }, { storeRecordingTarget }, { SkillTracker }] = await Promise.all([
      import('../agents/agentHosting'), import('../agents/agentRecorder'), import('../tracking/tracker'),
    ]);
    const store = this.opened.store;
    return new AgentHosting(storeRecordingTarget(store, new SkillTracker(store, otlp.userId)), {
      host: request.host,
      port: otlp.port,
      token,
      allowedOrigins: request.allowedOrigins,
      retryMs: RETRY_MS,
      mayRecord: () => true,
    }, {
      onState: (state, endpoint) => this.log(`agent receiver (OTLP): ${state.kind}${endpoint ? ` at ${endpoint}` : ''}`),
      onLog: this.log,
    });
  }

  private token(): string {
    const token = readTokenFile(this.opened.store.paths.token);
    if (!token) throw new HostRequestError(`the store has no token yet (${this.opened.store.paths.token}); the window writes it before asking`, 'failed');
    return token;
  }
}

/** Stops a set of servers, once it has finished starting (a receiver started meanwhile is stopped too). */
async function stopServed(served: Served): Promise<void> {
  await served.started.catch(() => undefined);
  await Promise.all([served.hosting.stop(), served.agents?.stop()]);
}
