import assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import { after, describe, test } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { SkillStore } from '../../src/core/store/store';
import { ago, plant, tempDir, dbIn } from '../helpers/store';
import { TestClient } from './realtime-client';
import { httpGet, runCliSync, startServe, type ServeProcess } from './realtime-test-support';

const scratch = tempDir('sb-serve-');
const children: ChildProcessWithoutNullStreams[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  scratch.cleanup();
});

interface Served extends ServeProcess {
  ws: string;
  metrics?: string;
  tokenFile?: string;
}

/** Starts `serve` and reads the URLs from its banner. */
async function serve(db: string, args: string[]): Promise<Served> {
  const served = await startServe(db, args, {}, children);
  return {
    ...served,
    ws: /Real-time metrics: (ws:\/\/\S+)/.exec(served.out)![1],
    metrics: /Prometheus metrics: (http:\/\/\S+)/.exec(served.out)?.[1],
    tokenFile: /Token file: (.+)/.exec(served.out)?.[1],
  };
}

const get = httpGet;

describe('session-buddy serve', () => {
  test('prints the URLs and the token file (mode 0600 beside the database), serves both ports, stops cleanly on SIGTERM', async () => {
    const db = dbIn(scratch.dir, 'a');
    const seed = await SkillStore.open({ path: db, pollMs: 0 });
    await plant(seed, [{ skill: 'pytest-run', at: ago.minutes(2), duration: 1.5 }]);
    await seed.close();

    const served = await serve(db, ['--port', '0', '--metrics-port', '0', '--interval', '0.2']);
    assert.equal(served.tokenFile, `${db}.token`);
    if (process.platform !== 'win32') assert.equal(fs.statSync(served.tokenFile!).mode & 0o777, 0o600);
    const token = fs.readFileSync(served.tokenFile!, 'utf8').trim();
    assert.match(served.ws, /^ws:\/\/127\.0\.0\.1:\d+$/);

    const client = await TestClient.connect(served.ws);
    client.send({ token });
    await client.next('connected');
    const first = await client.next('metrics_update', 10_000);
    assert.deepEqual((first.data as { top_skills: { skill_name: string; invocation_count: number }[] }).top_skills.map((s) => [s.skill_name, s.invocation_count]), [['pytest-run', 1]]);

    // Another process records while serve runs (serve reads the store without polling: it pulls per tick).
    const other = await SkillStore.open({ path: db, pollMs: 0 });
    await plant(other, [{ skill: 'pytest-run', at: ago.minutes(1), session: 'other', duration: 2 }]);
    await other.close({ snapshot: false });
    await client.next('metrics_update', 10_000, (m) => (m.data as { top_skills: { invocation_count: number }[] }).top_skills[0]?.invocation_count === 2);

    assert.equal((await get(served.metrics!)).status, 401, 'the token is required on /metrics by default');
    const scrape = await get(served.metrics!, { Authorization: `Bearer ${token}` });
    assert.equal(scrape.status, 200);
    const families = parsePrometheusTextFormat(scrape.body);
    const total = families.find((f) => f.name === 'skill_invocations_total')!.metrics.reduce((s, m) => s + Number(m.value), 0);
    assert.equal(total, 2);

    served.child.kill('SIGTERM');
    assert.equal(await served.exit, 0);
    assert.equal((await client.closedWith()).code, 1001, 'clients are told the server is going away');
  });

  test('a second serve on a taken port fails with a clear message; --no-auth and --no-metrics-auth need a loopback host', async () => {
    const db = dbIn(scratch.dir, 'b');
    const first = await serve(db, ['--port', '0', '--metrics-port', '0', '--no-auth', '--no-metrics-auth']);
    assert.match(first.out, /Authentication is off/);
    assert.match(first.out, /\(no token: --no-metrics-auth\)/);
    assert.equal((await get(first.metrics!)).status, 200, '/metrics without the token, as asked');
    assert.equal(fs.existsSync(`${db}.token`), false, 'no token is created when none is needed');
    const port = new URL(first.ws).port;
    const second = runCliSync(['--db', db, 'serve', '--port', port, '--no-metrics']);
    assert.equal(second.code, 1);
    assert.match(second.err, new RegExp(`port ${port} is in use`));
    first.child.kill('SIGINT');
    assert.equal(await first.exit, 0);

    const exposed = runCliSync(['--db', db, 'serve', '--host', '0.0.0.0', '--no-auth']);
    assert.equal(exposed.code, 2);
    assert.match(exposed.err, /--no-auth is refused with --host 0\.0\.0\.0/);
    const openMetrics = runCliSync(['--db', db, 'serve', '--host', '0.0.0.0', '--no-metrics-auth']);
    assert.equal(openMetrics.code, 2);
    assert.match(openMetrics.err, /--no-metrics-auth is refused with --host 0\.0\.0\.0/);
    const badPort = runCliSync(['--db', db, 'serve', '--port', '70000']);
    assert.equal(badPort.code, 2);
    assert.match(badPort.err, /--port must be a port number/);
  });
});
