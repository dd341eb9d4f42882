import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { StoreMetricsSource, type MetricsSource } from '../../src/core/realtime/metricsFeed';
import type { MetricsPayload } from '../../src/core/realtime/protocol';
import { CLOSE, RealtimeServer, type RealtimeServerOptions } from '../../src/core/realtime/websocketServer';
import { SkillStore } from '../../src/core/store/store';
import { ago, plant, tempStore, type PlantedInvocation } from '../helpers/store';
import { TestClient, type Message } from './realtime-client';

const TOKEN = 'test-token-0123456789abcdef0123456789';
const ROOT = path.join(__dirname, '..', '..');

type Store = Awaited<ReturnType<typeof tempStore>>;
let env: Store;
const servers: RealtimeServer[] = [];

/** 11 busy skills (6 runs each, 4 completed), and one rare skill outside the top 10. */
function plantedRuns(): PlantedInvocation[] {
  const runs: PlantedInvocation[] = [];
  for (let s = 1; s <= 11; s++) {
    for (let i = 0; i < 6; i++) {
      runs.push({ skill: `skill-${String(s).padStart(2, '0')}`, at: ago.minutes(5 + i), completed: i < 4, duration: s + i / 10 });
    }
  }
  runs.push({ skill: 'rare-skill', at: ago.minutes(10), completed: true, duration: 3 });
  runs.push({ skill: 'rare-skill', at: ago.minutes(20), completed: false, duration: 9 });
  runs.push({ skill: 'rare-skill', at: ago.hours(2), completed: true, duration: 1 });
  return runs;
}

before(async () => {
  env = await tempStore();
  await plant(env.store, plantedRuns());
  const [open, resolved] = [await env.store.nextId(), await env.store.nextId()];
  await env.store.commit([
    {
      t: 'upsert',
      table: 'skill_anomalies',
      key: ['id'],
      rows: [
        { id: open, skill_name: 'rare-skill', detected_at: ago.minutes(3).toISOString(), anomaly_type: 'drop', baseline_value: 0.9, observed_value: 0.5, deviation_score: -2.5, resolved_at: null },
        { id: resolved, skill_name: 'skill-01', detected_at: ago.hours(3).toISOString(), anomaly_type: 'spike', baseline_value: 1, observed_value: 4, deviation_score: 3, resolved_at: ago.hours(2).toISOString() },
      ],
    },
  ]);
});

after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await env.close();
});

async function startServer(options: Partial<RealtimeServerOptions> = {}): Promise<{ server: RealtimeServer; url: string }> {
  const server = new RealtimeServer({
    source: new StoreMetricsSource(env.store),
    token: TOKEN,
    port: 0,
    intervalMs: 100,
    ...options,
  });
  servers.push(server);
  await server.start();
  return { server, url: server.url };
}

const bearer = { Authorization: `Bearer ${TOKEN}` };

