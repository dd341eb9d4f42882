import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { hostPaths } from '../../src/core/host/hostPaths';
import { SkillStore } from '../../src/core/store/store';
import { tempDir } from '../helpers/store';
import { hostPidOf, killHostOf } from './realtime-test-support';
import { seedToolsStore } from './tools-seed';

// `session-buddy mcp` with the store host on (SESSION_BUDDY_HOST=on): the built CLI and host script
// (npm test builds them first), real processes on a real socket.
const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const scratch = tempDir('sb-mcp-host-');
const db = path.join(scratch.dir, 'skills.db');
let client: Client;
let stderr = '';

const hostPid = () => hostPidOf(db);

/** A preload that makes the server fail at any open of the database: it shows the server never loads the store. */
const neverOpens = (file: string) => ({ NODE_OPTIONS: `--require ${path.join(ROOT, 'test', 'fixtures', 'preload', 'forbidDatabase.cjs')}`, SB_FORBIDDEN_FILE: file });

async function seededStore(file: string): Promise<void> {
  const store = await SkillStore.open({ path: file, pollMs: 0 });
  await seedToolsStore(store);
  await store.close();
}

/** A seeded store, and `session-buddy mcp` on it with the host on; its stderr is collected by `onErr`. */
async function startServer(file: string, onErr: (text: string) => void, env: Record<string, string> = {}): Promise<Client> {
  await seededStore(file);
  return connectServer(file, onErr, env);
}

async function connectServer(file: string, onErr: (text: string) => void, env: Record<string, string>): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, '--db', file, 'mcp'],
    cwd: ROOT,
    env: { ...(process.env as Record<string, string>), SESSION_BUDDY_DB: '', SESSION_BUDDY_USER: 'alice', SESSION_BUDDY_HOST: 'on', SESSION_BUDDY_HOST_IDLE_SECONDS: '20', ...env },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (d) => onErr(String(d)));
  const started = new Client({ name: 'session-buddy-test', version: '0.0.0' });
  await started.connect(transport);
  return started;
}

before(async () => {
  assert.ok(fs.existsSync(CLI), 'dist/cli.js is built (npm test builds it first)');
  client = await startServer(db, (text) => (stderr += text), neverOpens(db));
});

after(async () => {
  await client?.close();
  killHostOf(db);
  scratch.cleanup();
});

function body(result: Awaited<ReturnType<Client['callTool']>>): Record<string, unknown> {
  assert.notEqual(result.isError, true, JSON.stringify(result.content));
  return JSON.parse(((result as CallToolResult).content[0] as { text: string }).text) as Record<string, unknown>;
}

describe('MCP server through the store host', { skip: process.platform === 'win32' ? 'Unix sockets' : undefined }, () => {
  test('reads are answered by the host it starts; a bad call is refused as without it', async () => {
    const metrics = body(await client.callTool({ name: 'get_real_time_metrics', arguments: { time_window_hours: 24 } }));
    assert.equal((metrics.top_skills as { skill_name: string }[])[0].skill_name, 'flaky-build');
    assert.ok(hostPid(), `a store host started for the store (${hostPaths(db).log})`);
    assert.match(fs.readFileSync(hostPaths(db).log, 'utf8'), /store opened/);
    await assert.rejects(client.callTool({ name: 'get_skill_trend', arguments: {} }), (err: Error) => err instanceof McpError && err.code === ErrorCode.InvalidParams && /"skill_name" is required/.test(err.message));
    await assert.rejects(client.callTool({ name: 'drop_everything', arguments: {} }), (err: Error) => err instanceof McpError && err.code === ErrorCode.InvalidParams);
    assert.doesNotMatch(stderr, /unavailable|opens the store itself/, 'the host served: no fallback');
  });

  test('a run an agent tracks is recorded by the server itself without loading the store, and the host reads it back', async () => {
    const tracked = body(await client.callTool({ name: 'track_skill_invocation', arguments: { skill_name: 'mcp-host-skill', completed: true, duration_seconds: 3 } }));
    assert.equal(typeof tracked.invocation_id, 'number');
    const metrics = body(await client.callTool({ name: 'get_real_time_metrics', arguments: { limit: 100 } }));
    assert.ok((metrics.top_skills as { skill_name: string }[]).some((s) => s.skill_name === 'mcp-host-skill'), 'the host applied the server\'s log segment before answering');
    const again = body(await client.callTool({ name: 'track_skill_invocation', arguments: { skill_name: 'mcp-host-skill', completed: false, session_id: tracked.session_id } }));
    assert.equal(again.session_id, tracked.session_id, 'the server\'s own session, named by the agent');
    const unknown = (await client.callTool({ name: 'track_skill_invocation', arguments: { skill_name: 'mcp-host-skill', session_id: 'no-such-session' } })) as CallToolResult;
    assert.equal(unknown.isError, true);
    assert.match((unknown.content[0] as { text: string }).text, /unknown session \\"no-such-session\\"/);
    assert.doesNotMatch(stderr, /must not open|unavailable|opens the store itself/, 'recorded without loading the store, and without falling back');
  });

  test('a host killed between calls is replaced by the next call, which is answered', async () => {
    const pid = hostPid();
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    fs.rmSync(hostPaths(db).log);
    const metrics = body(await client.callTool({ name: 'get_real_time_metrics', arguments: { limit: 100 } }));
    assert.ok((metrics.top_skills as { skill_name: string }[]).some((s) => s.skill_name === 'mcp-host-skill'));
    const next = hostPid();
    assert.ok(next !== undefined && next !== pid, 'a new host answered');
    assert.doesNotMatch(stderr, /unavailable|opens the store itself/);
  });

  test('the tracked run is in the database, in the server\'s session, ended when the server exits', async () => {
    await client.close();
    const pid = hostPid();
    if (pid !== undefined) process.kill(pid, 'SIGKILL');
    const store = await SkillStore.open({ path: db, pollMs: 0, mode: 'inspect' });
    try {
      const row = store.db.exec("SELECT i.duration_seconds, s.source, s.ended_at IS NOT NULL FROM skill_invocation i JOIN skill_sessions s ON s.session_id = i.session_id WHERE i.skill_name = 'mcp-host-skill' AND i.completed = 1")[0].values[0];
      assert.deepEqual(row, [3, 'mcp', 1]);
      assert.deepEqual(store.db.exec("SELECT count(*), count(DISTINCT session_id) FROM skill_invocation WHERE skill_name = 'mcp-host-skill'")[0].values[0], [2, 1], 'both runs, in one session');
    } finally {
      await store.close({ snapshot: false });
    }
  });
});

