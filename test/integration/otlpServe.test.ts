import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { claudeCodeRecords, exportLogs } from '../helpers/otlpClient';
import { dbIn, tempDir } from '../helpers/store';
import { cliCommand, runCliSync } from './realtime-test-support';

const ROOT = path.join(__dirname, '..', '..');
const scratch = tempDir('sb-otlp-serve-');
after(() => scratch.cleanup());

test('session-buddy serve --otlp-port 0: prints its endpoint; the SDK exporter records the planted agent runs, which the CLI reads back', async () => {
  const db = dbIn(scratch.dir, 'otlp');
  const child = spawn(process.execPath, [...cliCommand(), '--db', db, 'serve', '--port', '0', '--no-metrics', '--otlp-port', '0'], { cwd: ROOT, env: { ...process.env, SESSION_BUDDY_DB: '', SESSION_BUDDY_USER: 'ci-test-user' } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (err += String(d)));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 30_000;
    while (!out.includes('Press Ctrl+C to stop.')) {
      if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}: ${err}`);
      if (Date.now() > deadline) throw new Error(`no banner: ${out} ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const endpoint = /Agent telemetry \(OTLP\/HTTP\): (http:\/\/127\.0\.0\.1:(\d+)) \(bearer token required\)/.exec(out);
    assert.ok(endpoint, out);
    assert.notEqual(Number(endpoint[2]), 0, 'the port it really listens on is printed');
    const token = fs.readFileSync(/Token file: (.+)/.exec(out)![1], 'utf8').trim();
    const records = await claudeCodeRecords([
      { sessionId: 'claude-1', toolName: 'Bash', success: true, durationMs: 900, toolUseId: 'toolu_1', parameters: { full_command: 'pytest -q' } },
      { sessionId: 'claude-1', toolName: 'Bash', success: false, durationMs: 1100, toolUseId: 'toolu_2', parameters: { full_command: 'python -m pytest tests' } },
      { sessionId: 'claude-1', toolName: 'Bash', success: true, durationMs: 1000, toolUseId: 'toolu_3', parameters: { full_command: 'uv run pytest' } },
    ]);
    assert.equal((await exportLogs(endpoint[1], undefined, 'protobuf', records)).ok, false, 'refused without the token');
    assert.deepEqual(await exportLogs(endpoint[1], token, 'protobuf', records), { ok: true, error: undefined });
    assert.deepEqual(await exportLogs(endpoint[1], token, 'json', records), { ok: true, error: undefined }, 'a replay is accepted');
    child.kill('SIGTERM');
    assert.equal(await exit, 0);
    const metrics = runCliSync(['--db', db, 'metrics', '--skill', 'pytest-run', '--json']);
    assert.equal(metrics.code, 0, metrics.err);
    const parsed = JSON.parse(metrics.out) as { total_invocations: number; completed_invocations: number; avg_duration_seconds: number };
    assert.deepEqual([parsed.total_invocations, parsed.completed_invocations, parsed.avg_duration_seconds], [3, 2, 1]);
    const byAgent = runCliSync(['--db', db, 'tool', 'get_real_time_metrics', '--args', JSON.stringify({ source: 'agent', time_window_hours: 24 })]);
    assert.equal(byAgent.code, 0, byAgent.err);
    assert.deepEqual((JSON.parse(byAgent.out) as { top_skills: { skill_name: string; invocation_count: number }[] }).top_skills.map((s) => [s.skill_name, s.invocation_count]), [['pytest-run', 3]]);
    const byHuman = runCliSync(['--db', db, 'tool', 'get_real_time_metrics', '--args', JSON.stringify({ source: 'human', time_window_hours: 24 })]);
    assert.deepEqual((JSON.parse(byHuman.out) as { top_skills: unknown[] }).top_skills, [], 'none of them is the developer\'s');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('serve refuses --no-otlp-auth on a non-loopback host, and a bad --otlp-port, with exit code 2', () => {
  const db = dbIn(scratch.dir, 'usage');
  const open = runCliSync(['--db', db, 'serve', '--host', '0.0.0.0', '--otlp-port', '0', '--no-otlp-auth']);
  assert.equal(open.code, 2);
  assert.match(open.err, /--no-otlp-auth is refused with --host 0\.0\.0\.0/);
  const badPort = runCliSync(['--db', db, 'serve', '--otlp-port', '70000']);
  assert.equal(badPort.code, 2);
  assert.match(badPort.err, /--otlp-port/);
});
