import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StoreMetricsSource, type MetricsSource } from '../../src/core/realtime/metricsFeed';
import { RealtimeServer } from '../../src/core/realtime/websocketServer';
import { ago, plant, tempStore, type PlantedInvocation } from '../helpers/store';
import { TestClient } from './realtime-client';

/** Bounded: 100 loopback clients, 60 seconds, one update per second. */
const CLIENTS = 100;
const SECONDS = 60;
const TOKEN = 'load-test-token-0123456789abcdef';

type Store = Awaited<ReturnType<typeof tempStore>>;
let env: Store;

before(async () => {
  env = await tempStore();
  const runs: PlantedInvocation[] = [];
  for (let s = 0; s < 30; s++) for (let i = 0; i < 10; i++) runs.push({ skill: `skill-${s}`, at: ago.minutes(1 + i * 5), completed: i % 4 !== 0, duration: 1 + s / 10 });
  await plant(env.store, runs);
});
after(() => env.close());

describe('real-time server under load', () => {
  test(`${CLIENTS} clients for ${SECONDS} s: every client gets every update, the store is read once per tick`, { timeout: (SECONDS + 60) * 1000 }, async (t) => {
    const store = new StoreMetricsSource(env.store);
    let reads = 0;
    const counting: MetricsSource = {
      windowHours: store.windowHours,
      collect(subscriptions) {
        reads++;
        return store.collect(subscriptions);
      },
      collectAnchor(subscriptions) {
        reads++;
        return store.collectAnchor(subscriptions);
      },
    };
    const server = new RealtimeServer({ source: counting, token: TOKEN, port: 0, intervalMs: 1000 });
    await server.start();
    const clients: TestClient[] = [];
    try {
      for (let i = 0; i < CLIENTS; i++) clients.push(await TestClient.connect(server.url, { headers: { Authorization: `Bearer ${TOKEN}` } }));
      for (const [i, c] of clients.entries()) {
        await c.next('connected');
        if (i % 2 === 1) {
          c.send({ type: 'subscribe', skill: `skill-${i % 30}` });
          await c.next('subscription_confirmed');
        }
      }
      global.gc?.();
      const heapBefore = process.memoryUsage().heapUsed;
      const start = Date.now();
      for (const c of clients) c.messages.length = 0;
      reads = 0;
      const lags: number[] = [];
      const counts = new Array<number>(CLIENTS).fill(0);
      const tallies = clients.map((c, i) =>
        (async () => {
          while (Date.now() - start < SECONDS * 1000) {
            const update = await c.next('metrics_update', 5000);
            lags.push(Date.now() - Date.parse(String(update.timestamp)));
            counts[i]++;
          }
        })(),
      );
      await Promise.all(tallies);
      const heapAfter = process.memoryUsage().heapUsed;
      const elapsed = (Date.now() - start) / 1000;

      lags.sort((a, b) => a - b);
      const p95 = lags[Math.floor(lags.length * 0.95)];
      t.diagnostic(`${CLIENTS} clients, ${elapsed.toFixed(1)} s: ${lags.length} updates delivered, min/client ${Math.min(...counts)}, store reads ${reads}, delivery lag p95 ${p95} ms, heap ${((heapAfter - heapBefore) / 1e6).toFixed(1)} MB`);
      assert.equal(server.clientCount, CLIENTS);
      assert.ok(clients.every((c) => c.closed === undefined), 'no client was dropped');
      assert.ok(Math.min(...counts) >= SECONDS - 3, `every client got (nearly) every tick: min ${Math.min(...counts)}`);
      assert.ok(reads <= SECONDS + 3, `one store read per tick for all clients (${reads} reads)`);
      assert.ok(!clients.some((c) => c.messages.some((m) => m.type === 'error')));
      assert.ok(p95 < 500, `updates arrive promptly (p95 ${p95} ms)`);
      assert.ok(heapAfter - heapBefore < 50e6, 'memory stays bounded');
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await server.close();
    }
  });
});