describe('MCP server when no store host can serve', { skip: process.platform === 'win32' ? 'Unix sockets' : undefined }, () => {
  test('it answers every call itself, and says why once', async () => {
    const folder = path.join(scratch.dir, 'no-host');
    fs.mkdirSync(folder);
    const file = path.join(folder, 'skills.db');
    let err = '';
    const own = await startServer(file, (text) => (err += text));
    try {
      fs.writeFileSync(hostPaths(file).socket, 'a file where the socket goes');
      for (let i = 0; i < 3; i++) {
        const metrics = body(await own.callTool({ name: 'get_real_time_metrics', arguments: { time_window_hours: 24 } }));
        assert.equal((metrics.top_skills as { skill_name: string }[])[0].skill_name, 'flaky-build');
      }
    } finally {
      await own.close();
    }
    assert.equal(err.match(/the store host is unavailable/g)?.length, 1, err);
  });
});

describe('MCP server with no host setting', { skip: process.platform === 'win32' ? 'Unix sockets' : undefined }, () => {
  test('in CI it uses a store host that runs, without loading the store; with none running it opens the store and starts none', async () => {
    const folder = path.join(scratch.dir, 'if-running');
    fs.mkdirSync(folder);
    const file = path.join(folder, 'skills.db');
    await seededStore(file);
    let err = '';
    const alone = await connectServer(file, (text) => (err += text), { SESSION_BUDDY_HOST: '', CI: 'true' });
    try {
      const metrics = body(await alone.callTool({ name: 'get_real_time_metrics', arguments: { time_window_hours: 24 } }));
      assert.equal((metrics.top_skills as { skill_name: string }[])[0].skill_name, 'flaky-build');
    } finally {
      await alone.close();
    }
    assert.equal(fs.existsSync(hostPaths(file).log), false, 'no host was started');
    const started = spawnSync(process.execPath, [CLI, '--db', file, 'metrics'], { encoding: 'utf8', env: { ...process.env, SESSION_BUDDY_DB: '', SESSION_BUDDY_HOST: 'on', SESSION_BUDDY_HOST_IDLE_SECONDS: '20' } });
    assert.equal(started.status, 0, started.stderr);
    const hostLog = fs.readFileSync(hostPaths(file).log, 'utf8');
    const hostPidOfFile = Number(/pid (\d+): listening/.exec(hostLog)?.[1]);
    const served = await connectServer(file, (text) => (err += text), { SESSION_BUDDY_HOST: '', CI: 'true', ...neverOpens(file) });
    try {
      const metrics = body(await served.callTool({ name: 'get_real_time_metrics', arguments: { time_window_hours: 24 } }));
      assert.equal((metrics.top_skills as { skill_name: string }[])[0].skill_name, 'flaky-build');
      const tracked = body(await served.callTool({ name: 'track_skill_invocation', arguments: { skill_name: 'mcp-if-running', completed: true } }));
      assert.equal(typeof tracked.invocation_id, 'number');
    } finally {
      await served.close();
      process.kill(hostPidOfFile, 'SIGKILL');
    }
    assert.doesNotMatch(err, /must not open|unavailable|opens the store itself/, 'the running host served, and nothing fell back');
  });

  test('elsewhere its first call starts the store host, and it never loads the store', async () => {
    const folder = path.join(scratch.dir, 'on-demand');
    fs.mkdirSync(folder);
    const file = path.join(folder, 'skills.db');
    await seededStore(file);
    let err = '';
    const server = await connectServer(file, (text) => (err += text), { SESSION_BUDDY_HOST: '', CI: '', ...neverOpens(file) });
    try {
      const metrics = body(await server.callTool({ name: 'get_real_time_metrics', arguments: { time_window_hours: 24 } }));
      assert.equal((metrics.top_skills as { skill_name: string }[])[0].skill_name, 'flaky-build');
    } finally {
      await server.close();
      const pid = /pid (\d+): listening/.exec(fs.readFileSync(hostPaths(file).log, 'utf8'))?.[1];
      assert.ok(pid, 'a host was started');
      process.kill(Number(pid), 'SIGKILL');
    }
    assert.doesNotMatch(err, /must not open|unavailable|opens the store itself/, 'the host it started served');
  });
});
