import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AgentRunRecorder } from '../../src/core/agents/agentRecorder';
import { OtlpReceiver } from '../../src/core/agents/otlpReceiver';
import { AnalyticsJobRunner } from '../../src/core/analytics/analyticsJobRunner';
import { connectToHost, HostRequestFailedError } from '../../src/core/host/hostClient';
import { HostedWindow } from '../../src/core/host/hostedWindow';
import { fileEngineProblem } from '../../src/core/store/nodeSqlite';
import { SkillStore } from '../../src/core/store/store';
import { SkillTracker } from '../../src/core/tracking/tracker';
import { WindowSession } from '../../src/core/tracking/windowSession';
import { LocalWindowData } from '../../src/core/window/localWindowData';
import type { ServeAnswer } from '../../src/core/host/hostServers';
import { claudeCodeRecords, exportLogs } from '../helpers/otlpClient';
import { postgresSkip, startPostgres, type TestPostgres } from '../helpers/postgres';
import { dbIn, tempDir } from '../helpers/store';
import { createTeam, type TestTeam } from '../helpers/team';
import { TestClient } from './realtime-client';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const HOST = path.join(ROOT, 'dist', 'store-host.js');
const ENGINE = fileEngineProblem() ? 'sql.js' : 'node:sqlite';
const skip = process.platform !== 'linux' ? 'finds host processes in /proc (Linux only)' : undefined;
const USER = 'window-user';

const scratch = tempDir('sb-hosted-window-');
const opened: HostedWindow[] = [];
const hosts = new Set<number>();
/** The long jobs of the windows that hold the store here, in the worker npm test builds. */
const jobs = new AnalyticsJobRunner({ workerFile: path.join(ROOT, 'dist', 'analytics-worker.js') });
after(async () => {
  jobs.dispose();
  for (const window of opened) await window.close().catch(() => undefined);
  for (const pid of hosts) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  scratch.cleanup();
});
before(() => assert.ok(fs.existsSync(CLI) && fs.existsSync(HOST), 'dist/cli.js and dist/store-host.js are built (npm test builds them first)'));

/** A window holding the store itself, beside the host (sql.js, as a window without the host opens it). */
async function withLocalWindow<T>(db: string, work: (local: LocalWindowData) => Promise<T>): Promise<T> {
  const store = await SkillStore.open({ path: db, mode: 'work', pollMs: 0 });
  try {
    const tracker = new SkillTracker(store, USER);
    return await work(new LocalWindowData(store, tracker, new WindowSession(store, tracker, { idleMs: () => 1000 }), USER, jobs));
  } finally {
    await store.close({ snapshot: false });
  }
}

/** As sent over the socket: a field that is undefined is left out. */
const wire = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** The CLI without the host: what another terminal records. */
function track(db: string, args: string[]): void {
  const run = spawnSync(process.execPath, [CLI, '--db', db, 'track', ...args], { encoding: 'utf8', env: { ...process.env, SESSION_BUDDY_DB: '', SESSION_BUDDY_HOST: 'off' } });
  assert.equal(run.status, 0, run.stderr);
}

async function seededStore(name: string): Promise<string> {
  const db = dbIn(scratch.dir, name);
  track(db, ['--skill', 'pytest-run', '--duration', '2']);
  track(db, ['--skill', 'pytest-run', '--failed']);
  track(db, ['--skill', 'lint']);
  return db;
}

async function openWindow(db: string, lines: string[] = []): Promise<HostedWindow> {
  const window = await HostedWindow.open({ db, hostScript: HOST, idleSeconds: 30, userId: USER, session: { idleMs: () => 3_600_000, projectPath: '/work/project' }, log: (line) => lines.push(line), reconnectMs: 100 });
  opened.push(window);
  const conn = await connectToHost({ db, hostScript: HOST });
  hosts.add(conn.hello.pid);
  conn.close();
  return window;
}

async function hostPid(db: string): Promise<number> {
  const conn = await connectToHost({ db, hostScript: HOST, idleSeconds: 30 });
  conn.close();
  hosts.add(conn.hello.pid);
  return conn.hello.pid;
}

async function record(window: HostedWindow, skill: string, completed: boolean): Promise<number> {
  return window.recorder.trackInvocation({ sessionId: await window.session.current(), skillName: skill, completed, durationSeconds: 1.5 });
}

