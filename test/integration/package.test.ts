import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { tempDir, dbIn } from '../helpers/store';

const ROOT = path.join(__dirname, '..', '..');
const VSIX = path.join(ROOT, 'dist', 'session-buddy.vsix');
const scratch = tempDir('sb-package-');
after(() => scratch.cleanup());

/** Blocks until `done` (this test runs synchronous child processes throughout); the store host's idle exit is awaited so that cleanup does not race it. */
function waitFor(done: () => boolean, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    assert.ok(Date.now() < deadline, 'timed out');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
}

describe('the packaged extension', () => {
  test('npm run package produces a .vsix that carries only what runs, and its CLI works without node_modules', () => {
    execFileSync('npm', ['run', '--silent', 'package'], { cwd: ROOT, stdio: 'pipe' });
    assert.ok(fs.existsSync(VSIX));
    const size = fs.statSync(VSIX).size;
    assert.ok(size <= 3 * 1024 * 1024, `.vsix is ${size} bytes (goal <= 3 MB)`);
    execFileSync('unzip', ['-q', VSIX, '-d', scratch.dir]);
    const files = (fs.readdirSync(path.join(scratch.dir, 'extension'), { recursive: true }) as string[]).map(String);
    const forbidden = files.filter((f) => /(^|\/)(src|test|node_modules|bench|scripts)(\/|$)|\.map$|\.ts$|tsconfig|esbuild\.js/.test(f) && !f.endsWith('.d.ts'));
    assert.deepEqual(forbidden, [], 'no sources, tests, maps or node_modules in the .vsix');
    for (const needed of ['dist/extension.js', 'dist/cli.js', 'dist/store-host.js', 'dist/sql-wasm.wasm', 'migrations/V4__phase4_extensions__up.sql', 'migrations/postgres/P1__team_schema__up.sql', 'package.json']) {
      assert.ok(files.includes(needed), `${needed} is packaged`);
    }
    const installed = path.join(scratch.dir, 'extension');
    const db = dbIn(scratch.dir, 'data');
    const env = { ...process.env, NODE_PATH: '' };
    const track = spawnSync(process.execPath, [path.join(installed, 'dist', 'cli.js'), '--db', db, 'track', '--skill', 'pytest-run'], { cwd: scratch.dir, encoding: 'utf8', env });
    assert.equal(track.status, 0, track.stderr);
    const status = spawnSync(process.execPath, [path.join(installed, 'dist', 'cli.js'), '--db', db, 'status', '--json'], { cwd: scratch.dir, encoding: 'utf8', env });
    assert.equal(JSON.parse(status.stdout).invocations, 1);
    const sql = spawnSync(process.execPath, [path.join(installed, 'dist', 'cli.js'), '--db', db, 'sql', 'SELECT count(*) AS n FROM skill_invocation'], { cwd: scratch.dir, encoding: 'utf8', env });
    assert.equal(sql.status, 0, sql.stderr);
    assert.deepEqual(JSON.parse(sql.stdout), [{ n: 1 }], 'the packaged query worker runs');
    const viaHost = spawnSync(process.execPath, [path.join(installed, 'dist', 'cli.js'), '--db', db, 'metrics', '--json'], { cwd: scratch.dir, encoding: 'utf8', env: { ...env, SESSION_BUDDY_HOST: 'on', SESSION_BUDDY_HOST_IDLE_SECONDS: '0.5' } });
    assert.equal(viaHost.status, 0, viaHost.stderr);
    assert.equal(viaHost.stderr, '', 'the packaged store host answered (the command did not open the store itself)');
    assert.equal(JSON.parse(viaHost.stdout).skills[0].total_invocations, 1);
    waitFor(() => !fs.existsSync(`${db}.host.sock`), 10_000);
    // The bundled pg client and the packaged team schema: status says which schema it knows and why the server is out of reach.
    const team = spawnSync(process.execPath, [path.join(installed, 'dist', 'cli.js'), '--db', db, 'team', 'status', '--json', '--team-url', 'postgresql://alice@no-such-host.invalid/team'], { cwd: scratch.dir, encoding: 'utf8', env });
    assert.equal(team.status, 0, team.stderr);
    const teamStatus = JSON.parse(team.stdout) as { client_schema: string; reachable: boolean; error: string };
    assert.deepEqual([teamStatus.client_schema, teamStatus.reachable], ['P2', false]);
    assert.match(teamStatus.error, /unknown host "no-such-host\.invalid"|not reachable/);
  });
});
