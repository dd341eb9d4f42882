import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { trackPipelineStages, type CiStage } from '../../src/core/integrations/cicd';
import { openDatabaseBytes } from '../../src/core/store/engine';
import { MigrationManager } from '../../src/core/store/migrations';
import { SkillStore } from '../../src/core/store/store';
import { runCliSync } from './realtime-test-support';
import { tempDir, dbIn } from '../helpers/store';

const scratch = tempDir('sb-ci-');
after(() => scratch.cleanup());
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'junit');

async function rows<T>(db: string, sql: string, params: (string | number)[] = []): Promise<T[]> {
  const store = await SkillStore.open({ path: db, mode: 'inspect', pollMs: 0 });
  try {
    const result = store.db.exec(sql, params)[0];
    if (!result) return [];
    return result.values.map((v) => Object.fromEntries(result.columns.map((c, i) => [c, v[i]])) as T);
  } finally {
    await store.close({ snapshot: false });
  }
}

describe('V6 migration (ci_pipeline_context)', () => {
  test('up creates the table keyed by invocation id; down removes exactly it and keeps the invocations', async () => {
    const db = await openDatabaseBytes();
    const manager = new MigrationManager(db);
    manager.migrate({ target: 'V6' });
    assert.equal(manager.status().current_version, 'V6__ci_pipeline_context');
    const pk = db.exec("SELECT name FROM pragma_table_info('ci_pipeline_context') WHERE pk = 1")[0].values[0][0];
    assert.equal(pk, 'invocation_id');
    db.exec("INSERT INTO skill_invocation (skill_name, invoked_at, session_id, completed) VALUES ('pytest-run', '2026-11-20T10:00:00.000Z', 's', 1)");
    db.exec("INSERT INTO ci_pipeline_context (invocation_id, pipeline_name, build_number, stage, recorded_at) VALUES (1, 'p', '1', 'test', '2026-11-20T10:00:01.000Z')");
    manager.rollback({ steps: 1 });
    assert.equal(manager.status().current_version, 'V5__skill_sessions');
    const tables = db.exec("SELECT name FROM sqlite_master WHERE name LIKE '%ci_pipeline%'");
    assert.equal(tables.length, 0);
    assert.equal(db.exec('SELECT count(*) FROM skill_invocation')[0].values[0][0], 1);
    manager.migrate({ target: 'V6' });
    assert.equal(manager.status().current_version, 'V6__ci_pipeline_context');
    db.close();
  });
});

