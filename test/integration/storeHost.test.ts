import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TodaySummary } from '../../src/core/dashboard/today';
import { dayOf, type CalendarDay } from '../../src/core/days';
import { connectToHost, HostRequestFailedError, type HostConnection } from '../../src/core/host/hostClient';
import { hostPaths } from '../../src/core/host/hostPaths';
import { HOST_PROTOCOL } from '../../src/core/host/protocol';
import { JobsDelegation } from '../../src/core/host/jobsDelegation';
import { JobLease } from '../../src/core/store/jobLease';
import { SkillStore } from '../../src/core/store/store';
import { SkillTracker } from '../../src/core/tracking/tracker';
import { generateToken, readTokenFile, writeTokenFile } from '../../src/core/realtime/token';
import { fileEngineProblem } from '../../src/core/store/nodeSqlite';
import { storePaths } from '../../src/core/store/paths';
import { dbIn, tempDir } from '../helpers/store';

// The store host through the built CLI and host script (npm test builds them first), as real
// detached processes on real sockets. The host runs on the runtime of this test: sql.js under
// Node 20, node:sqlite in the file-backed pass. Host processes are counted in /proc: Linux only.
const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const HOST = path.join(ROOT, 'dist', 'store-host.js');
const skip = process.platform !== 'linux' ? 'counts host processes in /proc (Linux only)' : undefined;
const ENGINE = fileEngineProblem() ? 'sql.js' : 'node:sqlite';

const scratch = tempDir('sb-host-');
const started = new Set<string>();
after(() => {
  for (const db of started) for (const pid of hostPids(db)) process.kill(pid, 'SIGKILL');
  scratch.cleanup();
});
before(() => assert.ok(fs.existsSync(CLI) && fs.existsSync(HOST), 'dist/cli.js and dist/store-host.js are built (npm test builds them first)'));

interface Run {
  code: number | null;
  out: string;
  err: string;
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, SESSION_BUDDY_DB: '', SESSION_BUDDY_HOST: 'off', ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/** The CLI asking the host, which stays this long without clients. */
function viaHost(db: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  started.add(db);
  return cli(['--db', db, ...args], { SESSION_BUDDY_HOST: 'on', SESSION_BUDDY_HOST_IDLE_SECONDS: '30', ...env });
}

function local(db: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return cli(['--db', db, ...args], env);
}

/** A store with three runs of two skills, recorded the usual way (no host). */
async function seededStore(name: string): Promise<string> {
  const db = dbIn(scratch.dir, name);
  for (const args of [['--skill', 'pytest-run', '--duration', '2'], ['--skill', 'pytest-run', '--failed'], ['--skill', 'lint']]) {
    const run = await local(db, ['track', ...args]);
    assert.equal(run.code, 0, run.err);
  }
  return db;
}

/** The running host processes of this store, from their command lines. */
function hostPids(db: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (argv.includes(HOST) && argv[argv.indexOf('--db') + 1] === db && !isZombie(entry)) pids.push(Number(entry));
  }
  return pids;
}

function isZombie(pid: string): boolean {
  try {
    return / Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\)/, ''));
  } catch {
    return true;
  }
}

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function connect(db: string): Promise<HostConnection> {
  started.add(db);
  return connectToHost({ db, hostScript: HOST, idleSeconds: 30 });
}

/** Sends raw lines on the host's socket and collects what comes back until the host closes the connection. */
function rawExchange(socket: string, lines: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const conn = net.connect(socket);
    let text = '';
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(lines.map((l) => `${l}\n`).join('')));
    conn.on('data', (chunk: string) => (text += chunk));
    conn.on('error', reject);
    conn.on('close', () => resolve(text.split('\n').filter(Boolean)));
  });
}

/** A user id other than this one's; running as it needs root (CI containers run the tests as root). */
const ANOTHER_UID = 65534;
const asAnotherUserSkip = process.getuid?.() === 0 ? undefined : 'needs root to start a process as another user';

/**
 * From a separate process, as `uid` if given: whether the socket's path is reachable, the token
 * file readable and the socket connectable (each "ok"/"read"/"connected", or the error code).
 */
