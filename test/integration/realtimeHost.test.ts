import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, test } from 'node:test';
import { StoreMetricsSource } from '../../src/core/realtime/metricsFeed';
import { RealtimeHosting, type Endpoint } from '../../src/core/realtime/hosting';
import { PortKeeper, type PortState } from '../../src/core/realtime/portKeeper';
import { RealtimeServer } from '../../src/core/realtime/websocketServer';
import { tempStore } from '../helpers/store';
import { TestClient } from './realtime-client';

const TOKEN = 'host-test-token-0123456789abcdef';
const keepers: PortKeeper<RealtimeServer>[] = [];
after(() => Promise.all(keepers.map((k) => k.stop())));

/** A port that was free a moment ago (the test needs a fixed number that two "windows" compete for). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

async function until(ms: number, check: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('several windows, one host', () => {
  test('the first window hosts, the second stands by without failing, and takes over when the host closes', async () => {
    const env = await tempStore();
    try {
      const port = await freePort();
      const states: Record<string, PortState[]> = { a: [], b: [] };
      const keeper = (name: 'a' | 'b') => {
        const k = new PortKeeper(() => new RealtimeServer({ source: new StoreMetricsSource(env.store), token: TOKEN, port, intervalMs: 100 }), {
          retryMs: 100,
          onState: (s) => states[name].push(s),
        });
        keepers.push(k);
        return k;
      };
      const a = keeper('a');
      const b = keeper('b');
      assert.deepEqual(await a.start(), { kind: 'hosting', port });
      assert.deepEqual(await b.start(), { kind: 'standby', retryMs: 100 });
      assert.equal(b.listener, undefined);

      const client = await TestClient.connect(`ws://127.0.0.1:${port}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      await client.next('connected');
      await a.stop();
      assert.equal((await client.closedWith()).code, 1001);

      await until(3000, () => b.status.kind === 'hosting');
      const again = await TestClient.connect(`ws://127.0.0.1:${port}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      await again.next('metrics_update');
      await again.close();
      assert.deepEqual(states.a.map((s) => s.kind), ['hosting', 'stopped']);
      assert.deepEqual(states.b.map((s) => s.kind), ['standby', 'hosting'], 'standby is reported once, not on every retry');
      await b.stop();
      assert.equal(b.status.kind, 'stopped');
    } finally {
      await env.close();
    }
  });

  test('an error other than "port in use" is reported as failed and not retried', async () => {
    const env = await tempStore();
    try {
      const k = new PortKeeper(() => new RealtimeServer({ source: new StoreMetricsSource(env.store), token: TOKEN, host: '192.0.2.1', port: 0 }), { retryMs: 50 });
      keepers.push(k);
      const state = await k.start();
      assert.equal(state.kind, 'failed');
      assert.match((state as { message: string }).message, /EADDRNOTAVAIL|address not available/i);
    } finally {
      await env.close();
    }
  });

  test('a window hosts both the WebSocket server and /metrics; another takes both over when it stops', async () => {
    const env = await tempStore();
    const [port, metricsPort] = [await freePort(), await freePort()];
    const log: string[] = [];
    const window = (name: string) =>
      new RealtimeHosting(
        env.store,
        { host: '127.0.0.1', port, token: TOKEN, intervalMs: 100, allowedOrigins: [], maxClients: 10, metrics: { port: metricsPort, token: null }, retryMs: 100, anomalyCheckMs: 0 },
        { onState: (endpoint: Endpoint, state: PortState, url: string | undefined) => log.push(`${name} ${endpoint} ${state.kind} ${url ?? ''}`.trim()), onLog: () => undefined },
      );
    const first = window('first');
    const second = window('second');
    try {
      assert.deepEqual(await first.start(), { websocket: { kind: 'hosting', port }, metrics: { kind: 'hosting', port: metricsPort } });
      assert.deepEqual(await second.start(), { websocket: { kind: 'standby', retryMs: 100 }, metrics: { kind: 'standby', retryMs: 100 } });
      await first.stop();
      await until(3000, () => log.includes(`second websocket hosting ws://127.0.0.1:${port}`) && log.includes(`second metrics hosting http://127.0.0.1:${metricsPort}/metrics`));
      const scrape = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      assert.equal(scrape.status, 200);
      assert.match(await scrape.text(), /# TYPE skill_invocations_total counter/);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
      await env.close();
    }
  });
});
