import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Store } from '../store/storeInterface';
import { closeHttp, httpOrigin, listenHttp } from './httpListener';
import { PrometheusMetrics, type PrometheusMetricsOptions } from './prometheusMetrics';
import { bearerToken, hostHeaderAllowed, originAllowed } from './requestGuards';
import { isLoopbackHost } from './requestGuards';
import { tokensMatch } from './token';

export const EXPORTER_DEFAULTS = { host: '127.0.0.1', port: 9090 } as const;

export interface PrometheusExporterOptions extends PrometheusMetricsOptions {
  host?: string;
  port?: number;
  /** When set, scrapes must send `Authorization: Bearer <token>`. */
  token?: string | null;
  /** Browser origins allowed to read the metrics (none by default: Prometheus sends no Origin). */
  allowedOrigins?: readonly string[];
  /** Picks up other processes' events before each scrape (for a store opened without polling). */
  pullEvents?: boolean;
  onLog?: (message: string) => void;
}

/** Serves `GET /metrics` on its own port; every value is computed from the store at scrape time. */
export class PrometheusExporter {
  private readonly http: http.Server;
  private readonly metrics: PrometheusMetrics;
  private readonly host: string;
  private readonly port: number;

  constructor(private readonly store: Store, private readonly options: PrometheusExporterOptions = {}) {
    this.host = options.host ?? EXPORTER_DEFAULTS.host;
    this.port = options.port ?? EXPORTER_DEFAULTS.port;
    if (!Number.isInteger(this.port) || this.port < 0 || this.port > 65535) throw new RangeError(`metrics port must be 0..65535 (got ${this.port})`);
    if (!options.token && !isLoopbackHost(this.host)) {
      throw new Error(`refusing to serve /metrics without a token on ${this.host}: the token may only be left off on a loopback address`);
    }
    this.metrics = new PrometheusMetrics(store, options);
    this.http = http.createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<AddressInfo> {
    return listenHttp(this.http, this.port, this.host, (err) => this.options.onLog?.(`metrics server error: ${err.message}`));
  }

  get url(): string {
    return `${httpOrigin(this.http, this.host)}/metrics`;
  }

  async close(): Promise<void> {
    this.metrics.dispose();
    await closeHttp(this.http);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (!hostHeaderAllowed(req, this.host) || !originAllowed(req, this.options.allowedOrigins ?? [])) return reply(res, 403, 'Forbidden\n');
    if (path !== '/metrics') return reply(res, 404, 'Not found: metrics are served at /metrics\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'Method not allowed\n', { Allow: 'GET, HEAD' });
    const token = this.options.token;
    if (token && !tokensMatch(token, bearerToken(req))) return reply(res, 401, 'Unauthorized\n', { 'WWW-Authenticate': 'Bearer realm="session-buddy"' });
    try {
      if (this.options.pullEvents) this.store.pullEvents();
      const body = await this.metrics.scrape();
      res.writeHead(200, { 'Content-Type': this.metrics.contentType, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      this.options.onLog?.(`scrape failed: ${(err as Error).message}`);
      reply(res, 500, 'Metrics are temporarily unavailable\n');
    }
  }
}

function reply(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(text);
}
