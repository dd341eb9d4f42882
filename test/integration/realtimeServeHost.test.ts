import assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { SkillStore } from '../../src/core/store/store';
import { claudeCodeRecords, exportLogs } from '../helpers/otlpClient';
import { ago, plant, tempDir } from '../helpers/store';
import { TestClient } from './realtime-client';
import { hostPidOf, httpGet, killHostOf, runCliSync, startServe, type ServeProcess } from './realtime-test-support';

// `session-buddy serve` beside a running store host (the built CLI and host script; npm test builds
// them first): the host runs the servers on the store it holds, and `serve` never opens the file.
const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const scratch = tempDir('sb-serve-host-');
const db = path.join(scratch.dir, 'skills.db');
const children: ChildProcessWithoutNullStreams[] = [];

/** A preload that makes the process fail at any open of the database: it shows `serve` never loads the store. */
const neverOpens = { NODE_OPTIONS: `--require ${path.join(ROOT, 'test', 'fixtures', 'preload', 'forbidDatabase.cjs')}`, SB_FORBIDDEN_FILE: db };
const withRunningHost = { SESSION_BUDDY_DB: '', SESSION_BUDDY_HOST: '', SESSION_BUDDY_HOST_IDLE_SECONDS: '60' };

const hostPid = () => hostPidOf(db);

before(async () => {
  assert.ok(fs.existsSync(CLI), 'dist/cli.js is built (npm test builds it first)');
  const seed = await SkillStore.open({ path: db, pollMs: 0 });
  await plant(seed, [{ skill: 'pytest-run', at: ago.minutes(2), duration: 1.5 }]);
  await seed.close();
  const started = runCliSync(['--db', db, 'metrics', '--json'], { ...withRunningHost, SESSION_BUDDY_HOST: 'on' });
  assert.equal(started.code, 0, started.err);
  assert.ok(hostPid(), 'the store host runs');
});

after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  killHostOf(db);
  scratch.cleanup();
});

function serve(args: string[]): Promise<ServeProcess> {
  return startServe(db, args, { ...withRunningHost, ...neverOpens }, children);
}

const get = httpGet;

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('session-buddy serve beside a running store host', () => {
  test('the host serves both ports from its store, sees runs recorded meanwhile, and stops them when serve stops', async () => {
    const served = await serve(['--port', '0', '--metrics-port', '0', '--interval', '0.2']);
    assert.match(served.out, /Served by the store host of /);
    const ws = /Real-time metrics: (ws:\/\/\S+)/.exec(served.out)![1];
    const metrics = /Prometheus metrics: (http:\/\/\S+)/.exec(served.out)![1];
    assert.match(ws, /^ws:\/\/127\.0\.0\.1:\d+$/);
    assert.match(served.out, new RegExp(`Token file: ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.token`));
    const token = fs.readFileSync(`${db}.token`, 'utf8').trim();

    const client = await TestClient.connect(ws);
    client.send({ token });
    await client.next('connected');
    const first = await client.next('metrics_update', 10_000);
    assert.deepEqual((first.data as { top_skills: { skill_name: string; invocation_count: number }[] }).top_skills.map((s) => [s.skill_name, s.invocation_count]), [['pytest-run', 1]]);

    const tracked = runCliSync(['--db', db, 'track', '--skill', 'pytest-run', '--duration', '2'], withRunningHost);
    assert.equal(tracked.code, 0, tracked.err);
    await client.next('metrics_update', 10_000, (m) => (m.data as { top_skills: { invocation_count: number }[] }).top_skills[0]?.invocation_count === 2);

    assert.equal((await get(metrics)).status, 401, 'the token is required on /metrics by default');
    const scrape = await get(metrics, { Authorization: `Bearer ${token}` });
    assert.equal(scrape.status, 200);
    const total = parsePrometheusTextFormat(scrape.body).find((f) => f.name === 'skill_invocations_total')!.metrics.reduce((s, m) => s + Number(m.value), 0);
    assert.equal(total, 2);

    served.child.kill('SIGTERM');
    assert.equal(await served.exit, 0, served.err());
    assert.equal((await client.closedWith()).code, 1001, 'clients are told the server is going away');
    const port = Number(new URL(ws).port);
    const deadline = Date.now() + 10_000;
    while (!(await refused(port))) {
      assert.ok(Date.now() < deadline, 'the host stops the servers once serve has gone');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(hostPid(), 'the host itself keeps running for the others');
  });

  test('with --otlp-port the host receives agents\' telemetry and records the runs in its store', async () => {
    const served = await serve(['--port', '0', '--no-metrics', '--otlp-port', '0']);
    assert.match(served.out, /Served by the store host of /);
    const endpoint = /Agent telemetry \(OTLP\/HTTP\): (http:\/\/127\.0\.0\.1:(\d+)) \(bearer token required\)/.exec(served.out);
    assert.ok(endpoint, served.out);
    const token = fs.readFileSync(`${db}.token`, 'utf8').trim();
    const records = await claudeCodeRecords([
      { sessionId: 'claude-h', toolName: 'Bash', success: true, durationMs: 900, toolUseId: 'toolu_h1', parameters: { full_command: 'cargo test' } },
      { sessionId: 'claude-h', toolName: 'Bash', success: false, durationMs: 1100, toolUseId: 'toolu_h2', parameters: { full_command: 'cargo test --all' } },
    ]);
    assert.equal((await exportLogs(endpoint[1], undefined, 'protobuf', records)).ok, false, 'refused without the token');
    assert.deepEqual(await exportLogs(endpoint[1], token, 'protobuf', records), { ok: true, error: undefined });
    assert.deepEqual(await exportLogs(endpoint[1], token, 'json', records), { ok: true, error: undefined }, 'a replay is accepted');

    const byAgent = runCliSync(['--db', db, 'tool', 'get_real_time_metrics', '--args', JSON.stringify({ source: 'agent', time_window_hours: 24 })], { ...withRunningHost, ...neverOpens });
    assert.equal(byAgent.code, 0, byAgent.err);
    const top = (JSON.parse(byAgent.out) as { top_skills: { skill_name: string; invocation_count: number }[] }).top_skills;
    assert.deepEqual(top.map((s) => [s.skill_name, s.invocation_count]), [['cargo-test', 2]], 'recorded once, as the agent\'s');

    served.child.kill('SIGTERM');
    assert.equal(await served.exit, 0, served.err());
    const port = Number(endpoint[2]);
    const deadline = Date.now() + 10_000;
    while (!(await refused(port))) {
      assert.ok(Date.now() < deadline, 'the host stops the receiver once serve has gone');
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  test('a port that is taken is the command\'s error, as without the host', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const second = runCliSync(['--db', db, 'serve', '--port', String(port), '--no-metrics'], { ...withRunningHost, ...neverOpens });
      assert.equal(second.code, 1, second.err);
      assert.match(second.err, new RegExp(`port ${port} is in use`));
    } finally {
      blocker.close();
    }
  });
});