async function within<T>(ms: number, check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('real-time WebSocket server: messages', () => {
  let url: string;
  before(async () => ({ url } = await startServer()));

  test('connected on connect, then metrics_update with the recent top 10 and the open anomalies', async () => {
    const client = await TestClient.connect(url, { headers: bearer });
    const connected = await client.next('connected');
    assert.equal(connected.authenticated, true);
    assert.equal(connected.message, 'Connected to Session-Buddy real-time metrics');
    const update = await client.next('metrics_update');
    const data = update.data as MetricsPayload;
    assert.equal(update.skill, null);
    assert.equal(data.top_skills.length, 10, 'the anchor sends at most 10');
    assert.ok(!data.top_skills.some((s) => s.skill_name === 'rare-skill'), 'the rare skill is not in the top 10');
    for (const s of data.top_skills) {
      assert.equal(s.invocation_count, 6);
      assert.equal(s.completed_count, 4);
      assert.equal(s.completion_rate, 4 / 6, 'rates are 0..1');
    }
    const skill03 = data.top_skills.find((s) => s.skill_name === 'skill-03')!;
    assert.ok(Math.abs(skill03.avg_duration_seconds! - 3.25) < 1e-9, 'mean duration of every run 3.0..3.5 (failed ones too)');
    assert.deepEqual(
      data.anomalies.map((a) => [a.skill_name, a.anomaly_type, a.deviation_score]),
      [['rare-skill', 'drop', -2.5]],
      'only open anomalies',
    );
    await client.close();
  });

  test('subscribe with key "skill" → subscription_confirmed, then updates for that skill even outside the top 10; unsubscribe → all skills', async () => {
    const client = await TestClient.connect(url, { headers: bearer });
    await client.next('connected');
    client.send({ type: 'subscribe', skill: 'rare-skill' });
    const confirmed = await client.next('subscription_confirmed');
    assert.equal(confirmed.skill, 'rare-skill');
    const update = await client.next('metrics_update', 5000, (m) => m.skill === 'rare-skill');
    const data = update.data as MetricsPayload;
    assert.deepEqual(
      data.top_skills.map((s) => [s.skill_name, s.invocation_count, s.completed_count, s.completion_rate, s.avg_duration_seconds]),
      [['rare-skill', 2, 1, 0.5, 6]],
      'the run two hours ago is outside the one-hour window',
    );
    assert.equal(data.anomalies.length, 1);
    const second = await client.next('metrics_update', 5000, (m) => m.skill === 'rare-skill');
    assert.equal((second.data as MetricsPayload).top_skills[0].skill_name, 'rare-skill', 'updates keep coming');

    client.send({ type: 'unsubscribe' });
    const back = await client.next('subscription_confirmed', 5000, (m) => m.skill === null);
    assert.equal(back.skill, null);
    const all = await client.next('metrics_update', 5000, (m) => m.skill === null);
    assert.equal((all.data as MetricsPayload).top_skills.length, 10);
    await client.close();
  });

  test('a skill with no recent run gets empty updates, not silence', async () => {
    const client = await TestClient.connect(url, { headers: bearer });
    await client.next('connected');
    client.send({ type: 'subscribe', skill: 'never-ran' });
    await client.next('subscription_confirmed');
    const update = await client.next('metrics_update', 5000, (m) => m.skill === 'never-ran');
    assert.deepEqual(update.data, { top_skills: [], anomalies: [] });
    await client.close();
  });

  test('ping → pong', async () => {
    const client = await TestClient.connect(url, { headers: bearer });
    await client.next('connected');
    client.send({ type: 'ping' });
    const pong = await client.next('pong');
    assert.equal(typeof pong.timestamp, 'string');
    await client.close();
  });

  test('invalid JSON, unknown types and bad fields get an error {code, message}; the connection stays up', async () => {
    const client = await TestClient.connect(url, { headers: bearer });
    await client.next('connected');
    const cases: [unknown, string, RegExp][] = [
      ['{not json', 'invalid_json', /not valid JSON/],
      ['[1, 2]', 'invalid_message', /JSON object/],
      [{ skill: 'x' }, 'invalid_message', /string "type"/],
      [{ type: 'get_metrics' }, 'unknown_type', /unknown message type "get_metrics"/],
      [{ type: 'subscribe', skill: 42 }, 'invalid_field', /"skill" must be a string or null/],
      [{ type: 'subscribe', skill_name: 'pytest-run' }, 'invalid_field', /use the key "skill"/],
      [{ type: 'subscribe', skill: '   ' }, 'invalid_field', /skill name/],
      [{ type: 'subscribe', skill: 'x'.repeat(201) }, 'invalid_field', /skill name/],
    ];
    for (const [sent, code, message] of cases) {
      client.send(sent);
      const error = await client.next('error');
      assert.equal(error.code, code, JSON.stringify(sent));
      assert.match(String(error.message), message);
    }
    client.send({ type: 'ping' });
    await client.next('pong');
    assert.equal(client.closed, undefined);
    await client.close();
  });
});

describe('real-time WebSocket server: authentication', () => {
  let url: string;
  before(async () => ({ url } = await startServer({ authTimeoutMs: 400 })));

  test('accepted as Authorization: Bearer, as ?token= and as the first message {"token"}', async () => {
    const viaHeader = await TestClient.connect(url, { headers: bearer });
    assert.equal((await viaHeader.next('connected')).authenticated, true);
    const viaQuery = await TestClient.connect(`${url}/?token=${encodeURIComponent(TOKEN)}`);
    assert.equal((await viaQuery.next('connected')).authenticated, true);
    const viaMessage = await TestClient.connect(url);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(viaMessage.messages.length, 0, 'nothing is sent before the token');
    viaMessage.send({ token: TOKEN });
    assert.equal((await viaMessage.next('connected')).authenticated, true);
    await viaMessage.next('metrics_update');
    await Promise.all([viaHeader.close(), viaQuery.close(), viaMessage.close()]);
  });

  test('a wrong token in any form, a first message without the token, or no token within the timeout: close 4001', async () => {
    const wrongHeader = await TestClient.connect(url, { headers: { Authorization: 'Bearer wrong-token-wrong-token' } });
    assert.deepEqual(await wrongHeader.closedWith(), { code: CLOSE.authFailed, reason: 'Authentication failed' });
    const wrongQuery = await TestClient.connect(`${url}/?token=nope`);
    assert.equal((await wrongQuery.closedWith()).code, 4001);
    const wrongMessage = await TestClient.connect(url);
    wrongMessage.send({ token: `${TOKEN}x` });
    assert.equal((await wrongMessage.closedWith()).code, 4001);
    const pingFirst = await TestClient.connect(url);
    pingFirst.send({ type: 'ping' });
    assert.equal((await pingFirst.closedWith()).code, 4001);
    const silent = await TestClient.connect(url);
    const started = Date.now();
    assert.equal((await silent.closedWith()).code, 4001);
    assert.ok(Date.now() - started >= 300, 'closed by the timeout, not at once');
    for (const c of [wrongHeader, wrongQuery, wrongMessage, pingFirst, silent]) {
      assert.ok(!c.messages.some((m) => m.type === 'metrics_update'), 'no data before authentication');
    }
  });

  test('without a token requirement (loopback only) clients are admitted and told they are not authenticated', async () => {
    const { url: open } = await startServer({ token: null });
    const client = await TestClient.connect(open);
    assert.equal((await client.next('connected')).authenticated, false);
    await client.close();
    assert.throws(() => new RealtimeServer({ source: new StoreMetricsSource(env.store), token: null, host: '0.0.0.0' }), /refusing to serve without a token on 0.0.0.0/);
  });
});

describe('real-time WebSocket server: limits', () => {
  test('browser pages are refused unless their Origin is allowed; a rebinding Host header is refused', async () => {
    const { url } = await startServer({ allowedOrigins: ['http://localhost:3000'] });
    await assert.rejects(TestClient.connect(url, { headers: bearer, origin: 'https://evil.example' }), /HTTP 403/);
    const allowed = await TestClient.connect(url, { headers: bearer, origin: 'http://localhost:3000' });
    await allowed.next('connected');
    await allowed.close();
    const port = new URL(url).port;
    await assert.rejects(TestClient.connect(url, { headers: { ...bearer, Host: `attacker.example:${port}` } }), /HTTP 403/);
    const plainHttp = await new Promise<number>((resolve, reject) => http.get(url.replace('ws:', 'http:'), (res) => resolve(res.statusCode ?? 0)).on('error', reject));
    assert.equal(plainHttp, 426, 'a plain HTTP request is told to upgrade');
  });

  test('a message over 64 KiB closes that connection (1009); others and the server carry on', async () => {
    const { url } = await startServer();
    const big = await TestClient.connect(url, { headers: bearer });
    const other = await TestClient.connect(url, { headers: bearer });
    await big.next('connected');
    await other.next('connected');
    big.send(`"${'x'.repeat(60 * 1024)}"`);
    assert.equal((await big.next('error')).code, 'invalid_message', 'just under the limit: an ordinary bad message');
    big.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(65 * 1024) }));
    assert.equal((await big.closedWith()).code, 1009);
    other.send({ type: 'ping' });
    await other.next('pong');
    await other.next('metrics_update');
    await other.close();
  });

  test('clients beyond the limit are closed with 1013; a freed place can be taken again', async () => {
    const { url, server } = await startServer({ maxClients: 3 });
    const first = await Promise.all([1, 2, 3].map(() => TestClient.connect(url, { headers: bearer })));
    for (const c of first) await c.next('connected');
    const extra = await TestClient.connect(url, { headers: bearer });
    assert.equal((await extra.closedWith()).code, CLOSE.tooManyClients);
    await first[0].close();
    await within(2000, () => server.clientCount === 2);
    const again = await TestClient.connect(url, { headers: bearer });
    await again.next('connected');
    await Promise.all([again, first[1], first[2]].map((c) => c.close()));
  });
});