describe('session-buddy ci', () => {
  const db = dbIn(scratch.dir, 'ci');
  const track = (build: string, stage: string, skill: string, status: string, duration: number, extra: string[] = []) =>
    runCliSync(['--db', db, 'ci', 'track', '--pipeline', 'web', '--build', build, '--stage', stage, '--skill', skill, '--status', status, '--duration', String(duration), ...extra]);

  test('track records the invocation with the stage phase, the build session and the pipeline context', async () => {
    const res = track('101', 'deploy', 'helm-deploy', 'failure', 42.5, ['--commit', 'a1b2c3d4e5', '--branch', 'main', '--environment', 'staging', '--triggered-by', 'release-bot', '--error', 'timeout']);
    assert.equal(res.code, 0, res.err);
    const id = Number(res.out.trim());
    const [inv] = await rows<Record<string, unknown>>(db, 'SELECT * FROM skill_invocation WHERE id = ?', [id]);
    assert.equal(inv.skill_name, 'helm-deploy');
    assert.equal(inv.workflow_phase, 'deployment');
    assert.equal(inv.completed, 0);
    assert.equal(inv.duration_seconds, 42.5);
    assert.equal(inv.error_type, 'timeout');
    assert.equal(inv.session_id, 'web-101');
    const [context] = await rows<Record<string, unknown>>(db, 'SELECT * FROM ci_pipeline_context WHERE invocation_id = ?', [id]);
    assert.deepEqual(
      [context.pipeline_name, context.build_number, context.stage, context.git_commit, context.git_branch, context.environment, context.triggered_by],
      ['web', '101', 'deploy', 'a1b2c3d4e5', 'main', 'staging', 'release-bot'],
    );
    const [session] = await rows<{ source: string }>(db, "SELECT source FROM skill_sessions WHERE session_id = 'web-101'");
    assert.equal(session.source, 'ci');
  });

  test('every stage maps to the anchor phase', async () => {
    const expected: Record<string, string> = { build: 'setup', test: 'execution', lint: 'verification', security: 'verification', deploy: 'deployment', publish: 'deployment' };
    const store = await SkillStore.open({ path: dbIn(scratch.dir, 'stages'), pollMs: 0 });
    try {
      const stages = Object.keys(expected) as CiStage[];
      const ids = await trackPipelineStages(store, 'u', { pipeline: 'web', build: '200' }, stages.map((stage) => ({ stage, skill: `${stage}-skill`, completed: true, durationSeconds: 1 })));
      const phases = ids.map((id) => store.db.exec('SELECT workflow_phase FROM skill_invocation WHERE id = ?', [id])[0].values[0][0]);
      assert.deepEqual(phases, stages.map((s) => expected[s]));
    } finally {
      await store.close();
    }
  });

  test('bad usage exits 2 with a message; a malformed commit is a handled error', () => {
    const badStage = runCliSync(['--db', db, 'ci', 'track', '--pipeline', 'web', '--build', '1', '--stage', 'compile', '--skill', 'x', '--status', 'success', '--duration', '1']);
    assert.equal(badStage.code, 2);
    assert.match(badStage.err, /--stage must be one of build, test, lint, security, deploy, publish/);
    const badStatus = runCliSync(['--db', db, 'ci', 'track', '--pipeline', 'web', '--build', '1', '--stage', 'test', '--skill', 'x', '--status', 'ok', '--duration', '1']);
    assert.equal(badStatus.code, 2);
    const badCommit = track('1', 'test', 'x', 'success', 1, ['--commit', 'not-a-sha']);
    assert.equal(badCommit.code, 1);
    assert.match(badCommit.err, /commit: must be a hexadecimal commit id/);
  });

  test('report: per-stage rates, bottlenecks under 80 %, recommendations; honours --pipeline and --days', async () => {
    const rdb = dbIn(scratch.dir, 'report');
    const store = await SkillStore.open({ path: rdb, pollMs: 0 });
    const run = (pipeline: string, build: number, stage: CiStage, skill: string, ok: boolean, duration: number) =>
      trackPipelineStages(store, 'u', { pipeline, build: String(build) }, [{ stage, skill, completed: ok, durationSeconds: duration }]);
    // web: build 10/10 ok (slow: 400 s), test 6 of 10 ok, lint 3 of 4 ok; api (another pipeline): test 0 of 3.
    for (let b = 1; b <= 10; b++) {
      await run('web', b, 'build', 'docker-build', true, 400);
      await run('web', b, 'test', 'pytest-run', b <= 6, 30);
      if (b <= 4) await run('web', b, 'lint', 'ruff-check', b !== 1, 5);
    }
    for (let b = 1; b <= 3; b++) await run('api', b, 'test', 'jest-run', false, 10);
    await store.close();

    const res = runCliSync(['--db', rdb, 'ci', 'report', '--pipeline', 'web', '--json']);
    assert.equal(res.code, 0, res.err);
    const report = JSON.parse(res.out);
    assert.equal(report.pipeline_name, 'web');
    assert.equal(report.builds, 10);
    assert.equal(report.total_runs, 24);
    assert.equal(report.overall_success_rate, 19 / 24);
    assert.deepEqual(Object.keys(report.stage_analytics), ['build', 'test', 'lint']);
    assert.equal(report.stage_analytics.test.success_rate, 0.6);
    assert.equal(report.stage_analytics.test.failed_runs, 4);
    assert.equal(report.stage_analytics.lint.success_rate, 0.75);
    assert.equal(report.stage_analytics.build.avg_duration_seconds, 400);
    assert.deepEqual(report.bottlenecks, [
      { stage: 'test', success_rate: 0.6, severity: 'medium' },
      { stage: 'lint', success_rate: 0.75, severity: 'medium' },
    ]);
    const byPriority = (p: string) => report.recommendations.filter((r: { priority: string }) => r.priority === p).map((r: { stage: string }) => r.stage);
    assert.deepEqual(byPriority('high'), ['test']);
    assert.deepEqual(byPriority('medium'), ['build']);

    const api = JSON.parse(runCliSync(['--db', rdb, 'ci', 'report', '--pipeline', 'api', '--json']).out);
    assert.equal(api.total_runs, 3);
    assert.deepEqual(api.bottlenecks, [{ stage: 'test', success_rate: 0, severity: 'high' }]);

    // The window: runs recorded now are inside --days 1 and the report's bounds say so.
    const text = runCliSync(['--db', rdb, 'ci', 'report', '--pipeline', 'web', '--days', '1']);
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /Pipeline web: last 1 day /);
    assert.match(text.out, /test\s+10\s+4\s+60 %/);
    assert.match(text.out, /Bottlenecks \(success under 80 %\):\n {2}test: 60 % \(medium\)\n {2}lint: 75 % \(medium\)/);
    const none = runCliSync(['--db', rdb, 'ci', 'report', '--pipeline', 'nightly']);
    assert.match(none.out, /No recorded runs in this window/);
  });

  test('report --days excludes older runs', async () => {
    const wdb = dbIn(scratch.dir, 'window');
    // Two runs: one 3 days ago (backdated through the library), one now.
    const store = await SkillStore.open({ path: wdb, pollMs: 0 });
    await trackPipelineStages(store, 'u', { pipeline: 'web', build: '1' }, [
      { stage: 'test', skill: 'pytest-run', completed: false, durationSeconds: 5, finishedAt: new Date(Date.now() - 3 * 86_400_000) },
    ]);
    await trackPipelineStages(store, 'u', { pipeline: 'web', build: '2' }, [{ stage: 'test', skill: 'pytest-run', completed: true, durationSeconds: 5 }]);
    await store.close();
    const week = JSON.parse(runCliSync(['--db', wdb, 'ci', 'report', '--pipeline', 'web', '--json']).out);
    assert.equal(week.total_runs, 2);
    const twoDays = JSON.parse(runCliSync(['--db', wdb, 'ci', 'report', '--pipeline', 'web', '--days', '2', '--json']).out);
    assert.equal(twoDays.total_runs, 1);
    assert.equal(twoDays.overall_success_rate, 1);
    assert.deepEqual(twoDays.bottlenecks, []);
  });
});

