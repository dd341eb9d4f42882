import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { StoreMetricsSource } from '../../src/core/realtime/metricsFeed';
import { V1_SUBPROTOCOL } from '../../src/core/realtime/protocol';
import { RealtimeServer } from '../../src/core/realtime/websocketServer';
import { ago, plant, tempStore } from '../helpers/store';

const TOKEN = 'anchor-client-token-0123456789abcdef';
const CLIENT = path.join(__dirname, '..', 'fixtures', 'anchor', 'websocket_client.py');

/** A Python with the websockets package (Debian's python3-websockets, installed by the test setup). */
function pythonWithWebsockets(): string | undefined {
  return ['/usr/bin/python3', 'python3'].find((python) => spawnSync(python, ['-c', 'import websockets'], { stdio: 'ignore' }).status === 0);
}

let env: Awaited<ReturnType<typeof tempStore>>;
let server: RealtimeServer;

before(async () => {
  env = await tempStore();
  // Lifetime totals the anchor reports: pytest-run 6 of 8 completed (durations of completed runs 1..6),
  // ruff-check 4 of 4 at 0.5 s, old-skill 1 of 3, two days ago (outside any recent window).
  await plant(env.store, [
    ...[1, 2, 3, 4, 5, 6].map((d, i) => ({ skill: 'pytest-run', at: ago.minutes(10 + i), duration: d })),
    { skill: 'pytest-run', at: ago.minutes(20), completed: false, duration: 50 },
    { skill: 'pytest-run', at: ago.minutes(21), completed: false, duration: null },
    ...[0, 1, 2, 3].map((i) => ({ skill: 'ruff-check', at: ago.minutes(30 + i), duration: 0.5 })),
    { skill: 'old-skill', at: ago.days(2), duration: 9 },
    { skill: 'old-skill', at: ago.days(2), completed: false },
    { skill: 'old-skill', at: ago.days(2), completed: false },
  ]);
  const id = await env.store.nextId();
  await env.store.commit([
    { t: 'upsert', table: 'skill_anomalies', key: ['id'], rows: [{ id, skill_name: 'pytest-run', detected_at: ago.minutes(2).toISOString(), anomaly_type: 'drop', baseline_value: 0.95, observed_value: 0.5, deviation_score: -3.25, resolved_at: null }] },
  ]);
  server = new RealtimeServer({ source: new StoreMetricsSource(env.store), token: TOKEN, port: 0, intervalMs: 100 });
  await server.start();
});

after(async () => {
  await server.close();
  await env.close();
});

function firstUpdate(protocols: string[]): Promise<{ protocol: string; update: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${server.url}/?token=${TOKEN}`, protocols);
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as Record<string, unknown>;
      if (message.type !== 'metrics_update') return;
      resolve({ protocol: socket.protocol, update: message });
      socket.close();
    });
    socket.once('error', reject);
  });
}

describe("the anchor's own WebSocket client", () => {
  test('runs unmodified: it prints the lifetime totals and completion rates in percent, and the average duration', { skip: pythonWithWebsockets() ? false : 'needs python3 with websockets (apt-get install python3-websockets)' }, async () => {
    // The server runs in this process: the client must be waited for without blocking it.
    const run = await promisify(execFile)(pythonWithWebsockets()!, [CLIENT, `${server.url}/?token=${TOKEN}`, 'pytest-run'], { encoding: 'utf8', timeout: 60_000 });
    assert.deepEqual(run.stdout.trim().split('\n'), [
      'Server: Connected to Session-Buddy real-time metrics',
      'Subscription confirmed: None',
      'Top Skills: 3',
      '- pytest-run: 8 invocations, 75.0% completion',
      '- ruff-check: 4 invocations, 100.0% completion',
      '- old-skill: 3 invocations, 33.3% completion',
      'anomaly pytest-run: drop (score: -3.25)',
      'pytest-run: 8 invocations, 75.0% completion, 3.50s avg duration',
      'pong',
    ]);
  });

  test('without a subprotocol: exactly the anchor\u2019s keys; with session-buddy.v1: confirmed, and the window\u2019s shape with rates 0..1', async () => {
    const anchor = await firstUpdate([]);
    assert.equal(anchor.protocol, '');
    assert.deepEqual(Object.keys(anchor.update).sort(), ['data', 'timestamp', 'type']);
    const anchorData = anchor.update.data as { top_skills: Record<string, unknown>[]; anomalies: Record<string, unknown>[] };
    assert.deepEqual(Object.keys(anchorData.top_skills[0]), ['skill_name', 'total_invocations', 'completion_rate', 'avg_duration_seconds']);
    assert.deepEqual(Object.keys(anchorData.anomalies[0]), ['skill_name', 'detected_at', 'anomaly_type', 'deviation_score']);
    const v1 = await firstUpdate([V1_SUBPROTOCOL]);
    assert.equal(v1.protocol, V1_SUBPROTOCOL, 'the server confirms the subprotocol');
    const v1Data = v1.update.data as { top_skills: { skill_name: string; invocation_count: number; completion_rate: number }[] };
    const pytest = v1Data.top_skills.find((s) => s.skill_name === 'pytest-run')!;
    assert.equal(pytest.invocation_count, 8);
    assert.equal(pytest.completion_rate, 0.75);
    assert.equal(v1Data.top_skills.some((s) => s.skill_name === 'old-skill'), false, 'the last hour only');
    assert.equal(v1.update.window_hours, 1);
  });
});
