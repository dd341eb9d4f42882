import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SkillStore } from '../store/store';
import { PrometheusMetrics, type PrometheusMetricsOptions } from './prometheusMetrics';
import { hostHeaderAllowed, originAllowed } from './requestGuards';
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

  constructor(private readonly store: SkillStore, private readonly options: PrometheusExporterOptions = {}) {
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
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.http.once('error', onError);
      this.http.listen(this.port, this.host, () => {
        this.http.off('error', onError);
        resolve();
      });
    });
    this.http.on('error', (err) => this.options.onLog?.(`metrics server error: ${err.message}`));
    return this.http.address() as AddressInfo;
  }

  get url(): string {
    const { port } = this.http.address() as AddressInfo;
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${port}/metrics`;
  }

  async close(): Promise<void> {
    this.metrics.dispose();
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (!hostHeaderAllowed(req, this.host) || !originAllowed(req, this.options.allowedOrigins ?? [])) return reply(res, 403, 'Forbidden\n');
    if (path !== '/metrics') return reply(res, 404, 'Not found: metrics are served at /metrics\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'Method not allowed\n', { Allow: 'GET, HEAD' });
    const token = this.options.token;
    if (token && !tokensMatch(token, bearer(req))) return reply(res, 401, 'Unauthorized\n', { 'WWW-Authenticate': 'Bearer realm="session-buddy"' });
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

function bearer(req: http.IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

function reply(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(text);
}
