import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { MetricsSource } from '../../src/core/realtime/metricsFeed';
import { CLOSE, REALTIME_DEFAULTS, RealtimeServer } from '../../src/core/realtime/websocketServer';
import { SkillStore } from '../../src/core/store/store';
import { tempDir } from '../helpers/store';
import { TestClient } from './realtime-client';
import { cliCommand } from './realtime-test-support';

const TOKEN = 'abuse-token-0123456789abcdef012345678';
const ROOT = path.join(__dirname, '..', '..');
const empty = async (subs: ReadonlySet<string | null>) => new Map([...subs].map((s) => [s, { top_skills: [], anomalies: [] }]));
const source: MetricsSource = { windowHours: 1, collect: empty, collectAnchor: empty };
const servers: RealtimeServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function start(options: ConstructorParameters<typeof RealtimeServer>[0] extends infer O ? Partial<O> : never, log: string[] = []) {
  const server = new RealtimeServer({ source, token: TOKEN, port: 0, intervalMs: 50, onLog: (m) => log.push(m), ...options });
  servers.push(server);
  await server.start();
  return server;
}

/** A client that completes the WebSocket handshake and then never reads another byte. */
function rawClient(port: number, pathAndQuery: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      const key = crypto.randomBytes(16).toString('base64');
      socket.write(`GET ${pathAndQuery} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    socket.once('data', (head) => {
      if (!String(head).startsWith('HTTP/1.1 101')) return reject(new Error(String(head).split('\r\n')[0]));
      socket.pause();
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** A masked text frame, as a client must send it. */
function frame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = crypto.randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}

async function until(ms: number, check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the real-time server under abuse', () => {
  test('a client that authenticates and never reads is closed once its unsent data passes the budget, whatever it asks for, and logged once', async () => {
    const log: string[] = [];
    const server = await start({ maxBufferedBytes: 256 * 1024 }, log);
    const { port } = server.address();
    const silent = await rawClient(port, `/?token=${TOKEN}`);
    const ping = frame(JSON.stringify({ type: 'ping' }));
    for (let i = 0; i < 200_000 && server.clientCount > 0; i++) {
      if (!silent.write(ping)) await new Promise((r) => setTimeout(r, 1));
    }
    await until(10_000, () => server.clientCount === 0, 'the non-reading client is dropped');
    assert.equal(log.filter((m) => /does not read its messages/.test(m)).length, 1, log.join('\n'));
    assert.ok(log.length <= 2, `logged ${log.length} lines`);
    silent.destroy();
    const reader = await TestClient.connect(`${server.url}/?token=${TOKEN}`);
    await reader.next('connected');
    await reader.next('metrics_update');
    await reader.close();
  });

  test('200 sockets that never present a token cannot keep a token holder out', async () => {
    const server = await start({});
    const waiting = await Promise.all(Array.from({ length: 200 }, () => TestClient.connect(server.url).catch(() => undefined)));
    await until(5000, () => server.clientCount <= REALTIME_DEFAULTS.maxPending, 'the waiting pool stays small');
    let admitted = 0;
    for (let i = 0; i < 15; i++) {
      const holder = await TestClient.connect(`${server.url}/?token=${TOKEN}`);
      if ((await holder.next('connected', 2000)).authenticated === true) admitted++;
      await holder.close();
    }
    assert.equal(admitted, 15);
    const byMessage = await TestClient.connect(server.url);
    byMessage.send({ token: TOKEN });
    assert.equal((await byMessage.next('connected', 2000)).authenticated, true, 'a token sent as the first message gets in too');
    await byMessage.close();
    const refused = waiting.filter((c) => c?.closed?.code === CLOSE.tooManyClients).length;
    assert.ok(refused >= 200 - REALTIME_DEFAULTS.maxPending, `${refused} waiting sockets were made to leave`);
    for (const c of waiting) c?.socket.terminate();
  });
});

describe('the MCP server under abuse', () => {
  test('malformed JSON, a non-JSON-RPC message, bad parameters and an 11 MiB line each get their JSON-RPC error; the server keeps serving', async () => {
    const scratch = tempDir('sb-mcp-abuse-');
    const db = path.join(scratch.dir, 'skills.db');
    await (await SkillStore.open({ path: db, pollMs: 0 })).close();
    const child = spawn(process.execPath, [...cliCommand(), '--db', db, 'mcp'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, SESSION_BUDDY_DB: undefined } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const replies = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id?: unknown; error?: { code: number; message: string }; result?: { tools?: unknown[] } });
    const send = (line: string) => child.stdin.write(`${line}\n`);
    try {
      send('{"jsonrpc": "2.0", "id": 1, "method": ');
      send('{"jsonrpc": "2.0", "method": 7}');
      send(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }));
      send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
      send(JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 5, arguments: [] } }));
      child.stdin.write(`${'x'.repeat(11 * 1024 * 1024)}\n`);
      send(JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'tools/list' }));
      await until(20_000, () => replies().some((r) => r.id === 6), 'tools/list is answered after the abuse');
      const all = replies();
      const errors = all.filter((r) => r.id === null).map((r) => r.error?.code);
      assert.deepEqual(errors, [-32700, -32600, -32600], 'parse error, invalid request, oversized line, in that order');
      assert.match(all.filter((r) => r.id === null)[2].error!.message, /over 4194304 bytes/);
      const params = all.find((r) => r.id === 4)!;
      assert.equal(params.error?.code, -32602);
      assert.ok(!params.error!.message.includes('\n') && params.error!.message.length < 300, params.error!.message);
      assert.ok((all.find((r) => r.id === 6)?.result?.tools?.length ?? 0) >= 10);
      assert.equal(child.exitCode, null, 'still running');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      scratch.cleanup();
    }
  });
});