describe('real-time WebSocket server: store reads', () => {
  test('the store is read only while an admitted client is connected', async () => {
    let reads = 0;
    const counting: MetricsSource = {
      windowHours: 1,
      async collect(subscriptions) {
        reads++;
        return new Map([...subscriptions].map((s) => [s, { top_skills: [], anomalies: [] }]));
      },
      async collectAnchor(subscriptions) {
        reads++;
        return new Map([...subscriptions].map((s) => [s, { top_skills: [], anomalies: [] }]));
      },
    };
    const { url, server } = await startServer({ source: counting, intervalMs: 50, authTimeoutMs: 2000 });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(reads, 0, 'no client: no reads');
    const pending = await TestClient.connect(url);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(reads, 0, 'a client that has not authenticated: no reads');
    await pending.close();
    const client = await TestClient.connect(url, { headers: bearer });
    await client.next('metrics_update');
    await client.next('metrics_update');
    assert.ok(reads >= 2);
    await client.close();
    await within(2000, () => server.clientCount === 0);
    const after = reads;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(reads, after, 'no reads after the last client left');
  });

  test("other processes' events reach clients when the server pulls them (store opened without polling)", async () => {
    const { url } = await startServer({ source: new StoreMetricsSource(env.store, { pullEvents: true }) });
    const client = await TestClient.connect(url, { headers: bearer });
    client.send({ type: 'subscribe', skill: 'from-elsewhere' });
    await client.next('subscription_confirmed');
    const other = await SkillStore.open({ path: env.dbPath, pollMs: 0 });
    await plant(other, [{ skill: 'from-elsewhere', at: ago.minutes(1), session: 'other-process' }]);
    await other.close({ snapshot: false });
    const update = await client.next('metrics_update', 5000, (m) => (m.data as MetricsPayload).top_skills.length > 0);
    assert.equal((update.data as MetricsPayload).top_skills[0].invocation_count, 1);
    await client.close();
  });
});