function probeHost(socket: string, token: string, uid?: number): Promise<Record<string, string>> {
  const script = `
    const fs = require('node:fs');
    const net = require('node:net');
    const [socket, token] = process.argv.slice(1);
    const seen = {};
    try { fs.statSync(socket); seen.stat = 'ok'; } catch (err) { seen.stat = err.code; }
    try { fs.readFileSync(token); seen.token = 'read'; } catch (err) { seen.token = err.code; }
    const conn = net.connect(socket);
    conn.on('connect', () => { seen.connect = 'connected'; conn.destroy(); console.log(JSON.stringify(seen)); });
    conn.on('error', (err) => { seen.connect = err.code; console.log(JSON.stringify(seen)); });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, socket, token], uid === undefined ? {} : { uid, gid: uid });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(JSON.parse(out) as Record<string, string>));
  });
}

describe(`store host (${ENGINE})`, { skip }, () => {
  test('two clients share one host, which answers metrics, sql and tools as the store opened in-process does', async () => {
    const db = await seededStore('shared');
    const expected = await local(db, ['metrics', '--json']);
    assert.equal(expected.code, 0, expected.err);
    const first = await viaHost(db, ['metrics', '--json']);
    assert.equal(first.code, 0, first.err);
    assert.equal(first.err, '', 'no fallback notice');
    assert.deepEqual(JSON.parse(first.out), JSON.parse(expected.out));
    const second = await viaHost(db, ['metrics', '--skill', 'pytest-run', '--json']);
    assert.equal(second.code, 0, second.err);
    assert.equal(JSON.parse(second.out).total_invocations, 2);
    const pids = hostPids(db);
    assert.equal(pids.length, 1, 'one host process for the store');
    const [a, b] = [await connect(db), await connect(db)];
    try {
      assert.equal(a.hello.pid, pids[0]);
      assert.equal(b.hello.pid, pids[0]);
      assert.equal(a.hello.engine, ENGINE);
    } finally {
      a.close();
      b.close();
    }
    const tracked = await local(db, ['track', '--skill', 'lint']);
    assert.equal(tracked.code, 0, tracked.err);
    const rows = await viaHost(db, ['sql', 'SELECT count(*) AS n FROM skill_invocation']);
    assert.equal(rows.code, 0, rows.err);
    assert.deepEqual(JSON.parse(rows.out), [{ n: 4 }], 'a run tracked while the host runs is in its answers');
    const tool = await viaHost(db, ['tool', 'get_real_time_metrics']);
    assert.equal(tool.code, 0, tool.err);
    assert.equal(JSON.parse(tool.out).success, true);
    assert.deepEqual(hostPids(db), pids, 'every request went to the same host');
  });

  test('errors keep their meaning through the host: an unknown skill exits 1, a bad tool name 2, a writing query is refused', async () => {
    const db = await seededStore('errors');
    const unknown = await viaHost(db, ['metrics', '--skill', 'nope']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /no invocations of "nope" recorded/);
    const badTool = await viaHost(db, ['tool', 'no_such_tool']);
    assert.equal(badTool.code, 2);
    assert.match(badTool.err, /unknown tool "no_such_tool"/);
    const write = await viaHost(db, ['sql', 'DELETE FROM skill_invocation']);
    assert.equal(write.code, 1);
    assert.match(write.err, /refused: the query would write/);
    assert.equal((await local(db, ['status', '--json'])).out.includes('"invocations": 3'), true, 'nothing was deleted');
  });

  test("the host answers the status bar's day, given as the window's range, and the sidebar's list as the store opened in-process does", async () => {
    const db = await seededStore('window-reads');
    const conn = await connect(db);
    try {
      const now = new Date();
      const range = (day: CalendarDay) => ({ start: day.start, end: day.end });
      const today = (await conn.request('today', range(dayOf(now, 'local')))) as TodaySummary;
      assert.equal(today.invocations, 3);
      assert.equal(today.completed, 2);
      assert.equal(today.skills, 2);
      assert.deepEqual(today.topSkills, [{ skill: 'pytest-run', invocations: 2, completionRate: 0.5 }, { skill: 'lint', invocations: 1, completionRate: 1 }]);
      const earlier = (await conn.request('today', range(dayOf(new Date(now.getTime() - 86_400_000 * 2), 'utc')))) as TodaySummary;
      assert.equal(earlier.invocations, 0);
      assert.equal(earlier.completionRate, null);
      const refused = async (params: Record<string, unknown>, message: RegExp) => {
        await assert.rejects(conn.request('today', params), (err: unknown) => err instanceof HostRequestFailedError && err.kind === 'usage' && message.test(err.message));
      };
      await refused({ start: 'today', end: now.toISOString() }, /start must be a UTC timestamp/);
      await refused({ start: now.toISOString(), end: now.toISOString() }, /start must be before end/);
      await refused({ start: '2026-01-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' }, /must be a day/);
    } finally {
      conn.close();
    }
    const args = ['tool', 'get_recommendations', '--args', '{"last_skill":"pytest-run"}'];
    const expected = await local(db, args);
    assert.equal(expected.code, 0, expected.err);
    const answered = await viaHost(db, args);
    assert.equal(answered.code, 0, answered.err);
    assert.equal(answered.err, '', 'no fallback notice');
    const listed = (run: Run) => (JSON.parse(run.out) as { recommendations: { skill_name: string; section: string }[] }).recommendations;
    assert.deepEqual(listed(answered), listed(expected));
    assert.ok(listed(answered).some((r) => r.section === 'up-next' && r.skill_name === 'pytest-run'), 'the skills of the history are up next');
  });

  test('windows hand their background jobs to the host: it runs them under the job lease while one is connected, and lets the lease go when the last leaves', { timeout: 90_000 }, async () => {
    const db = await seededStore('jobs');
    // Baselines are written by the hourly job only, computed in the host's analytics worker.
    const baselines = async () => JSON.parse((await local(db, ['sql', 'SELECT count(*) AS n FROM skill_community_baselines'])).out)[0].n as number;
    assert.equal(await baselines(), 0, 'no job has run yet');
    started.add(db);
    const lines: string[] = [];
    const unavailable: string[] = [];
    const windows = [0, 1].map((i) => new JobsDelegation({
      db,
      hostScript: HOST,
      settings: () => ({ trackingEnabled: true, retentionDays: 30 + i }),
      onUnavailable: (reason) => unavailable.push(reason),
      log: (line) => lines.push(line),
    }).start());
    const lease = new JobLease(storePaths(db).jobsLock);
    try {
      await until('a window to see the host take the jobs', () => lines.some((l) => /runs the background jobs/.test(l)), 30_000);
      // The first job runs at most 15 s after the host took them, under the lease.
      let taken = false;
      const deadline = Date.now() + 40_000;
      while (!taken && Date.now() < deadline) {
        taken = !(await lease.tryAcquire());
        if (!taken) await lease.dispose();
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      assert.ok(taken, 'the host holds the job lease');
      assert.match(fs.readFileSync(hostPaths(db).log, 'utf8'), /running the background analytics/);
      const deadlineRows = Date.now() + 30_000;
      while ((await baselines()) === 0 && Date.now() < deadlineRows) await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(await baselines(), 2, 'the baselines of both skills were written by the host');
      assert.deepEqual(unavailable, []);
      assert.equal(hostPids(db).length, 1, 'both windows use one host');
      windows[0].dispose();
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(await lease.tryAcquire(), false, 'the jobs run on while a window that asked for them is connected');
      windows[1].dispose();
      await until('the host to let the lease go', () => !fs.existsSync(storePaths(db).jobsLock), 15_000);
      assert.equal(await lease.tryAcquire(), true, 'the lease is free for a window once no one hands the jobs to the host');
    } finally {
      for (const w of windows) w.dispose();
      await lease.dispose();
    }
  });

  test('runJobs refuses settings it cannot use, with a usage error', async () => {
    const db = await seededStore('jobs-refused');
    const conn = await connect(db);
    try {
      for (const params of [{}, { trackingEnabled: 'yes', retentionDays: 30 }, { trackingEnabled: true, retentionDays: 0 }, { trackingEnabled: true, retentionDays: 1.5 }]) {
        await assert.rejects(conn.request('runJobs', params), (err: unknown) => err instanceof HostRequestFailedError && err.kind === 'usage' && /trackingEnabled|retentionDays/.test(err.message));
      }
    } finally {
      conn.close();
    }
  });

  test('a window of the sql.js design beside a host that keeps the file neither waits for the lock nor warns, and its runs reach the file', { skip: ENGINE === 'sql.js' ? 'the host keeps the file only on node:sqlite' : undefined }, async () => {
    const db = await seededStore('beside');
    const conn = await connect(db);
    const messages: string[] = [];
    const window = await SkillStore.open({ path: db, mode: 'work', pollMs: 0, onMessage: (m) => messages.push(m) });
    try {
      const tracker = new SkillTracker(window, 'someone');
      await tracker.trackInvocation({ sessionId: await tracker.createSession(), skillName: 'beside-run', completed: true });
      const before = performance.now();
      assert.equal(await window.snapshotNow(), undefined, 'the host rebuilds the file, not this window');
      assert.ok(performance.now() - before < 1000, 'the snapshot did not wait for the host\'s lock');
      const rows = (await conn.request('sql', { query: "SELECT count(*) AS n FROM skill_invocation WHERE skill_name = 'beside-run'", timeoutMs: 10_000 })) as { n: number }[];
      assert.deepEqual(rows, [{ n: 1 }]);
    } finally {
      await window.close();
      conn.close();
    }
    assert.deepEqual(messages, []);
  });

  test('clients that find no host at the same moment end up with one host', async () => {
    const db = await seededStore('election');
    const runs = await Promise.all(Array.from({ length: 4 }, () => viaHost(db, ['metrics', '--json'])));
    for (const run of runs) assert.equal(run.code, 0, run.err);
    assert.equal(new Set(runs.map((r) => r.out)).size, 1, 'the same answer for all');
    await until('the hosts that lost the election to exit', () => hostPids(db).length === 1);
    const conn = await connect(db);
    try {
      assert.deepEqual(hostPids(db), [conn.hello.pid]);
    } finally {
      conn.close();
    }
  });

  test('a command that finds no host starts one before its own modules load, and uses that one: no second host is started', async () => {
    const db = await seededStore('early');
    const run = await viaHost(db, ['metrics', '--json']);
    assert.equal(run.code, 0, run.err);
    const log = fs.readFileSync(hostPaths(db).log, 'utf8');
    assert.equal(log.match(/listening on/g)?.length, 1, log);
    assert.doesNotMatch(log, /another store host already serves/);
  });

  test('in CI with no setting (and anywhere with =running) a command uses a running host and starts none; =off never asks it', async () => {
    const db = await seededStore('if-running');
    const guarded = { NODE_OPTIONS: `--require ${path.join(ROOT, 'test', 'fixtures', 'preload', 'forbidDatabase.cjs')}`, SB_FORBIDDEN_FILE: db };
    const unset = { SESSION_BUDDY_HOST: undefined, CI: 'true' };
    for (const setting of [unset, { SESSION_BUDDY_HOST: 'running', CI: undefined }]) {
      const alone = await cli(['--db', db, 'metrics', '--json'], { ...setting, ...guarded });
      assert.match(alone.err, /must not open .*skills\.db/, 'with no host running the command opens the store itself');
      assert.doesNotMatch(alone.err, /store host is unavailable/, 'and says nothing of a host it was not asked to start');
      assert.deepEqual(hostPids(db), [], 'no host was started');
      assert.equal(fs.existsSync(hostPaths(db).log), false);
    }
    const expected = await local(db, ['metrics', '--json']);
    assert.equal((await viaHost(db, ['metrics'])).code, 0, 'a host serves the store');
    const hostPid = hostPids(db)[0];
    const metrics = await cli(['--db', db, 'metrics', '--json'], { ...unset, ...guarded });
    assert.equal(metrics.code, 0, metrics.err);
    assert.equal(metrics.err, '');
    assert.equal(metrics.out, expected.out);
    const tracked = await cli(['--db', db, 'track', '--skill', 'ruff-check'], { ...unset, ...guarded });
    assert.equal(tracked.code, 0, tracked.err);
    const imported = await cli(['--db', db, 'ci', 'import-junit', path.join(ROOT, 'test', 'fixtures', 'junit', 'pytest.xml')], { ...unset, ...guarded });
    assert.equal(imported.code, 0, imported.err);
    assert.match(imported.out, /recorded/);
    const off = await cli(['--db', db, 'metrics'], { SESSION_BUDDY_HOST: 'off', ...guarded });
    assert.match(off.err, /must not open .*skills\.db/, '=off opens the store itself beside a running host');
    assert.deepEqual(hostPids(db), [hostPid], 'the running host served, and no other was started');
    const bad = await cli(['--db', db, 'metrics'], { SESSION_BUDDY_HOST: 'maybe' });
    assert.equal(bad.code, 2);
    assert.match(bad.err, /SESSION_BUDDY_HOST must be "on", "running" or "off", not "maybe"/);
  });

  test('outside CI with no setting the first command starts the host on demand and the next ones find it', async () => {
    const db = await seededStore('on-demand');
    const guarded = { NODE_OPTIONS: `--require ${path.join(ROOT, 'test', 'fixtures', 'preload', 'forbidDatabase.cjs')}`, SB_FORBIDDEN_FILE: db };
    const unset = { SESSION_BUDDY_HOST: undefined, CI: undefined, SESSION_BUDDY_HOST_IDLE_SECONDS: '30' };
    const expected = await local(db, ['metrics', '--json']);
    assert.deepEqual(hostPids(db), []);
    started.add(db);
    const first = await cli(['--db', db, 'metrics', '--json'], { ...unset, ...guarded });
    assert.equal(first.code, 0, first.err);
    assert.equal(first.err, '', 'answered by the host it started, not by opening the store');
    assert.equal(first.out, expected.out);
    const [pid] = hostPids(db);
    assert.ok(pid, 'the host outlives the command that started it');
    const tracked = await cli(['--db', db, 'track', '--skill', 'ruff-check'], { ...unset, ...guarded });
    assert.equal(tracked.code, 0, tracked.err);
    const after = await cli(['--db', db, 'metrics', '--skill', 'ruff-check', '--json'], { ...unset, ...guarded });
    assert.equal(after.code, 0, after.err);
    assert.equal((JSON.parse(after.out) as { total_invocations: number }).total_invocations, 1, 'the tracked run is in the host\'s answer');
    assert.deepEqual(hostPids(db), [pid], 'one host served every command');
  });

  test('a host a command starts takes the store as found: a damaged file is not moved aside, an older schema is not upgraded', async () => {
    const unset = { SESSION_BUDDY_HOST: undefined, CI: undefined, SESSION_BUDDY_HOST_IDLE_SECONDS: '30' };
    const damaged = dbIn(scratch.dir, 'damaged');
    fs.writeFileSync(damaged, 'not a store\n');
    started.add(damaged);
    const refused = await cli(['--db', damaged, 'metrics'], unset);
    assert.equal(refused.code, 0, refused.err);
    assert.match(refused.err, /store host is unavailable/, 'the host refused it');
    assert.match(refused.err, /is damaged .*Nothing was changed/, 'and the command, reading it itself, says what is wrong');
    assert.match(fs.readFileSync(hostPaths(damaged).log, 'utf8'), /could not be opened: .*is damaged/);
    assert.equal(fs.readFileSync(damaged, 'utf8'), 'not a store\n');
    assert.deepEqual(fs.readdirSync(path.dirname(damaged)).filter((name) => name.includes('corrupt')), [], 'nothing was moved aside');
    assert.deepEqual(hostPids(damaged), []);

    const older = await seededStore('older');
    assert.equal((await local(older, ['rollback'])).code, 0);
    const before: unknown = JSON.parse((await local(older, ['status', '--json'])).out);
    started.add(older);
    const metrics = await cli(['--db', older, 'metrics', '--skill', 'pytest-run', '--json'], unset);
    assert.equal(metrics.code, 0, metrics.err);
    assert.match(metrics.err, /has a schema migration to apply .*`session-buddy migrate`/);
    assert.equal((JSON.parse(metrics.out) as { total_invocations: number }).total_invocations, 2, 'answered by the command itself');
    assert.deepEqual(JSON.parse((await local(older, ['status', '--json'])).out), before, 'the schema is as it was');
    assert.deepEqual(hostPids(older), []);
  });

  test('a change to the schema beside a running host is refused at once, saying what to do; host stop stops it and the change is made', async () => {
    const db = await seededStore('schema-change');
    assert.equal((await viaHost(db, ['metrics'])).code, 0);
    const [pid] = hostPids(db);
    const status = await local(db, ['host', 'status', '--json']);
    assert.deepEqual({ ...(JSON.parse(status.out) as object), version: '' }, { db, running: true, pid, engine: ENGINE, version: '', protocol: HOST_PROTOCOL });
    for (const command of ['rollback', 'repair']) {
      const started = Date.now();
      const refused = await local(db, [command]);
      assert.equal(refused.code, 1, command);
      assert.match(refused.err, new RegExp(`${command} changes .*the store host \\(pid ${pid}\\) holds open.*session-buddy host stop`));
      assert.ok(Date.now() - started < 20_000, 'refused without waiting for the lock');
    }
    assert.match((await local(db, ['rollback', '--dry-run'])).out, /^Would roll back:\n {2}V\d+__/, 'a dry run changes nothing and is answered');
    assert.equal((await local(db, ['host', 'stop'])).out, `Stopped the store host of ${db} (pid ${pid}).\n`);
    assert.deepEqual(hostPids(db), []);
    assert.equal((await local(db, ['host', 'status'])).out, `No store host runs for ${db}.\n`);
    const rolled = await local(db, ['rollback']);
    assert.equal(rolled.code, 0, rolled.err);
    assert.match(rolled.out, /^Rolled back:/);
    assert.equal((await local(db, ['host', 'stop'])).out, `No store host runs for ${db}.\n`);
  });

  test('a command that does not ask the host starts none, with the host on', async () => {
    const db = await seededStore('no-early');
    for (const args of [['migrate', '--dry-run'], ['host', 'status'], ['host', 'stop'], ['--version'], ['ci', 'track', '--stage', 'test', '--team']]) await cli(['--db', db, ...args], { SESSION_BUDDY_HOST: 'on' });
    assert.deepEqual(hostPids(db), []);
    assert.equal(fs.existsSync(hostPaths(db).log), false);
  });

  test('a host killed with SIGKILL is started again by the next request, which is answered', { timeout: 90_000 }, async () => {
    const db = await seededStore('killed');
    const first = await viaHost(db, ['metrics', '--json']);
    assert.equal(first.code, 0, first.err);
    const [pid] = hostPids(db);
    process.kill(pid, 'SIGKILL');
    await until('the killed host to be gone', () => hostPids(db).length === 0);
    assert.ok(fs.lstatSync(hostPaths(db).socket).isSocket(), 'the killed host left its socket behind');
    const again = await viaHost(db, ['metrics', '--json']);
    assert.equal(again.code, 0, again.err);
    assert.equal(again.err, '', 'served by a new host, not by the fallback');
    assert.equal(again.out, first.out);
    const now = hostPids(db);
    assert.equal(now.length, 1);
    assert.notEqual(now[0], pid);
    // The file-backed host held the database lock; its successor must not wait the 30 s until it goes stale.
    if (ENGINE === 'node:sqlite') assert.match(fs.readFileSync(hostPaths(db).log, 'utf8'), new RegExp(`removed the database lock left by host ${pid}, which is no longer running`));
  });

  test('the socket is 0600 and a connection without the store token is refused with a clear error', async () => {
    const db = await seededStore('token');
    assert.equal((await viaHost(db, ['metrics'])).code, 0);
    const socket = hostPaths(db).socket;
    assert.equal(fs.statSync(socket).mode & 0o777, 0o600);
    const wrongToken = await rawExchange(socket, [JSON.stringify({ type: 'hello', protocol: 1, token: 'not-the-token-of-this-store' }), JSON.stringify({ id: 1, method: 'metrics', params: { limit: 5 } })]);
    assert.deepEqual(wrongToken.map((l) => JSON.parse(l)), [{ type: 'error', error: "refused: the token is not this store's token" }], 'refused, and nothing answered');
    const noHello = await rawExchange(socket, [JSON.stringify({ id: 1, method: 'metrics', params: {} })]);
    assert.match(JSON.parse(noHello[0]).error, /the first message must be a hello/);
    const garbage = await rawExchange(socket, ['this is not json']);
    assert.match(JSON.parse(garbage[0]).error, /not a JSON line/);
  });

  test('another OS user cannot connect to the host nor read the token, even where the store folder is open to all', { skip: asAnotherUserSkip }, async () => {
    const db = await seededStore('other-user');
    assert.equal((await viaHost(db, ['metrics'])).code, 0);
    fs.chmodSync(scratch.dir, 0o755);
    const socket = hostPaths(db).socket;
    const token = storePaths(db).token;
    assert.deepEqual(await probeHost(socket, token), { stat: 'ok', token: 'read', connect: 'connected' }, 'the owner can (the probe works)');
    assert.deepEqual(await probeHost(socket, token, ANOTHER_UID), { stat: 'ok', token: 'EACCES', connect: 'EACCES' });
  });

  test('a token replaced while the host runs is the one required from then on', async () => {
    const db = await seededStore('new-token');
    assert.equal((await viaHost(db, ['metrics'])).code, 0);
    const tokenFile = storePaths(db).token;
    const old = readTokenFile(tokenFile);
    writeTokenFile(tokenFile, generateToken());
    const refused = await rawExchange(hostPaths(db).socket, [JSON.stringify({ type: 'hello', protocol: 1, token: old })]);
    assert.match(JSON.parse(refused[0]).error, /token is not this store's token/);
    const run = await viaHost(db, ['metrics', '--json']);
    assert.equal(run.code, 0, run.err);
    assert.equal(run.err, '', 'the CLI, reading the new token, is served');
    assert.equal(hostPids(db).length, 1);
  });

  test('a host that dies while answering is replaced and the request asked again, without falling back', async () => {
    const db = await seededStore('mid-request');
    assert.equal((await viaHost(db, ['metrics'])).code, 0);
    const [pid] = hostPids(db);
    const threads = () => fs.readdirSync(`/proc/${pid}/task`).length;
    const idle = threads();
    const slow = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT count(*) AS n FROM c';
    const pending = viaHost(db, ['sql', slow]);
    await until('the host to start the query worker', () => threads() > idle);
    process.kill(pid, 'SIGKILL');
    const run = await pending;
    assert.equal(run.code, 0, run.err);
    assert.equal(run.err, '', 'answered by a new host, not by the fallback');
    assert.deepEqual(JSON.parse(run.out), [{ n: 3000000 }]);
    const now = hostPids(db);
    assert.equal(now.length, 1);
    assert.notEqual(now[0], pid);
  });

  /** A stand-in host on the store's socket: it says hello as `hello` and answers `retire` (then stops) and what `answer` gives. */
  async function fakeHost(db: string, hello: object, answer: (method: string) => unknown = () => null): Promise<{ requests: string[]; server: net.Server }> {
    const requests: string[] = [];
    const server = net.createServer((conn) => {
      conn.setEncoding('utf8');
      conn.on('data', (chunk: string) => {
        for (const line of chunk.split('\n').filter(Boolean)) {
          const message = JSON.parse(line) as { type?: string; id?: number; method?: string };
          requests.push(message.type ?? message.method ?? '?');
          if (message.type === 'hello') conn.write(`${JSON.stringify({ type: 'hello', ...hello, pid: process.pid })}\n`);
          else if (message.method === 'retire') {
            conn.end(`${JSON.stringify({ id: message.id, result: { retiring: true } })}\n`);
            server.close();
          } else conn.write(`${JSON.stringify({ id: message.id, result: answer(message.method ?? '') })}\n`);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(hostPaths(db).socket, resolve));
    return { requests, server };
  }

  test('a host of an older protocol is asked to retire and replaced by a new one', async () => {
    const db = await seededStore('older');
    const { requests } = await fakeHost(db, { protocol: 0, minProtocol: 0, hostVersion: '0.0.1', engine: 'sql.js' });
    const run = await viaHost(db, ['metrics', '--json']);
    assert.equal(run.code, 0, run.err);
    assert.equal(run.err, '');
    assert.deepEqual(requests, ['hello', 'retire']);
    assert.equal(JSON.parse(run.out).skills.length, 2);
    assert.equal(hostPids(db).length, 1, 'a new host serves the store');
  });

  test('a host on sql.js is replaced by a client whose runtime has node:sqlite, and joined by one whose runtime has not', async () => {
    const db = await seededStore('weaker');
    const { requests, server } = await fakeHost(db, { protocol: HOST_PROTOCOL, minProtocol: 1, hostVersion: '0.0.1', engine: 'sql.js' }, () => ({ skills: [] }));
    try {
      const run = await viaHost(db, ['metrics', '--json']);
      assert.equal(run.code, 0, run.err);
      assert.equal(run.err, '');
      if (ENGINE === 'node:sqlite') {
        assert.deepEqual(requests, ['hello', 'retire']);
        assert.equal(JSON.parse(run.out).skills.length, 2, 'answered by the file-backed host it started');
        assert.equal(hostPids(db).length, 1);
      } else {
        assert.deepEqual(requests, ['hello', 'metrics'], 'a client that would start a sql.js host itself joins this one');
        assert.deepEqual(JSON.parse(run.out), { skills: [] });
        assert.deepEqual(hostPids(db), []);
      }
    } finally {
      server.close();
    }
  });

  test('a dying host that accepts the connection and resets it before hello is replaced, without falling back', async () => {
    const db = await seededStore('dying');
    const socket = hostPaths(db).socket;
    let resets = 0;
    // What a killed host's listening socket does for a moment: it accepts, then closes with the hello
    // unread, which a Unix socket's peer sees as ECONNRESET.
    const dying = net.createServer({ pauseOnConnect: true }, (conn) => {
      resets++;
      dying.close();
      setTimeout(() => conn.destroy(), 200);
    });
    await new Promise<void>((resolve) => dying.listen(socket, resolve));
    started.add(db);
    // The client itself, with room for a slow start on a loaded machine: what is checked is that the
    // reset starts a new host instead of ending in HostUnavailableError (the CLI's fallback).
    const conn = await connectToHost({ db, hostScript: HOST, idleSeconds: 30, startTimeoutMs: 90_000 });
    try {
      assert.equal(resets, 1);
      assert.deepEqual(hostPids(db), [conn.hello.pid], 'a new host serves the store');
      const answer = (await conn.request('metrics', { limit: 5 })) as { skills: unknown[] };
      assert.equal(answer.skills.length, 2);
    } finally {
      conn.close();
    }
  });

  test('a host exits after its idle time without clients, and not while one is connected', async () => {
    const db = await seededStore('idle');
    started.add(db);
    const conn = await connectToHost({ db, hostScript: HOST, idleSeconds: 1 });
    const pid = conn.hello.pid;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.deepEqual(hostPids(db), [pid], 'a connected client keeps the host');
    assert.deepEqual(await conn.request('ping'), { pid });
    conn.close();
    await until('the idle host to exit', () => hostPids(db).length === 0, 10_000);
    assert.equal(fs.existsSync(hostPaths(db).socket), false, 'the socket is removed');
    assert.match(fs.readFileSync(hostPaths(db).log, 'utf8'), /stopping: idle for 1 s/);
  });

  test('a read of a store that does not exist yet creates neither a store nor a host', async () => {
    const db = dbIn(scratch.dir, 'none');
    const run = await viaHost(db, ['metrics', '--json']);
    assert.equal(run.code, 0, run.err);
    assert.deepEqual(JSON.parse(run.out), { skills: [] });
    assert.deepEqual(fs.readdirSync(path.dirname(db)), [], 'nothing written beside it');
    assert.deepEqual(hostPids(db), []);
  });

  test('a store too deep for a socket address is served through a hashed socket in the per-user runtime folder', async () => {
    const db = await seededStore(path.join(...Array.from({ length: 8 }, () => 'nested-folder')));
    const runtime = path.join(scratch.dir, 'run');
    const paths = hostPaths(db, { XDG_RUNTIME_DIR: runtime });
    assert.ok(paths.runtimeDir, `${db}.host.sock would not fit a socket address`);
    const run = await viaHost(db, ['metrics', '--json'], { XDG_RUNTIME_DIR: runtime });
    assert.equal(run.code, 0, run.err);
    assert.equal(run.err, '', 'served by the host');
    assert.equal(JSON.parse(run.out).skills.length, 2);
    assert.equal(fs.statSync(paths.runtimeDir).mode & 0o777, 0o700);
    assert.equal(fs.statSync(paths.socket).mode & 0o777, 0o600);
    assert.equal(fs.existsSync(`${db}.host.sock`), false);
  });

  test('track with the host on records in its own log segment without loading the store, in the CLI session of the day', async () => {
    const db = await seededStore('track');
    assert.equal((await viaHost(db, ['metrics'])).code, 0, 'a host serves the store');
    const hostPid = hostPids(db)[0];
    const guarded = { NODE_OPTIONS: `--require ${path.join(ROOT, 'test', 'fixtures', 'preload', 'forbidDatabase.cjs')}`, SB_FORBIDDEN_FILE: db };
    const failed = await viaHost(db, ['track', '--skill', 'pytest-run', '--failed', '--duration', '1.5', '--error', 'AssertionError'], guarded);
    assert.equal(failed.code, 0, failed.err);
    assert.equal(failed.err, '');
    const ok = await viaHost(db, ['track', '--skill', 'ruff-check'], guarded);
    assert.equal(ok.code, 0, ok.err);
    const withoutHost = await local(db, ['track', '--skill', 'lint'], guarded);
    assert.match(withoutHost.err, /must not open .*skills\.db/, 'the guard stops a command that opens the store');
    assert.deepEqual(hostPids(db), [hostPid], 'the same host served every command');
    const rows = await viaHost(db, ['sql', 'SELECT i.id, i.skill_name, i.completed, i.duration_seconds, i.error_type, s.source FROM skill_invocation i JOIN skill_sessions s USING (session_id) ORDER BY i.invoked_at']);
    assert.equal(rows.code, 0, rows.err);
    const recorded = JSON.parse(rows.out) as Record<string, unknown>[];
    assert.equal(recorded.length, 5);
    assert.deepEqual(recorded.slice(3), [
      { id: Number(failed.out), skill_name: 'pytest-run', completed: 0, duration_seconds: 1.5, error_type: 'AssertionError', source: 'cli' },
      { id: Number(ok.out), skill_name: 'ruff-check', completed: 1, duration_seconds: null, error_type: null, source: 'cli' },
    ]);
    assert.equal(new Set(recorded.map((r) => r.id)).size, 5, 'ids unique across the processes that recorded');
  });

  test('a run tracked through the host is durable before the command ends: a host killed right after loses nothing', { timeout: 90_000 }, async () => {
    const db = await seededStore('track-killed');
    const tracked = await viaHost(db, ['track', '--skill', 'deploy']);
    assert.equal(tracked.code, 0, tracked.err);
    for (const pid of hostPids(db)) process.kill(pid, 'SIGKILL');
    await until('the killed host to be gone', () => hostPids(db).length === 0);
    const metrics = await local(db, ['metrics', '--skill', 'deploy', '--json']);
    assert.equal(metrics.code, 0, metrics.err);
    assert.equal(JSON.parse(metrics.out).total_invocations, 1);
    const again = await viaHost(db, ['metrics', '--skill', 'deploy', '--json']);
    assert.equal(JSON.parse(again.out).total_invocations, 1, 'a new host applies it once');
  });

  test('crackerjack track through the host records the phase as it does without the host, without loading the store', async () => {
    const db = await seededStore('crackerjack');
    const guarded = { NODE_OPTIONS: `--require ${path.join(ROOT, 'test', 'fixtures', 'preload', 'forbidDatabase.cjs')}`, SB_FORBIDDEN_FILE: db };
    const args = ['crackerjack', 'track', '--phase', 'comprehensive_hooks', '--skill', 'ruff-check', '--failed', '--duration', '3', '--error', 'lint'];
    const hosted = await viaHost(db, args, guarded);
    assert.equal(hosted.code, 0, hosted.err);
    assert.equal(hosted.err, '');
    const direct = await local(db, args);
    assert.equal(direct.code, 0, direct.err);
    const rows = await viaHost(db, ['sql', "SELECT i.id, i.session_id, i.workflow_path, i.workflow_phase, i.workflow_step_id, i.completed, i.duration_seconds, i.error_type, s.source FROM skill_invocation i JOIN skill_sessions s USING (session_id) WHERE i.skill_name = 'ruff-check' ORDER BY i.id"]);
    assert.equal(rows.code, 0, rows.err);
    const [viaTheHost, withoutIt] = JSON.parse(rows.out) as Record<string, unknown>[];
    assert.equal(viaTheHost.id, Number(hosted.out));
    assert.match(String(viaTheHost.session_id), /^crackerjack-\d{4}-\d{2}-\d{2}$/);
    assert.deepEqual({ ...viaTheHost, id: 0 }, { ...withoutIt, id: 0 }, 'the same row whichever recorded it, in the same session');
    assert.equal(viaTheHost.workflow_phase, 'verification');
    assert.equal(viaTheHost.source, 'crackerjack');
  });

  test('ci track through the host records the stage and its pipeline context as it does without the host, without loading the store', async () => {
    const db = await seededStore('ci-track');
    const guarded = { NODE_OPTIONS: `--require ${path.join(ROOT, 'test', 'fixtures', 'preload', 'forbidDatabase.cjs')}`, SB_FORBIDDEN_FILE: db };
    const stage = (build: string) => ['ci', 'track', '--pipeline', 'web', '--build', build, '--stage', 'lint', '--skill', 'ruff-check', '--status', 'failure', '--duration', '4', '--error', 'lint', '--commit', 'abc123', '--branch', 'main'];
    const hosted = await viaHost(db, stage('7'), guarded);
    assert.equal(hosted.code, 0, hosted.err);
    assert.equal(hosted.err, '');
    const direct = await local(db, stage('8'));
    assert.equal(direct.code, 0, direct.err);
    const rows = await viaHost(db, ['sql', "SELECT i.id, i.session_id, i.workflow_phase, i.user_query, i.completed, i.duration_seconds, i.error_type, s.source, c.pipeline_name, c.build_number, c.stage, c.git_commit, c.git_branch FROM skill_invocation i JOIN skill_sessions s USING (session_id) JOIN ci_pipeline_context c ON c.invocation_id = i.id WHERE i.skill_name = 'ruff-check' ORDER BY i.id"]);
    assert.equal(rows.code, 0, rows.err);
    const [viaTheHost, withoutIt] = JSON.parse(rows.out) as Record<string, unknown>[];
    assert.equal(viaTheHost?.id, Number(hosted.out), 'the stage recorded through the host has its pipeline context');
    assert.deepEqual({ ...viaTheHost, id: 0, session_id: '', build_number: '' }, { ...withoutIt, id: 0, session_id: '', build_number: '' }, 'the same rows whichever recorded them');
    assert.deepEqual([viaTheHost.session_id, viaTheHost.build_number, withoutIt.session_id], ['web-7', '7', 'web-8']);
    assert.equal(viaTheHost.source, 'ci');
    assert.equal(viaTheHost.workflow_phase, 'verification');
  });

  test('ci import-junit through the host records the suites as it does without the host, without loading the store, and once', async () => {
    const [hostedDb, localDb] = [await seededStore('junit-hosted'), await seededStore('junit-local')];
    const guarded = { NODE_OPTIONS: `--require ${path.join(ROOT, 'test', 'fixtures', 'preload', 'forbidDatabase.cjs')}`, SB_FORBIDDEN_FILE: hostedDb };
    const fixture = (name: string) => path.join(ROOT, 'test', 'fixtures', 'junit', name);
    const imports = [['ci', 'import-junit', fixture('pytest.xml'), '--json'], ['ci', 'import-junit', fixture('jest.xml'), fixture('vitest.xml'), '--pipeline', 'web', '--build', '12', '--json']];
    type Imported = { files: { added: number; skipped: number; suites: number }[] };
    for (const args of imports) {
      const hosted = await viaHost(hostedDb, args, guarded);
      assert.equal(hosted.code, 0, hosted.err);
      assert.equal(hosted.err, '', 'no fallback notice');
      const direct = await local(localDb, args);
      assert.equal(direct.code, 0, direct.err);
      assert.deepEqual(JSON.parse(hosted.out), JSON.parse(direct.out), 'the same report of what was recorded');
      assert.ok((JSON.parse(hosted.out) as Imported).files.every((f) => f.added === f.suites && f.added > 0));
      const again = await viaHost(hostedDb, args, guarded);
      assert.equal(again.code, 0, again.err);
      assert.ok((JSON.parse(again.out) as Imported).files.every((f) => f.added === 0 && f.skipped === f.suites), 'importing again through the host adds nothing');
    }
    const query = "SELECT i.skill_name, i.invoked_at, i.completed, i.duration_seconds, i.workflow_phase, i.workflow_step_id, i.error_type, i.session_id, s.source, c.pipeline_name, c.build_number, c.stage FROM skill_invocation i JOIN skill_sessions s USING (session_id) LEFT JOIN ci_pipeline_context c ON c.invocation_id = i.id WHERE i.workflow_step_id LIKE 'junit:%' ORDER BY i.workflow_step_id, i.session_id";
    const rows = async (run: Promise<Run>) => {
      const answered = await run;
      assert.equal(answered.code, 0, answered.err);
      return JSON.parse(answered.out) as Record<string, unknown>[];
    };
    const [throughHost, opened] = [await rows(viaHost(hostedDb, ['sql', query])), await rows(local(localDb, ['sql', query]))];
    assert.deepEqual(throughHost, opened, 'the same runs, sessions and pipeline contexts whichever recorded them');
    assert.deepEqual([...new Set(throughHost.map((r) => `${r.source}:${r.pipeline_name ?? '-'}`))].sort(), ['ci:web', 'junit:-']);
  });

  test('track through the host refuses what track refuses without it, and writes nothing then', async () => {
    const db = await seededStore('track-refused');
    const expected = await local(db, ['track', '--skill', 'x', '--session', 'no-such-session']);
    const unknown = await viaHost(db, ['track', '--skill', 'x', '--session', 'no-such-session']);
    assert.equal(unknown.code, expected.code);
    assert.equal(unknown.err, expected.err);
    assert.match(unknown.err, /no-such-session/);
    const badName = await viaHost(db, ['track', '--skill', ' ']);
    assert.equal(badName.code, (await local(db, ['track', '--skill', ' '])).code);
    assert.notEqual(badName.code, 0);
    const count = await viaHost(db, ['sql', 'SELECT count(*) AS n FROM skill_invocation']);
    assert.deepEqual(JSON.parse(count.out), [{ n: 3 }]);
  });

  test('when no host can start, the command says so once and opens the store itself', async () => {
    const db = await seededStore('fallback');
    fs.writeFileSync(hostPaths(db).socket, 'a file where the socket goes');
    const expected = await local(db, ['metrics', '--json']);
    const run = await viaHost(db, ['metrics', '--json']);
    assert.equal(run.code, 0, run.err);
    assert.equal(run.out, expected.out);
    const notices = run.err.split('\n').filter(Boolean);
    assert.equal(notices.length, 1, run.err);
    assert.match(notices[0], /the store host is unavailable \(the store host stopped at once \(exit code 1\) \(see .*skills\.db\.host\.log\)\); this command opens the store itself/);
    assert.match(fs.readFileSync(hostPaths(db).log, 'utf8'), /exists and is not a socket/);
    assert.deepEqual(hostPids(db), []);
  });
});
