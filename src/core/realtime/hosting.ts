import type { Store } from '../store/storeInterface';
import { StoreMetricsSource } from './metricsFeed';
import { PortKeeper, type PortState } from './portKeeper';
import { PrometheusExporter } from './prometheusExporter';
import { RealtimeServer } from './websocketServer';

export interface RealtimeHostingConfig {
  host: string;
  port: number;
  /** null: the WebSocket server admits clients without a token (loopback only). */
  token: string | null;
  intervalMs: number;
  allowedOrigins: string[];
  maxClients: number;
  /** undefined: no Prometheus endpoint. */
  metrics?: { port: number; token: string | null };
  /** How often a window that finds a port taken tries again. */
  retryMs: number;
  anomalyCheckMs: number;
  /** Read other processes' events before each update and scrape: for a store that does not poll (the store host's). */
  pullEvents?: boolean;
}

export type Endpoint = 'websocket' | 'metrics';

/**
 * The real-time server and the exporter as an editor window or the store host runs them: each on
 * its port if free, else standing by to take over from the process that holds it.
 */
export class RealtimeHosting {
  private readonly keepers: { endpoint: Endpoint; keeper: PortKeeper<RealtimeServer> | PortKeeper<PrometheusExporter> }[] = [];

  constructor(
    store: Store,
    config: RealtimeHostingConfig,
    events: { onState(endpoint: Endpoint, state: PortState, url: string | undefined): void; onLog(message: string): void },
  ) {
    const source = new StoreMetricsSource(store, { anomalyCheckMs: config.anomalyCheckMs, pullEvents: config.pullEvents, onLog: events.onLog });
    const websocket = new PortKeeper(
      () =>
        new RealtimeServer({
          source,
          token: config.token,
          host: config.host,
          port: config.port,
          intervalMs: config.intervalMs,
          allowedOrigins: config.allowedOrigins,
          maxClients: config.maxClients,
          onLog: events.onLog,
        }),
      { retryMs: config.retryMs, onState: (state, server) => events.onState('websocket', state, server?.url) },
    );
    this.keepers.push({ endpoint: 'websocket', keeper: websocket });
    const metrics = config.metrics;
    if (metrics) {
      const exporter = new PortKeeper(() => new PrometheusExporter(store, { host: config.host, port: metrics.port, token: metrics.token, pullEvents: config.pullEvents, onLog: events.onLog }), {
        retryMs: config.retryMs,
        onState: (state, server) => events.onState('metrics', state, server?.url),
      });
      this.keepers.push({ endpoint: 'metrics', keeper: exporter });
    }
  }

  async start(): Promise<Record<Endpoint, PortState | undefined>> {
    const states = await Promise.all(this.keepers.map(async ({ endpoint, keeper }) => [endpoint, await keeper.start()] as const));
    return { websocket: undefined, metrics: undefined, ...Object.fromEntries(states) };
  }

  async stop(): Promise<void> {
    await Promise.all(this.keepers.map(({ keeper }) => keeper.stop()));
  }
}
