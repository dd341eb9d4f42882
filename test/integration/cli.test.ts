import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultMigrationsDir, discoverMigrations } from '../../src/core/store/migrations';
import { ANCHOR_ROWS, buildAnchorDb } from '../helpers/anchor';
import { dbIn, tempDir } from '../helpers/store';

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');
const SHIPPED = discoverMigrations(defaultMigrationsDir()).map((f) => f.version);
const LATEST = SHIPPED[SHIPPED.length - 1];
const scratch = tempDir('sb-cli-');
after(() => scratch.cleanup());

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, SESSION_BUDDY_DB: '', ...env } });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

before(() => assert.ok(fs.existsSync(CLI), 'dist/cli.js is built (npm test builds it first)'));

describe('session-buddy CLI', () => {
  const db = path.join(scratch.dir, 'main', 'skills.db');
  before(() => fs.mkdirSync(path.dirname(db), { recursive: true }));

  test('status --json on a new path: no version, every migration pending, no file created', () => {
    const { code, out } = cli(['--db', db, 'status', '--json']);
    assert.equal(code, 0);
    const status = JSON.parse(out);
    assert.equal(status.current_version, null);
    assert.equal(status.pending.length, SHIPPED.length);
    assert.deepEqual(status.applied, []);
    assert.equal(status.invocations, 0);
    assert.equal(status.path, db);
    assert.equal(fs.existsSync(db), false, 'status never creates or migrates');
  });

  test('track prints the new id; status and metrics see it', () => {
    const first = cli(['--db', db, 'track', '--skill', 'pytest-run', '--duration', '2.5', '--phase', 'execution']);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /^\d+\n$/);
    const second = cli(['--db', db, 'track', '--skill', 'pytest-run', '--failed', '--error', 'AssertionError']);
    assert.equal(second.code, 0, second.err);
    assert.ok(Number(second.out) > Number(first.out));
    const status = JSON.parse(cli(['--db', db, 'status', '--json']).out);
    assert.equal(status.current_version, LATEST);
    assert.equal(status.invocations, 2);
    assert.equal(status.applied.length, SHIPPED.length);
    const metrics = JSON.parse(cli(['--db', db, 'metrics', '--skill', 'pytest-run', '--json']).out);
    assert.equal(metrics.total_invocations, 2);
    assert.equal(metrics.completion_rate, 0.5);
    assert.equal(metrics.common_errors.AssertionError, 1);
  });

  test('SESSION_BUDDY_DB selects the store when --db is absent', () => {
    const other = path.join(scratch.dir, 'env', 'skills.db');
    fs.mkdirSync(path.dirname(other), { recursive: true });
    assert.equal(cli(['track', '--skill', 'ruff-check'], { SESSION_BUDDY_DB: other }).code, 0);
    assert.equal(JSON.parse(cli(['status', '--json'], { SESSION_BUDDY_DB: other }).out).invocations, 1);
  });

  test('sql runs one read-only query and refuses writes and multiple statements', () => {
    const ok = cli(['--db', db, 'sql', "SELECT skill_name, completed FROM skill_invocation ORDER BY id"]);
    assert.equal(ok.code, 0, ok.err);
    assert.deepEqual(JSON.parse(ok.out), [{ skill_name: 'pytest-run', completed: 1 }, { skill_name: 'pytest-run', completed: 0 }]);
    for (const write of ['DELETE FROM skill_invocation', 'DROP TABLE skill_metrics', "UPDATE skill_metrics SET total_invocations = 0", 'SELECT 1; DELETE FROM skill_invocation']) {
      const refused = cli(['--db', db, 'sql', write]);
      assert.equal(refused.code, 1, write);
      assert.match(refused.err, /^session-buddy: /);
      assert.equal(refused.err.trim().split('\n').length, 1, 'one line on stderr');
    }
    assert.equal(JSON.parse(cli(['--db', db, 'status', '--json']).out).invocations, 2, 'nothing was written');
  });

  test('bad usage exits 2; handled errors exit 1', () => {
    assert.equal(cli(['--db', db, 'track']).code, 2, 'missing --skill');
    assert.equal(cli(['--db', db, 'track', '--skill', 'x', '--duration', '-1']).code, 2);
    assert.equal(cli(['--db', db, 'track', '--skill', 'x', '--duration', 'soon']).code, 2);
    const both = cli(['--db', db, 'track', '--skill', 'x', '--completed', '--failed']);
    assert.equal(both.code, 2);
    assert.match(both.err, /^session-buddy: use either --completed or --failed, not both\n/, 'a usage error found by the command itself is printed too');
    assert.equal(cli(['--db', db, 'track', '--skill', 'x', '--duration', '-1']).err.match(/must be at least 0/g)?.length, 1, 'printed once');
    assert.equal(cli(['--db', db, 'rollback', '--steps', '0']).code, 2);
    assert.equal(cli(['--db', db, 'no-such-command']).code, 2);
    const unknownSession = cli(['--db', db, 'track', '--skill', 'x', '--session', 'nope']);
    assert.equal(unknownSession.code, 1);
    assert.match(unknownSession.err, /unknown session "nope"/);
    assert.equal(cli(['--db', db, 'migrate', '--target', 'V99']).code, 1);
    assert.equal(cli(['--db', db, 'metrics', '--skill', 'never-ran']).code, 1);
    assert.equal(cli(['--help']).code, 0);
  });

  test('rollback and migrate report what they did and where the backup is; validate passes', () => {
    const steps = String(SHIPPED.length - 3);
    const dry = cli(['--db', db, 'rollback', '--steps', steps, '--dry-run']);
    assert.equal(dry.code, 0);
    assert.equal(dry.out, `Would roll back:\n${SHIPPED.slice(3).reverse().map((v) => `  ${v}\n`).join('')}`);
    const rolled = cli(['--db', db, 'rollback', '--steps', steps]);
    assert.equal(rolled.code, 0, rolled.err);
    const backup = /Backup: (.+)/.exec(rolled.out)![1];
    assert.ok(fs.existsSync(backup));
    const status = JSON.parse(cli(['--db', db, 'status', '--json']).out);
    assert.equal(status.current_version, 'V3__add_workflow_correlation', 'status does not migrate back');
    assert.equal(status.invocations, 2);
    assert.equal(cli(['--db', db, 'validate']).code, 0);
    const migrated = cli(['--db', db, 'migrate']);
    assert.equal(migrated.code, 0, migrated.err);
    assert.ok(migrated.out.startsWith(`Applied:\n${SHIPPED.slice(3).map((v) => `  ${v}\n`).join('')}`), migrated.out);
    assert.equal(JSON.parse(cli(['--db', db, 'status', '--json']).out).current_version, LATEST);
  });

  test('import-session-buddy copies a Python database once, also from its -wal file', () => {
    for (const keepWal of [false, true]) {
      const source = path.join(scratch.dir, `anchor-${keepWal}.db`);
      buildAnchorDb(source, { keepWal });
      assert.equal(fs.existsSync(`${source}-wal`) && fs.statSync(`${source}-wal`).size > 0, keepWal);
      const target = dbIn(scratch.dir, `import-${keepWal}`);
      const first = cli(['--db', target, 'import-session-buddy', source]);
      assert.equal(first.code, 0, first.err);
      assert.match(first.out, new RegExp(`${ANCHOR_ROWS} invocations added, 0 skipped`));
      const again = cli(['--db', target, 'import-session-buddy', source]);
      assert.match(again.out, new RegExp(`0 invocations added, ${ANCHOR_ROWS} skipped`));
      const rows = JSON.parse(cli(['--db', target, 'sql', "SELECT count(*) AS n, sum(skill_name = 'docker-build') AS late FROM skill_invocation"]).out);
      assert.deepEqual(rows, [{ n: ANCHOR_ROWS, late: 1 }], 'the transaction that only lives in the WAL is imported too');
    }
    assert.equal(cli(['--db', db, 'import-session-buddy', path.join(scratch.dir, 'missing.db')]).code, 1);
  });

  test('import-session-buddy carries V4: who ran what (hashed), interactions, anomalies, A/B tests; counts per table; once', () => {
    const source = path.join(scratch.dir, 'anchor-v4.db');
    buildAnchorDb(source, { v4: true });
    const target = dbIn(scratch.dir, 'import-v4');
    const first = cli(['--db', target, 'import-session-buddy', source, '--json']);
    assert.equal(first.code, 0, first.err);
    const counts = (r: { tables: Record<string, { added: number; skipped: number; invalid: number }> }) =>
      Object.fromEntries(Object.entries(r.tables).map(([t, c]) => [t, [c.added, c.skipped, c.invalid]]));
    const result = JSON.parse(first.out);
    assert.deepEqual(counts(result), {
      skill_sessions: [3, 0, 0],
      skill_invocation: [ANCHOR_ROWS, 0, 0],
      skill_user_interactions: [1, 0, 0],
      skill_anomalies: [1, 0, 1],
      ab_test_configs: [1, 0, 0],
      ab_test_assignments: [2, 0, 0],
      ab_test_outcomes: [3, 0, 0],
    });
    assert.equal(result.users, 2);
    assert.deepEqual(result.baselines, { source_rows: 2, recomputed: 5 });

    const sql = (q: string) => JSON.parse(cli(['--db', target, 'sql', q]).out);
    const sessions = Object.fromEntries(sql('SELECT session_id, user_id FROM skill_sessions').map((r: { session_id: string; user_id: string }) => [r.session_id, r.user_id]));
    assert.match(sessions.s1, /^anon-[0-9a-f]{16}$/, 'alice@example.com is stored hashed');
    assert.notEqual(sessions.s1, sessions.s2, 'alice and bob stay two users');
    const importer = sql("SELECT user_id FROM skill_sessions WHERE session_id = 's3'")[0].user_id;
    assert.ok(importer !== sessions.s1 && importer !== sessions.s2, 'a session the source names no user for is the importing user\'s');
    assert.deepEqual(sql("SELECT DISTINCT user_id FROM ab_test_assignments ORDER BY group_name").map((r: { user_id: string }) => r.user_id), [sessions.s1, sessions.s2],
      'the A/B users are the same hashed ids as the sessions\'');
    assert.deepEqual(sql('SELECT metrics, status FROM ab_test_configs'), [{ metrics: '["completion_rate","duration"]', status: 'running' }]);
    assert.deepEqual(sql("SELECT skill_name, rating FROM skill_user_interactions WHERE session_id = 's9'"), [{ skill_name: 'mkdocs-build', rating: 4 }]);
    assert.equal(sql("SELECT total_users FROM skill_community_baselines WHERE skill_name = 'pytest-run'")[0].total_users, 2, 'users, not sessions');
    const stored = [target, ...fs.readdirSync(`${target}.events`, { recursive: true }).map((f) => path.join(`${target}.events`, String(f)))]
      .filter((f) => fs.statSync(f).isFile()).map((f) => fs.readFileSync(f).toString('latin1')).join('');
    assert.ok(!stored.includes('alice@example.com'), 'no raw user id in the snapshot or the log');

    const again = JSON.parse(cli(['--db', target, 'import-session-buddy', source, '--json']).out);
    assert.deepEqual(counts(again), {
      skill_sessions: [0, 3, 0],
      skill_invocation: [0, ANCHOR_ROWS, 0],
      skill_user_interactions: [0, 1, 0],
      skill_anomalies: [0, 1, 1],
      ab_test_configs: [0, 1, 0],
      ab_test_assignments: [0, 2, 0],
      ab_test_outcomes: [0, 3, 0],
    });
    assert.equal(sql('SELECT COUNT(*) AS n FROM ab_test_outcomes')[0].n, 3, 'nothing doubled');
  });
});