describe('real-time WebSocket server: a client killed mid-stream', () => {
  test('a child-process client is SIGKILLed while receiving; the server drops it and keeps serving the others', async () => {
    const { url, server } = await startServer({ intervalMs: 50 });
    const survivor = await TestClient.connect(url, { headers: bearer });
    await survivor.next('connected');
    const script = `
      const { WebSocket } = require('ws');
      const ws = new WebSocket(process.argv[1], { headers: { Authorization: 'Bearer ' + process.argv[2] } });
      let updates = 0;
      ws.on('message', (d) => { if (JSON.parse(d).type === 'metrics_update' && ++updates === 3) process.stdout.write('streaming\\n'); });
      setTimeout(() => process.exit(3), 20000);`;
    const child = spawn(process.execPath, ['-e', script, url, TOKEN], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the child client never streamed')), 15_000);
      child.stdout.on('data', (d) => String(d).includes('streaming') && (clearTimeout(timer), resolve()));
    });
    assert.equal(server.clientCount, 2);
    const killed = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await killed;
    await within(5000, () => server.clientCount === 1);
    survivor.messages.length = 0;
    const updates: Message[] = [];
    for (let i = 0; i < 3; i++) updates.push(await survivor.next('metrics_update'));
    assert.equal(updates.length, 3);
    await survivor.close();
  });
});