describe('session-buddy ci import-junit', () => {
  const db = dbIn(scratch.dir, 'junit');
  const files = ['pytest.xml', 'jest.xml', 'vitest.xml', 'go-junit-report.xml', 'surefire.xml'].map((f) => path.join(FIXTURES, f));

  test('records each suite of each dialect with outcome and duration, never a suite name or path', async () => {
    const res = runCliSync(['--db', db, 'ci', 'import-junit', ...files, '--json']);
    assert.equal(res.code, 0, res.err);
    const summary = JSON.parse(res.out).files as { dialect: string; skill: string; suites: number; added: number; failed: number }[];
    assert.deepEqual(
      summary.map((f) => [f.dialect, f.skill, f.suites, f.added, f.failed]),
      [
        ['pytest', 'pytest-run', 1, 1, 1],
        ['jest', 'jest-run', 2, 2, 1],
        ['vitest', 'vitest-run', 2, 2, 1],
        ['go', 'go-test', 2, 2, 1],
        ['surefire', 'maven-test', 1, 1, 1],
      ],
    );
    const stored = await rows<{ skill_name: string; completed: number; duration_seconds: number; error_type: string | null; workflow_phase: string; invoked_at: string }>(
      db,
      'SELECT skill_name, completed, duration_seconds, error_type, workflow_phase, invoked_at FROM skill_invocation ORDER BY skill_name, duration_seconds',
    );
    assert.deepEqual(
      stored.map((r) => [r.skill_name, r.completed, r.duration_seconds, r.error_type]),
      [
        ['go-test', 1, 0.007, null],
        ['go-test', 0, 0.412, 'test_failures'],
        ['jest-run', 1, 1.25, null],
        ['jest-run', 0, 1.75, 'test_failures'],
        ['maven-test', 0, 1204.5, 'test_errors'],
        ['pytest-run', 0, 2.518, 'test_failures'],
        ['vitest-run', 1, 0.031, null],
        ['vitest-run', 0, 0.64, 'test_errors'],
      ],
    );
    assert.ok(stored.every((r) => r.workflow_phase === 'execution'));
    const pytest = stored.find((r) => r.skill_name === 'pytest-run')!;
    assert.equal(pytest.invoked_at, '2026-11-20T10:15:02.123Z', 'dated by the suite timestamp');
    const dump = JSON.stringify(await rows(db, 'SELECT * FROM skill_invocation'));
    for (const secret of ['src/', 'example.com', 'com.example', 'tests/test_math']) assert.ok(!dump.includes(secret), `no ${secret} stored`);
  });

  test('importing the same reports again adds nothing', async () => {
    const res = runCliSync(['--db', db, 'ci', 'import-junit', ...files]);
    assert.equal(res.code, 0, res.err);
    assert.match(res.out, /pytest report, 1 suite as pytest-run: 0 recorded \(0 failed\), 1 already recorded/);
    const [count] = await rows<{ n: number }>(db, 'SELECT count(*) AS n FROM skill_invocation');
    assert.equal(count.n, 8);
  });

  const pytest = ['/usr/bin/python3', 'python3'].find((py) => spawnSync(py, ['-m', 'pytest', '--version'], { stdio: 'ignore' }).status === 0);
  test('two reports of real pytest runs in one build are two runs (each suite is named "pytest"); repeating them adds nothing', { skip: pytest ? false : 'needs pytest (apt-get install python3-pytest)' }, async () => {
    const work = path.join(scratch.dir, 'real-pytest');
    fs.mkdirSync(work, { recursive: true });
    fs.writeFileSync(path.join(work, 'test_green.py'), 'def test_ok():\n    assert 1 + 1 == 2\n');
    fs.writeFileSync(path.join(work, 'test_red.py'), 'def test_broken():\n    assert 1 + 1 == 3\n');
    for (const name of ['green', 'red']) spawnSync(pytest!, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', `--junitxml=${name}.xml`, `test_${name}.py`], { cwd: work, stdio: 'ignore' });
    const reports = ['green', 'red'].map((n) => path.join(work, `${n}.xml`));
    for (const report of reports) assert.match(fs.readFileSync(report, 'utf8'), /<testsuite name="pytest"/);
    const mdb = dbIn(scratch.dir, 'junit-matrix');
    const first = runCliSync(['--db', mdb, 'ci', 'import-junit', '--pipeline', 'p', '--build', '7', ...reports, '--json']);
    assert.equal(first.code, 0, first.err);
    assert.deepEqual((JSON.parse(first.out).files as { added: number; failed: number }[]).map((f) => [f.added, f.failed]), [[1, 0], [1, 1]]);
    const again = runCliSync(['--db', mdb, 'ci', 'import-junit', '--pipeline', 'p', '--build', '7', ...reports, '--json']);
    assert.deepEqual((JSON.parse(again.out).files as { added: number }[]).map((f) => f.added), [0, 0]);
    const stored = await rows<{ completed: number }>(mdb, 'SELECT completed FROM skill_invocation ORDER BY completed');
    assert.deepEqual(stored.map((r) => r.completed), [0, 1]);
  });

  test('with --pipeline/--build the suites join the build and appear in ci report', async () => {
    const pdb = dbIn(scratch.dir, 'junit-pipeline');
    const res = runCliSync(['--db', pdb, 'ci', 'import-junit', files[1], '--pipeline', 'web', '--build', '7', '--skill', 'unit-tests']);
    assert.equal(res.code, 0, res.err);
    const [ctx] = await rows<{ n: number; builds: string }>(pdb, "SELECT count(*) AS n, group_concat(DISTINCT build_number) AS builds FROM ci_pipeline_context WHERE pipeline_name = 'web' AND stage = 'test'");
    assert.deepEqual([ctx.n, ctx.builds], [2, '7']);
    const report = JSON.parse(runCliSync(['--db', pdb, 'ci', 'report', '--pipeline', 'web', '--days', '3650', '--json']).out);
    assert.equal(report.stage_analytics.test.total_runs, 2);
    assert.equal(report.stage_analytics.test.success_rate, 0.5);
    assert.deepEqual(report.stage_analytics.test.skills_used, ['unit-tests']);
    const lonely = runCliSync(['--db', pdb, 'ci', 'import-junit', files[0], '--pipeline', 'web']);
    assert.equal(lonely.code, 2);
    assert.match(lonely.err, /--pipeline and --build go together/);
  });

  test('a file that is missing or not JUnit is a handled error naming the file', () => {
    const junk = path.join(scratch.dir, 'junk.xml');
    fs.writeFileSync(junk, '<html><body>nope</body></html>');
    const res = runCliSync(['--db', db, 'ci', 'import-junit', junk]);
    assert.equal(res.code, 1);
    assert.match(res.err, /junk\.xml: not a JUnit report/);
    const missing = runCliSync(['--db', db, 'ci', 'import-junit', path.join(scratch.dir, 'nope.xml')]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /nope\.xml: no such file/);
  });
});