function changed(window: HostedWindow): Promise<void> {
  return new Promise((resolve) => {
    const listening = window.onDidChange(() => {
      listening.dispose();
      resolve();
    });
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe(`a window served by the store host (${ENGINE})`, { skip }, () => {
  test("records in its own log segment, which the host applies, and reads the status bar's day and the sidebar's list as a window holding the store does", async () => {
    const db = await seededStore('reads');
    const window = await openWindow(db);
    await record(window, 'pytest-run', false);
    await record(window, 'ruff-check', true);
    const today = await window.today(new Date(), 'local');
    assert.equal(today.invocations, 5);
    assert.equal(today.completed, 3);
    assert.deepEqual(today.topSkills[0], { skill: 'pytest-run', invocations: 3, completionRate: 1 / 3 });
    assert.deepEqual(await window.runState(), { hasRuns: true, demo: false });
    const context = { userId: USER, lastSkill: 'pytest-run', recentFailures: ['pytest-run'] };
    const hosted = await window.recommendationList(context);
    await withLocalWindow(db, async (local) => {
      assert.deepEqual(hosted, wire(await local.recommendationList(context)));
      const ranked = await window.rankedRecommendations(context);
      assert.ok(ranked.length > 0, 'the ranked list has candidates');
      assert.deepEqual(ranked, wire(await local.rankedRecommendations(context)));
      assert.deepEqual(await window.today(new Date(), 'utc'), wire(await local.today(new Date(), 'utc')));
      assert.deepEqual(await window.openAlerts(), wire(await local.openAlerts()));
      const counts = await window.skillCounts(10);
      assert.deepEqual(counts, wire(await local.skillCounts(10)));
      assert.deepEqual(counts.map((c) => [c.skill_name, c.total_invocations]), [['pytest-run', 3], ['lint', 1], ['ruff-check', 1]]);
      // The dashboard of the window's workspace: the two runs recorded in its sessions, not the CLI's.
      const query = { days: 14, boundary: 'utc' as const, projectPath: '/work/project', workspace: 'workspace' as const };
      const generatedLater = (answer: { data: { generatedAt: string } }) => ({ ...answer, data: { ...answer.data, generatedAt: '' } });
      const board = await window.dashboard(query);
      assert.deepEqual(generatedLater(board), generatedLater(wire(await local.dashboard(query)) as typeof board));
      assert.equal(board.data.scope.workspace, 'workspace');
      assert.equal(board.data.totals.invocations, 2);
      assert.equal((await window.dashboard({ ...query, workspace: 'all' })).data.totals.invocations, 5);
    });
    assert.ok(hosted.items.some((item) => item.section === 'up-next' && item.skill === 'pytest-run'), 'the history is up next');
  });

  test('hears of runs recorded by another process, and of the first run of an empty store', async () => {
    const db = dbIn(scratch.dir, 'changes');
    const window = await openWindow(db);
    assert.deepEqual(await window.runState(), { hasRuns: false, demo: false });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const heard = changed(window);
    track(db, ['--skill', 'cargo-test']);
    await heard;
    assert.deepEqual(await window.runState(), { hasRuns: true, demo: false });
    assert.equal((await window.today(new Date(), 'local')).invocations, 1);
  });

  test('a host killed mid-session is started again by the next request; the runs recorded meanwhile are all there, and the window hears of changes again', { timeout: 90_000 }, async () => {
    const db = await seededStore('killed');
    const window = await openWindow(db);
    await record(window, 'build', true);
    const pid = await hostPid(db);
    process.kill(pid, 'SIGKILL');
    await record(window, 'build', false);
    await record(window, 'deploy', true);
    const today = await window.today(new Date(), 'local');
    assert.equal(today.invocations, 6, 'every run, including those recorded while no host ran');
    const successor = await hostPid(db);
    assert.notEqual(successor, pid);
    const heard = changed(window);
    track(db, ['--skill', 'lint']);
    await heard;
    await until('the new run to be read', async () => (await window.today(new Date(), 'local')).invocations === 7);
  });

  test("an agent's tool call: a tool that records writes into the window's session here, any other is answered by the host as by the window's own store", async () => {
    const db = await seededStore('tools');
    const window = await openWindow(db);
    const tracked = await window.runTool('track_skill_invocation', { skill_name: 'agent-edit', completed: true }, () => true);
    assert.equal(tracked.success, true, JSON.stringify(tracked));
    assert.equal(tracked.session_id, window.session.id, "the window's session");
    await assert.rejects(window.runTool('track_skill_invocation', { skill_name: 'x', surprise: 1 }, () => true), /surprise/);
    const paused = await window.runTool('track_skill_invocation', { skill_name: 'agent-edit' }, () => false);
    assert.equal(paused.success, false, 'nothing is recorded while writes are not allowed');
    const hosted = await window.runTool('get_real_time_metrics', { limit: 10 }, () => true);
    await withLocalWindow(db, async (local) => {
      const here = await local.runTool('get_real_time_metrics', { limit: 10 }, () => true);
      const untimed = (r: Record<string, unknown>) => ({ ...r, timestamp: '' });
      assert.deepEqual(untimed(hosted), untimed(JSON.parse(JSON.stringify(here)) as Record<string, unknown>));
    });
    assert.equal(hosted.success, true, JSON.stringify(hosted));
    assert.match(JSON.stringify(hosted), /agent-edit/);
  });

  test("closing ends the window's session in the store, at its close", async () => {
    const db = await seededStore('close');
    const window = await openWindow(db);
    await record(window, 'pytest-run', true);
    const sessionId = window.session.id;
    assert.ok(sessionId);
    await window.close();
    const conn = await connectToHost({ db, hostScript: HOST });
    try {
      await until('the end of the session to be applied', async () => {
        const rows = (await conn.request('sql', { query: `SELECT user_id, ended_at FROM skill_sessions WHERE session_id = '${sessionId}'`, timeoutMs: 10_000 })) as { user_id: string; ended_at: string | null }[];
        return rows.length === 1 && rows[0].user_id === USER && rows[0].ended_at !== null;
      });
    } finally {
      conn.close();
    }
  });

  test("the palette's commands are answered by the host as by a window holding the store, without loading it here", { timeout: 90_000 }, async () => {
    const db = await seededStore('commands');
    const window = await openWindow(db);
    const status = await window.command('status', {});
    assert.equal(status.invocations, 3);
    assert.equal(status.pending.length, 0, 'the host opened the store at the latest schema');
    const refused = await window.command('trainPredictor', {});
    assert.ok('refused' in refused && /to train the predictor/.test(refused.refused), `too little data is an answer: ${JSON.stringify(refused)}`);
    const created = await window.command('createAbTest', { name: 'strategies', ratio: 0.5, minSample: 10 });
    assert.equal(created.status, 'running');
    const listed = await window.command('listAbTests', {});
    assert.deepEqual(listed.map((t) => t.test_name), ['strategies']);
    const analysis = await window.command('analyzeAbTest', { testId: created.test_id });
    const profile = await window.command('exportProfile', { userId: USER });
    const dependencies = await window.command('updateDependencies', {});
    const progress: [number, number][] = [];
    const backfill = await window.command('backfillTimeSeries', { days: 30 }, (done, total) => progress.push([done, total]));
    assert.ok(backfill.buckets > 0, 'the hourly buckets of the seeded runs');
    assert.ok(progress.length > 0 && progress.at(-1)![0] === progress.at(-1)![1] && progress.at(-1)![1] > 0, `the host said how far it was: ${JSON.stringify(progress)}`);
    await withLocalWindow(db, async (local) => {
      assert.deepEqual(wire(await local.command('status', {})), wire(status));
      assert.deepEqual(wire(await local.command('listAbTests', {})), wire(listed), 'the test the host created is in the file');
      assert.deepEqual(wire(await local.command('analyzeAbTest', { testId: created.test_id })), wire(analysis));
      assert.deepEqual(wire({ ...(await local.command('exportProfile', { userId: USER })), exported_at: '' }), wire({ ...profile, exported_at: '' }));
      assert.deepEqual(await local.command('updateDependencies', {}), dependencies);
    });
    const stopped = await window.command('stopAbTest', { testId: created.test_id });
    assert.equal(stopped.status, 'stopped');
  });

  test("Delete All Data asked by a hosted window empties the store once every window has finished the segment it began before the purge, and what the windows record next is kept", { timeout: 90_000 }, async () => {
    const db = await seededStore('delete');
    const window = await openWindow(db);
    const other = await openWindow(db);
    await record(window, 'pytest-run', true);
    await record(other, 'lint', true);
    await until('the windows\' runs applied', async () => (await window.command('status', {})).invocations === 5);
    const result = await window.command('deleteAllData', {});
    assert.deepEqual(result.keptFiles, [], 'no segment begun before the purge is left unfinished');
    assert.equal((await window.command('status', {})).invocations, 0);
    for (const w of [window, other]) w.session.forget();
    await record(window, 'lint', true);
    await record(other, 'ruff-check', false);
    await until('the runs after the purge applied', async () => (await other.command('status', {})).invocations === 2);
  });

  test('the real-time servers a window asks for run in the host, shared by the windows that ask alike, until the last of them leaves', { timeout: 60_000 }, async () => {
    const db = await seededStore('serve');
    await openWindow(db);
    const token = fs.readFileSync(`${db}.token`, 'utf8').trim();
    const request = { host: '127.0.0.1', port: 0, requireToken: true, intervalMs: 200, allowedOrigins: [], maxClients: 10, metrics: { port: 0, requireToken: true } };
    const first = await connectToHost({ db, hostScript: HOST });
    const second = await connectToHost({ db, hostScript: HOST });
    try {
      const states = (await first.request('serve', request)) as ServeAnswer;
      assert.equal(states.websocket?.kind, 'hosting');
      assert.equal(states.metrics?.kind, 'hosting');
      const ws = states.websocket?.kind === 'hosting' ? states.websocket.port : 0;
      const metrics = states.metrics?.kind === 'hosting' ? states.metrics.port : 0;
      assert.deepEqual(await second.request('serve', request), states, 'the second window shares the servers');
      const refused = await TestClient.connect(`ws://127.0.0.1:${ws}/?token=wrong-token-0000000000`, { protocols: [] });
      assert.equal((await refused.closedWith()).code, 4001, 'a wrong token is refused');
      const client = await TestClient.connect(`ws://127.0.0.1:${ws}/?token=${token}`, { protocols: [] });
      const update = await client.next('metrics_update');
      const top = (update.data as { top_skills: { skill_name: string; total_invocations: number }[] }).top_skills;
      assert.equal(top.find((t) => t.skill_name === 'pytest-run')?.total_invocations, 2, "the host's store, read by the server");
      client.socket.close();
      const scrape = await fetch(`http://127.0.0.1:${metrics}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(scrape.status, 200);
      assert.match(await scrape.text(), /^skill_invocations_total\{skill_name="lint",workflow_phase="unknown",completed="true"\} 1$/m);
      assert.equal((await fetch(`http://127.0.0.1:${metrics}/metrics`)).status, 401);
      first.close();
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal((await fetch(`http://127.0.0.1:${metrics}/metrics`, { headers: { Authorization: `Bearer ${token}` } })).status, 200, 'still served for the second window');
      second.close();
      await until('the servers to stop once nobody asks', async () => fetch(`http://127.0.0.1:${metrics}/metrics`).then(() => false, () => true));
    } finally {
      first.close();
      second.close();
    }
  });

  test("an agent's telemetry received by hosted windows is recorded in their own logs, in one session of its own, made again after Delete All Data", { timeout: 60_000 }, async () => {
    const db = await seededStore('agents');
    const windows = [await openWindow(db), await openWindow(db)];
    const token = 'otlp-test-token-0123456789abcdef';
    const receivers = windows.map((w) => new OtlpReceiver(new AgentRunRecorder(w.agentRecording), { token, port: 0 }));
    for (const receiver of receivers) await receiver.start();
    const conn = await connectToHost({ db, hostScript: HOST });
    const agentRuns = async () => (await conn.request('sql', {
      query: "SELECT i.skill_name, s.source FROM skill_invocation i JOIN skill_sessions s USING (session_id) WHERE i.source = 'agent' ORDER BY i.skill_name",
      timeoutMs: 10_000,
    })) as { skill_name: string; source: string }[];
    const send = async (receiver: OtlpReceiver, toolUseId: string, skill: string) => {
      const records = await claudeCodeRecords([{ sessionId: 'cc-hosted', toolName: 'Skill', success: true, durationMs: 40, toolUseId, parameters: { skill_name: skill } }]);
      assert.deepEqual(await exportLogs(receiver.endpoint, token, 'json', records), { ok: true, error: undefined });
    };
    try {
      await send(receivers[0], 'toolu_h1', 'pdf');
      await until('the first window\'s agent run applied with its session', async () => (await agentRuns()).length === 1);
      // The second window learns from the host that the agent's session exists.
      await send(receivers[1], 'toolu_h2', 'docx');
      await until('the second window\'s run applied in the same session', async () => (await agentRuns()).length === 2);
      assert.deepEqual(await agentRuns(), [{ skill_name: 'docx', source: 'agent' }, { skill_name: 'pdf', source: 'agent' }]);
      await windows[0].command('deleteAllData', {});
      await send(receivers[1], 'toolu_h3', 'xlsx');
      await until('the run after the purge applied', async () => (await agentRuns()).length === 1);
      assert.deepEqual(await agentRuns(), [{ skill_name: 'xlsx', source: 'agent' }], "the agent's session is made again, as the agent's");
    } finally {
      conn.close();
      for (const receiver of receivers) await receiver.close();
    }
  });

  test("the host refuses a window's requests it cannot use, with usage errors", async () => {
    const db = await seededStore('refused');
    await openWindow(db);
    const conn = await connectToHost({ db, hostScript: HOST });
    const refused = async (method: 'recommendations' | 'changes' | 'abOutcome' | 'dashboard' | 'skills', params: Record<string, unknown>, message: RegExp) => {
      await assert.rejects(conn.request(method, params), (err: unknown) => err instanceof HostRequestFailedError && err.kind === 'usage' && message.test(err.message));
    };
    try {
      await refused('recommendations', {}, /userId is required/);
      await refused('recommendations', { userId: USER, recentFailures: 'pytest-run' }, /recentFailures must be a list/);
      await refused('recommendations', { userId: USER, limit: 0 }, /limit must be an integer from 1 to 100/);
      await refused('recommendations', { userId: USER, languageId: 7 }, /languageId must be a string/);
      await refused('changes', { waitMs: 120_000 }, /waitMs must be an integer from 0 to 60000/);
      await refused('skills', { limit: 0 }, /limit must be an integer from 1 to 1000/);
      await refused('dashboard', { userId: USER, days: 14, boundary: 'mars', workspace: 'all' }, /boundary must be one of local, utc/);
      await refused('dashboard', { userId: USER, days: 0, boundary: 'utc', workspace: 'all' }, /days must be an integer from 1 to 366/);
      await refused('dashboard', { userId: USER, days: 7, boundary: 'utc', workspace: 'all', projectHash: '/home/me/project' }, /projectHash must be 32 hexadecimal digits/);
      await refused('abOutcome', { testId: 1, userId: USER, skill: 'lint', completed: 'yes' }, /completed must be true or false/);
      await assert.rejects(conn.request('command', { name: 'backfillTimeSeries', args: { days: 0 } }), (err: unknown) => err instanceof HostRequestFailedError && err.kind === 'usage' && /days: must be an integer from 1 to 3650/.test(err.message));
      await assert.rejects(conn.request('command', { name: 'importProfiles', args: { files: ['profile.json'] } }), (err: unknown) => err instanceof HostRequestFailedError && err.kind === 'usage' && /files: must be a list of 1 to 1000 absolute paths/.test(err.message));
      await assert.rejects(conn.request('command', { name: 'teamSync', args: { url: 'postgresql://ann@127.0.0.1/t', sharedWithinMs: -1 } }), (err: unknown) => err instanceof HostRequestFailedError && err.kind === 'usage' && /sharedWithinMs: must be an integer from 0 to 86400000/.test(err.message));
      await assert.rejects(conn.request('command', { name: 'dropEverything' }), (err: unknown) => err instanceof HostRequestFailedError && err.kind === 'usage' && /name: must be one of status/.test(err.message));
      await assert.rejects(conn.request('command', { name: 'createAbTest', args: { name: 'x', ratio: 2, minSample: 1 } }), (err: unknown) => err instanceof HostRequestFailedError && err.kind === 'usage' && /ratio: must be a number from 0.01 to 0.99/.test(err.message));
      const serve = { host: '127.0.0.1', port: 0, requireToken: true, intervalMs: 200, allowedOrigins: [], maxClients: 10 };
      await assert.rejects(conn.request('serve', { ...serve, port: 70_000 }), (err: unknown) => err instanceof HostRequestFailedError && err.kind === 'usage' && /port must be an integer from 0 to 65535/.test(err.message));
      await assert.rejects(conn.request('serve', { ...serve, allowedOrigins: ['grafana'] }), (err: unknown) => err instanceof HostRequestFailedError && err.kind === 'usage' && /allowedOrigins: "grafana" is not an origin/.test(err.message));
      await assert.rejects(conn.request('serve', { ...serve, otlp: { port: 0, requireToken: true, userId: '' } }), (err: unknown) => err instanceof HostRequestFailedError && err.kind === 'usage' && /otlp\.userId/.test(err.message));
      await assert.rejects(conn.request('serve', { ...serve, otlp: { port: 0, userId: 'ann' } }), (err: unknown) => err instanceof HostRequestFailedError && err.kind === 'usage' && /requireToken must be true or false/.test(err.message));
      await assert.rejects(conn.request('command', { name: 'teamQuit', args: { url: 'postgresql://ann@127.0.0.1/t', deleteRows: 'yes' } }), (err: unknown) => err instanceof HostRequestFailedError && err.kind === 'usage' && /deleteRows: must be true or false/.test(err.message));
      await assert.rejects(conn.request('abOutcome', { testId: 999, userId: USER, skill: 'lint', completed: true }), (err: unknown) => err instanceof HostRequestFailedError && err.kind === 'failed' && /no A\/B test with id 999/.test(err.message));
    } finally {
      conn.close();
    }
  });
});

describe(`a hosted window's team sync, run by the store host (${ENGINE})`, { skip: skip ?? postgresSkip().skip }, () => {
  let pg: TestPostgres;
  let team: TestTeam;
  const saved = process.env.PGPASSWORD;

  before(async () => {
    pg = await startPostgres();
    team = await createTeam(pg, 'hosted', ['ann', 'ben', 'cas', 'dee', 'eve']);
    // The password comes from the window (its secret storage), never from the host's environment.
    delete process.env.PGPASSWORD;
  });

  after(async () => {
    if (saved !== undefined) process.env.PGPASSWORD = saved;
    await team?.owned.end();
    pg?.stop();
  });

  test('the window sends the URL and the password of its secret storage; the host previews, pushes, counts and leaves', { timeout: 90_000 }, async () => {
    const db = await seededStore('team');
    const window = await openWindow(db);
    const member = team.server('ann');
    const server = { url: member.url, password: member.password };
    const onServer = async () => Number((await team.owned.query<{ n: string }>('SELECT count(*) AS n FROM session_buddy.events WHERE member = $1', ['ann'])).rows[0].n);
    assert.equal(await window.command('teamUnpushed', { url: member.url }), 3);
    const preview = await window.command('teamPreview', { ...server, limit: 10 });
    assert.equal(preview.rows.length, 3);
    assert.equal(preview.label, member.label);
    await assert.rejects(window.command('teamSync', { url: member.url, password: 'not-the-password' }), /password/i);
    const synced = await window.command('teamSync', { ...server, sharedWithinMs: 60_000 });
    assert.equal(synced.sent, 3);
    assert.equal(await onServer(), 3, 'the runs are on the team server');
    const other = await openWindow(db);
    assert.deepEqual(await other.command('teamSync', { ...server, sharedWithinMs: 60_000 }), synced, "a second window on its timer is given the first one's sync");
    const fresh = await other.command('teamSync', server);
    assert.ok(fresh.at > synced.at, 'asked for a sync of its own (a setting changed), it gets one');
    assert.equal(fresh.sent, 0);
    assert.equal(await window.command('teamUnpushed', { url: member.url }), 0);
    assert.equal(await window.command('teamLeave', server), 3, "the member's rows on the server are deleted");
    assert.equal(await onServer(), 0);
    await assert.rejects(window.command('teamSync', { url: 'postgresql://ann:secret@127.0.0.1/hosted' }), /url: the team URL contains a password/);
  });
});
