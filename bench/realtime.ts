// npm run bench -- realtime [--clients 100] [--seconds 20] [--days 2]
// metrics_update delivery latency to N WebSocket clients (in a separate process) and the server's
// CPU share; /metrics scrape time and MCP tool-call latency on a 100k-invocation store.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import WebSocket from 'ws';
import { PrometheusExporter } from '../src/core/realtime/prometheusExporter';
import { StoreMetricsSource } from '../src/core/realtime/metricsFeed';
import { RealtimeServer } from '../src/core/realtime/websocketServer';
import { SkillStore } from '../src/core/store/store';
import { MIGRATIONS, percentile, printTable, ROOT, round, writeResult } from './common';
import { SKILLS, seedStore } from './seed';

const INVOCATIONS = 100_000;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** The client side, run in its own process: connects N clients, reports each update's delay. */
async function clients(url: string, token: string, count: number, seconds: number): Promise<void> {
  const delays: number[] = [];
  let connected = 0;
  const sockets = Array.from({ length: count }, () => {
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } });
    ws.on('open', () => connected++);
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; timestamp: string };
      if (message.type === 'metrics_update') delays.push(Date.now() - Date.parse(message.timestamp));
    });
    return ws;
  });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  for (const ws of sockets) ws.terminate();
  process.send!({ connected, delays });
}

async function deliveryLatency(store: SkillStore, count: number, seconds: number) {
  const token = 'b'.repeat(43);
  const server = new RealtimeServer({ source: new StoreMetricsSource(store), token, port: 0, intervalMs: 1000, maxClients: count + 10 });
  const { port } = await server.start();
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const child = fork(__filename, ['--clients-child', `ws://127.0.0.1:${port}/`, token, String(count), String(seconds)]);
  const result = await new Promise<{ connected: number; delays: number[] }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { connected: number; delays: number[] }));
    child.once('error', reject);
  });
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - wallBefore;
  await server.close();
  return {
    clients: result.connected,
    updates: result.delays.length,
    delivery_ms_p50: percentile(result.delays, 50),
    delivery_ms_p99: percentile(result.delays, 99),
    server_cpu_percent_of_one_core: round(((cpu.user + cpu.system) / 1000 / wallMs) * 100, 1),
  };
}

async function scrapeTimes(store: SkillStore) {
  const exporter = new PrometheusExporter(store, { port: 0 });
  const { port } = await exporter.start();
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 31; i++) {
    const started = performance.now();
    const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    if (i > 0) times.push(performance.now() - started);
    bytes = body.length;
  }
  await exporter.close();
  return { scrape_ms_p50: round(percentile(times, 50), 1), scrape_ms_p99: round(percentile(times, 99), 1), scrape_bytes: bytes };
}

async function mcpLatency(file: string) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [path.join(ROOT, 'dist', 'cli.js'), '--db', file, 'mcp'], stderr: 'ignore' });
  const client = new Client({ name: 'session-buddy-bench', version: '0.0.0' });
  await client.connect(transport);
  const calls: [string, Record<string, unknown>][] = [
    ['get_real_time_metrics', { limit: 10 }],
    ['get_skill_trend', { skill_name: SKILLS[0] }],
    ['get_skill_dependencies', { skill_name: SKILLS[0] }],
    ['get_community_baselines', {}],
    ['detect_anomalies', {}],
  ];
  const rows = [];
  for (const [name, args] of calls) {
    await client.callTool({ name, arguments: args });
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      await client.callTool({ name, arguments: args });
      times.push(performance.now() - started);
    }
    rows.push({ tool: name, mcp_ms_p50: round(percentile(times, 50), 1), mcp_ms_p99: round(percentile(times, 99), 1) });
  }
  await client.close();
  return rows;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--clients-child') return clients(process.argv[3], process.argv[4], Number(process.argv[5]), Number(process.argv[6]));
  const count = option('clients', 100);
  const seconds = option('seconds', 20);
  // How many days the invocations span: 2 puts half of them in the last 24 h (the densest case for the
  // windowed tools and a busy real-time feed); 30 is a month of steady use.
  const days = option('days', 2);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-realtime-'));
  const file = path.join(dir, 'skills.db');
  await seedStore(file, { invocations: INVOCATIONS, users: 10, days, migrationsDir: MIGRATIONS });
  const store = await SkillStore.open({ path: file, pollMs: 0, migrationsDir: MIGRATIONS });
  try {
    const delivery = await deliveryLatency(store, count, seconds);
    const scrape = await scrapeTimes(store);
    const mcp = await mcpLatency(file);
    printTable([{ invocations: INVOCATIONS, days, seconds, ...delivery, ...scrape }]);
    console.log();
    printTable(mcp);
    const out = writeResult(days === 2 ? 'realtime' : `realtime-${days}d`, {
      machine: { cpus: os.cpus().length, node: process.version },
      measured_at: new Date().toISOString(),
      goals: { scrape_ms_at_100k: '<= 50', mcp_ms_at_100k: '<= 50' },
      invocations: INVOCATIONS,
      days,
      delivery: { seconds, ...delivery },
      scrape,
      mcp,
    });
    console.log(`\nwritten ${out}`);
  } finally {
    await store.close({ snapshot: false });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
