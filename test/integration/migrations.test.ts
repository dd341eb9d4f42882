import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { Database } from 'sql.js';
import { compact } from '../../src/core/store/compactor';
import { openDatabaseBytes } from '../../src/core/store/engine';
import { applyEvents, type InvocationRow, type StoreEvent } from '../../src/core/store/events';
import { MigrationError, MigrationManager, defaultMigrationsDir, discoverMigrations } from '../../src/core/store/migrations';
import { storePaths } from '../../src/core/store/paths';
import { SkillStore } from '../../src/core/store/store';
import { SkillTracker } from '../../src/core/tracking/tracker';
import { ANCHOR_ROWS, buildAnchorDb } from '../helpers/anchor';
import { tempDir } from '../helpers/store';

const scratch = tempDir('sb-migrations-');
after(() => scratch.cleanup());
let counter = 0;
const newPath = (name = 'skills.db') => {
  const dir = path.join(scratch.dir, String(counter++));
  fs.mkdirSync(dir);
  return path.join(dir, name);
};

function names(db: Database, type: string): string[] {
  const rows = db.exec(`SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name`, [type]);
  return (rows[0]?.values ?? []).map((r) => String(r[0]));
}

function schema(db: Database): string[] {
  const rows = db.exec("SELECT type || ' ' || name || ' ' || tbl_name || ' ' || COALESCE(sql, '') FROM sqlite_master ORDER BY type, name");
  return (rows[0]?.values ?? []).map((r) => String(r[0]));
}

const count = (db: Database, sql: string, params: (string | number)[] = []) => Number(db.exec(sql, params)[0].values[0][0]);

/** Every migration shipped, in order, and the newest: tests must hold whatever comes after V5. */
const SHIPPED = discoverMigrations(defaultMigrationsDir()).map((f) => f.version);
const LATEST = SHIPPED[SHIPPED.length - 1];
/** Steps from the latest version back down to V<n>. */
const stepsDownTo = (n: number) => SHIPPED.length - n;

let nextInvocationId = 1;

/** Invocations written the way the store writes them (events), so that the counters are kept at every version. */
function record(db: Database, rows: Partial<InvocationRow>[]): void {
  const events: StoreEvent[] = rows.map((r) => ({
    t: 'invocation',
    user_id: null,
    row: {
      id: nextInvocationId++, skill_name: 'x', invoked_at: '2026-11-01T10:00:00.000Z', session_id: 's', workflow_path: null, completed: 1,
      duration_seconds: null, user_query: null, alternatives_considered: null, selection_rank: null, follow_up_actions: null,
      error_type: null, workflow_phase: null, workflow_step_id: null, ...r,
    },
  }));
  assert.deepEqual(applyEvents(db, events).failures, []);
}

async function freshDb(): Promise<{ db: Database; manager: MigrationManager }> {
  const db = await openDatabaseBytes();
  return { db, manager: new MigrationManager(db) };
}

/** A copy of the real migrations folder that a test may add files to or change. */
function migrationsCopy(): string {
  const dir = newPath('migrations');
  fs.mkdirSync(dir);
  for (const f of fs.readdirSync(defaultMigrationsDir()).filter((name) => name.endsWith('.sql'))) fs.copyFileSync(path.join(defaultMigrationsDir(), f), path.join(dir, f));
  return dir;
}

describe('schema inventory', () => {
  test('V4 has the anchor objects without FTS5: 19 tables, 13 views, 3 triggers', async () => {
    const { db, manager } = await freshDb();
    manager.migrate({ target: 'V4' });
    const tables = names(db, 'table').filter((n) => n !== 'sqlite_sequence');
    assert.deepEqual(tables, [
      'ab_test_assignments', 'ab_test_configs', 'ab_test_outcomes', 'mv_daily_skills', 'session_skills',
      'skill_anomalies', 'skill_categories', 'skill_category_mapping', 'skill_cluster_membership', 'skill_clusters',
      'skill_community_baselines', 'skill_dependencies', 'skill_invocation', 'skill_metrics', 'skill_metrics_cache',
      'skill_migrations', 'skill_modalities', 'skill_time_series', 'skill_user_interactions',
    ]);
    assert.deepEqual(names(db, 'view'), [
      'v_ab_test_summary', 'v_community_baseline_comparison', 'v_daily_skill_source', 'v_multimodal_skill_catalog',
      'v_realtime_skill_dashboard', 'v_session_skill_summary', 'v_skill_dependency_network', 'v_skill_effectiveness',
      'v_skill_effectiveness_by_phase', 'v_skill_effectiveness_trend', 'v_skills_by_phase_usage', 'v_top_skills',
      'v_workflow_phase_patterns',
    ]);
    assert.deepEqual(names(db, 'trigger'), ['trg_metrics_cache_after_insert', 'trg_session_skills_after_insert', 'trg_skill_metrics_after_insert']);
    const indexes = names(db, 'index');
    assert.equal(indexes.length, 30, indexes.join(', '));
    for (const required of ['idx_invocation_skill_time', 'idx_dependencies_skill_b', 'idx_anomalies_skill', 'idx_time_series_skill_timestamp']) {
      assert.ok(indexes.includes(required), required);
    }
    assert.equal(names(db, 'table').some((n) => n.includes('fts')), false);
  });

  test('a fresh store opened for work is at the latest version with its bookkeeping rows and checksums', async () => {
    const dbPath = newPath();
    const store = await SkillStore.open({ path: dbPath, pollMs: 0 });
    const status = new MigrationManager(store.db).status();
    assert.equal(status.current_version, LATEST);
    assert.deepEqual(status.applied.map((m) => m.version), SHIPPED);
    assert.deepEqual(SHIPPED.slice(0, 5), ['V1__initial_schema', 'V2__add_semantic_search', 'V3__add_workflow_correlation', 'V4__phase4_extensions', 'V5__skill_sessions']);
    assert.ok(status.applied.every((m) => /^[0-9a-f]{64}$/.test(m.checksum ?? '')));
    assert.deepEqual(status.pending, []);
    assert.ok(fs.existsSync(dbPath), 'the upgraded snapshot is on disk');
    await store.close();
  });
});

describe('up and down', () => {
  test('up -> down -> up gives the same sqlite_master, at every level', async () => {
    const { db, manager } = await freshDb();
    manager.migrate();
    const full = schema(db);
    for (let steps = 1; steps <= SHIPPED.length; steps++) {
      assert.equal(manager.rollback({ steps }).versions.length, steps);
      manager.migrate();
      assert.deepEqual(schema(db), full, `after rolling back ${steps} and migrating again`);
    }
  });

  test('V4 down keeps every invocation, metric and session link and leaves a working V3', async () => {
    const { db, manager } = await freshDb();
    manager.migrate();
    record(db, [
      { skill_name: 'pytest-run', invoked_at: '2026-11-01T10:00:00.000Z', session_id: 's1', completed: 1, duration_seconds: 2, workflow_phase: 'execution' },
      { skill_name: 'ruff-check', invoked_at: '2026-11-01T10:01:00.000Z', session_id: 's1', completed: 0, workflow_phase: 'verification' },
    ]);
    manager.rollback({ steps: stepsDownTo(3) });
    assert.equal(manager.status().current_version, 'V3__add_workflow_correlation');
    assert.equal(count(db, 'SELECT count(*) FROM skill_invocation'), 2);
    assert.equal(count(db, 'SELECT count(*) FROM skill_metrics'), 2);
    assert.equal(count(db, 'SELECT count(*) FROM session_skills'), 2);
    assert.equal(count(db, "SELECT count(*) FROM v_skills_by_phase_usage WHERE workflow_phase = 'execution'"), 1);
    db.exec("INSERT INTO skill_invocation (skill_name, invoked_at, session_id, completed) VALUES ('pytest-run', '2026-11-01T11:00:00.000Z', 's2', 1)");
    assert.equal(count(db, "SELECT total_invocations FROM skill_metrics WHERE skill_name = 'pytest-run'"), 2, 'V1 trigger still fires at V3');
    assert.equal(names(db, 'table').includes('skill_anomalies'), false);
  });

  test('V3 and V2 down drop their columns, keep rows and the V1 triggers', async () => {
    const { db, manager } = await freshDb();
    manager.migrate();
    record(db, [{ skill_name: 'a', invoked_at: '2026-11-01T10:00:00.000Z', session_id: 's', completed: 1, workflow_phase: 'setup' }]);
    manager.rollback({ steps: stepsDownTo(1) });
    assert.equal(manager.status().current_version, 'V1__initial_schema');
    const columns = db.exec("SELECT name FROM pragma_table_info('skill_invocation')")[0].values.map((r) => String(r[0]));
    assert.ok(!columns.includes('workflow_phase') && !columns.includes('embedding'));
    assert.equal(count(db, 'SELECT count(*) FROM skill_invocation'), 1);
    db.exec("INSERT INTO skill_invocation (skill_name, invoked_at, session_id, completed) VALUES ('a', '2026-11-01T11:00:00.000Z', 's', 0)");
    assert.equal(count(db, "SELECT total_invocations FROM skill_metrics WHERE skill_name = 'a'"), 2);
    assert.equal(count(db, "SELECT invocation_count FROM session_skills WHERE skill_name = 'a'"), 2);
  });

  test('V8 gives rows recorded before it the source of their session, keeps record keys unique, and its down keeps every row', async () => {
    const { db, manager } = await freshDb();
    manager.migrate({ target: 'V7' });
    const sessions: [string, string | null][] = [['w', 'vscode'], ['c', 'cli'], ['p', 'ci'], ['m', 'mcp'], ['i', 'session-buddy-import'], ['n', null]];
    for (const [id, source] of sessions) {
      db.run("INSERT INTO skill_sessions (session_id, user_id, source, started_at) VALUES (?, 'u', ?, '2026-11-01T09:00:00.000Z')", [id, source]);
    }
    record(db, [...sessions.map(([id]) => ({ session_id: id })), { session_id: 'no-session-row' }]);
    manager.migrate({ target: 'V8' });
    const sourceOf = (session: string) => db.exec('SELECT source FROM skill_invocation WHERE session_id = ?', [session])[0].values[0][0];
    assert.deepEqual(
      ['w', 'c', 'p', 'm', 'i', 'n', 'no-session-row'].map(sourceOf),
      ['editor', 'cli', 'ci', 'agent', null, null, null],
    );
    const key = 'ab'.repeat(16);
    record(db, [{ session_id: 'w', record_key: key, source: 'agent' }, { session_id: 'w', record_key: key, source: 'agent' }]);
    assert.equal(count(db, 'SELECT count(*) FROM skill_invocation WHERE record_key = ?', [key]), 1, 'a second row with the same key is ignored');
    assert.equal(count(db, 'SELECT count(*) FROM skill_invocation'), 8);
    manager.rollback();
    assert.equal(manager.status().current_version, 'V7__batch_maintained_counters');
    const columns = db.exec("SELECT name FROM pragma_table_info('skill_invocation')")[0].values.map((r) => String(r[0]));
    assert.ok(!columns.includes('source') && !columns.includes('record_key'));
    assert.equal(count(db, 'SELECT count(*) FROM skill_invocation'), 8);
    assert.equal(count(db, "SELECT total_invocations FROM skill_metrics WHERE skill_name = 'x'"), 8);
    manager.migrate({ target: 'V8' });
    assert.equal(manager.status().current_version, 'V8__invocation_source');
    assert.equal(sourceOf('c'), 'cli', 'up again after down: the sources come back from the sessions');
  });

  test('V10 adds the regression history as a derived table; its down removes that table alone', async () => {
    const { db, manager } = await freshDb();
    manager.migrate({ target: 'V10' });
    record(db, [{ skill_name: 'pytest-run', duration_seconds: 3 }]);
    const segment = { skill_name: 'pytest-run', metric: 'duration', segment: 0, started_at: '2026-11-01T10:00:00.000Z', ended_at: '2026-11-01T10:00:00.000Z', points: 1, level: 3, open: 1, through_at: '2026-11-01T10:00:00.000Z', computed_at: '2026-11-02T00:00:00.000Z' };
    assert.deepEqual(applyEvents(db, [{ t: 'upsert', table: 'skill_changes', key: ['skill_name', 'metric', 'segment'], rows: [segment] }]).failures, []);
    assert.equal(count(db, 'SELECT count(*) FROM skill_changes'), 1);
    const bad = applyEvents(db, [{ t: 'upsert', table: 'skill_changes', key: ['skill_name', 'metric', 'segment'], rows: [{ ...segment, metric: 'speed' }] }]);
    assert.equal(bad.failures.length, 1, 'only the three metrics are stored');
    manager.rollback({ steps: SHIPPED.length - SHIPPED.indexOf('V10__skill_changes') });
    assert.equal(names(db, 'table').includes('skill_changes'), false);
    assert.equal(names(db, 'index').includes('idx_skill_changes_started'), false);
    assert.equal(count(db, 'SELECT count(*) FROM skill_invocation'), 1);
    assert.equal(count(db, "SELECT total_invocations FROM skill_metrics WHERE skill_name = 'pytest-run'"), 1);
  });

  test("V11 gives each invocation its log line's stamp (rows before it their id), indexed by writer slot, and its down keeps every row", async () => {
    const { db, manager } = await freshDb();
    manager.migrate({ target: 'V9' });
    record(db, [{ session_id: 'before' }, { session_id: 'before' }]);
    manager.migrate({ target: 'V11' });
    assert.equal(count(db, "SELECT count(*) FROM skill_invocation WHERE session_id = 'before' AND write_stamp = id"), 2);
    const stamped: StoreEvent & { s: number } = { s: 7_777_777, t: 'invocation', user_id: null, row: { id: 5_555, skill_name: 'x', invoked_at: '2026-11-01T10:00:00.000Z', session_id: 'after', workflow_path: null, completed: 1, duration_seconds: null, user_query: null, alternatives_considered: null, selection_rank: null, follow_up_actions: null, error_type: null, workflow_phase: null, workflow_step_id: null } };
    assert.deepEqual(applyEvents(db, [stamped]).failures, []);
    assert.equal(count(db, 'SELECT write_stamp FROM skill_invocation WHERE id = 5555'), 7_777_777, 'the stamp of the line, not the id');
    const plan = db.exec('EXPLAIN QUERY PLAN SELECT id FROM skill_invocation WHERE (write_stamp / 256) % 32 = ? AND write_stamp > ? ORDER BY (write_stamp / 256) % 32, write_stamp LIMIT 10', [3, 0])[0].values.map((r) => String(r[3])).join(' ');
    assert.match(plan, /idx_invocation_writer_stamp/);
    manager.rollback();
    assert.equal(manager.status().current_version, 'V10__skill_changes');
    const columns = db.exec("SELECT name FROM pragma_table_info('skill_invocation')")[0].values.map((r) => String(r[0]));
    assert.ok(!columns.includes('write_stamp'));
    assert.deepEqual(names(db, 'table').filter((t) => t.startsWith('team_')), ['team_sync']);
    assert.equal(count(db, 'SELECT count(*) FROM skill_invocation'), 3);
    manager.migrate({ target: 'V11' });
    assert.equal(count(db, 'SELECT count(*) FROM skill_invocation WHERE write_stamp = id'), 3, 'up again: every row takes its id');
  });

  test("V12 reads a day's runs per skill from the index alone, in place of the anchor's invoked_at index; its down brings that back and keeps every row", async () => {
    const { db, manager } = await freshDb();
    manager.migrate({ target: 'V11' });
    record(db, [{ session_id: 'a' }, { session_id: 'b' }]);
    manager.migrate({ target: 'V12' });
    const dayPlan = () => db.exec('EXPLAIN QUERY PLAN SELECT skill_name, COUNT(*), SUM(CASE WHEN completed = 1 THEN 1 ELSE 0 END) FROM skill_invocation WHERE invoked_at >= ? AND invoked_at < ? GROUP BY skill_name', ['2026-12-05T00:00:00.000Z', '2026-12-06T00:00:00.000Z'])[0].values.map((r) => String(r[3])).join(' | ');
    assert.match(dayPlan(), /USING COVERING INDEX idx_invocation_day \(invoked_at>\? AND invoked_at<\?\)/);
    assert.ok(!names(db, 'index').includes('idx_invocation_invoked_at'));
    manager.rollback();
    assert.equal(manager.status().current_version, 'V11__invocation_write_stamp');
    assert.ok(names(db, 'index').includes('idx_invocation_invoked_at'));
    assert.ok(!names(db, 'index').includes('idx_invocation_day'));
    assert.doesNotMatch(dayPlan(), /COVERING/);
    assert.equal(count(db, 'SELECT count(*) FROM skill_invocation'), 2);
  });

  test("V13 keeps each skill's timed runs and their summed duration, counted from the runs already there; its down keeps every row", async () => {
    const { db, manager } = await freshDb();
    manager.migrate({ target: 'V12' });
    record(db, [{ skill_name: 'pytest-run', duration_seconds: 3 }, { skill_name: 'pytest-run', duration_seconds: 5 }, { skill_name: 'lint' }]);
    manager.migrate({ target: 'V13' });
    const totals = () => db.exec('SELECT skill_name, timed_runs, duration_sum FROM skill_duration_totals ORDER BY skill_name')[0]?.values ?? [];
    const expected = [['lint', 0, 0], ['pytest-run', 2, 8]];
    assert.deepEqual(totals(), expected);
    manager.rollback();
    assert.equal(manager.status().current_version, 'V12__invocation_day_index');
    assert.ok(!names(db, 'table').includes('skill_duration_totals'));
    assert.equal(count(db, 'SELECT count(*) FROM skill_invocation'), 3);
    manager.migrate({ target: 'V13' });
    assert.deepEqual(totals(), expected, 'up again: counted again');
  });

  test('a failure inside a migration leaves version and schema unchanged', async () => {
    const dir = migrationsCopy();
    fs.writeFileSync(path.join(dir, 'V99__broken__up.sql'), 'CREATE TABLE half_done (x INTEGER);\nALTER TABLE skill_invocation ADD COLUMN invoked_at TEXT;\n');
    fs.writeFileSync(path.join(dir, 'V99__broken__down.sql'), 'DROP TABLE half_done;\n');
    const db = await openDatabaseBytes();
    const manager = new MigrationManager(db, dir);
    manager.migrate({ target: LATEST });
    const before = schema(db);
    assert.throws(() => manager.migrate(), (err: Error) => err instanceof MigrationError && /V99__broken/.test(err.message) && /duplicate column/.test(err.message));
    assert.equal(manager.status().current_version, LATEST);
    assert.deepEqual(schema(db), before);
    db.exec('SELECT 1');
  });

  test('versions are ordered by number: V100 comes after V90, whatever applied_at says', async () => {
    const dir = migrationsCopy();
    for (const n of [90, 100]) {
      fs.writeFileSync(path.join(dir, `V${n}__extra_${n}__up.sql`), `CREATE TABLE extra_${n} (x INTEGER);\n`);
      fs.writeFileSync(path.join(dir, `V${n}__extra_${n}__down.sql`), `DROP TABLE extra_${n};\n`);
    }
    const db = await openDatabaseBytes();
    const manager = new MigrationManager(db, dir);
    assert.deepEqual(manager.files.slice(-2).map((f) => f.version), ['V90__extra_90', 'V100__extra_100']);
    manager.migrate();
    db.exec("UPDATE skill_migrations SET applied_at = '2000-01-01T00:00:00.000Z' WHERE version = 'V100__extra_100'");
    assert.equal(manager.status().current_version, 'V100__extra_100');
    assert.deepEqual(manager.rollback().versions, ['V100__extra_100']);
    assert.equal(manager.status().current_version, 'V90__extra_90');
  });

  test('validate reports a migration file that changed since it was applied', async () => {
    const dir = migrationsCopy();
    const db = await openDatabaseBytes();
    new MigrationManager(db, dir).migrate();
    assert.deepEqual(new MigrationManager(db, dir).validate(), []);
    fs.appendFileSync(path.join(dir, 'V2__add_semantic_search__up.sql'), '\n-- edited later\n');
    const problems = new MigrationManager(db, dir).validate();
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^V2__add_semantic_search: .*changed since it was applied/);
  });
});

describe('triggers and indexes', () => {
  test('JSON counters accept any key: empty, dots, brackets, quotes, unicode', async () => {
    const store = await SkillStore.open({ path: newPath(), pollMs: 0 });
    const tracker = new SkillTracker(store, 'u');
    const session = await tracker.createSession();
    const keys = ['', 'a..b', 'Err: bad [x]', 'Timeout after 30.5s', 'say "hi"', "it's", '$.x', '日本語 ✓', '\\back'];
    for (const key of keys) {
      await tracker.trackInvocation({ sessionId: session, skillName: 'hostile', completed: false, errorType: key, workflowPath: key, followUpActions: [key, 'next'] });
    }
    await tracker.trackInvocation({ sessionId: session, skillName: 'hostile', completed: false, errorType: 'a..b' });
    const metrics = tracker.getSkillMetrics('hostile')!;
    assert.equal(metrics.total_invocations, keys.length + 1);
    assert.deepEqual(Object.keys(metrics.common_errors).sort(), [...keys].sort());
    assert.equal(metrics.common_errors['a..b'], 2);
    assert.equal(metrics.common_errors['Timeout after 30.5s'], 1);
    assert.equal(metrics.workflow_paths['Err: bad [x]'], 1);
    assert.equal(metrics.follow_up_actions.next, keys.length, 'every follow-up action is counted, not only the first');
    await store.close();
  });

  test('first_invoked / last_invoked are the min / max of invoked_at, whatever the insertion order', async () => {
    const { db, manager } = await freshDb();
    // The trigger's rule (V1-V6); from V7 on the store keeps the same values (test/unit/counters.test.ts).
    manager.migrate({ target: 'V6' });
    for (const at of ['2026-11-05T00:00:00.000Z', '2026-11-01T00:00:00.000Z', '2026-11-09T00:00:00.000Z', '2026-11-03T00:00:00.000Z']) {
      db.run("INSERT INTO skill_invocation (skill_name, invoked_at, session_id, completed) VALUES ('x', ?, 's', 1)", [at]);
    }
    const row = db.exec("SELECT first_invoked, last_invoked FROM skill_metrics WHERE skill_name = 'x'")[0].values[0];
    assert.deepEqual(row, ['2026-11-01T00:00:00.000Z', '2026-11-09T00:00:00.000Z']);
  });

  test('a windowed query on a skill uses the (skill_name, invoked_at) index', async () => {
    const { db, manager } = await freshDb();
    manager.migrate();
    const plan = db.exec("EXPLAIN QUERY PLAN SELECT count(*), avg(completed) FROM skill_invocation WHERE skill_name = ? AND invoked_at >= ?", ['x', '2026-01-01T00:00:00.000Z'])[0].values.map((r) => String(r[3])).join(' | ');
    assert.match(plan, /USING (COVERING )?INDEX idx_invocation_skill_time \(skill_name=\? AND invoked_at>\?\)/);
  });
});

describe('databases written by the Python session-buddy', () => {
  test('a V3 database in WAL mode with an FTS5 table is recognised, upgraded with a backup, rolled back to V3 intact, and upgraded again', async () => {
    const dbPath = newPath();
    buildAnchorDb(dbPath);
    const messages: string[] = [];
    const store = await SkillStore.open({ path: dbPath, pollMs: 0, onMessage: (m) => messages.push(m) });
    assert.deepEqual(store.report.migrated, SHIPPED.slice(3), 'V1-V3 applied by Python are recognised');
    assert.ok(store.report.backup && fs.existsSync(store.report.backup), 'a backup was written before upgrading');
    assert.ok(messages.some((m) => m.includes(store.report.backup!)), 'the user is told where the backup is');
    const db = store.db;
    assert.equal(count(db, 'SELECT count(*) FROM skill_invocation'), ANCHOR_ROWS);
    assert.equal(count(db, "SELECT count(*) FROM skill_invocation WHERE invoked_at NOT GLOB '????-??-??T??:??:??.???Z'"), 0, 'timestamps normalised');
    assert.equal(count(db, "SELECT count(*) FROM sqlite_master WHERE name = 'skill_invocation_fts'"), 1, 'the FTS5 table is left alone');
    const tracker = new SkillTracker(store, 'u');
    const sessionId = await tracker.createSession();
    await tracker.trackInvocation({ sessionId, skillName: 'pytest-run', completed: false, errorType: 'Err: bad [x]' });
    assert.equal(tracker.getSkillMetrics('pytest-run')!.common_errors['Err: bad [x]'], 1, "the anchor's JSON-path trigger was replaced");
    await store.close();

    const paths = storePaths(dbPath);
    const rollback = await compact(paths, { migrate: false, operation: { label: 'before-rollback', needed: () => true, run: (_d, m) => m.rollback({ steps: stepsDownTo(3) }) } });
    assert.ok(rollback.backup && fs.existsSync(rollback.backup));
    const inspect = await SkillStore.open({ path: dbPath, mode: 'inspect', pollMs: 0 });
    assert.equal(new MigrationManager(inspect.db).status().current_version, 'V3__add_workflow_correlation');
    assert.equal(count(inspect.db, 'SELECT count(*) FROM skill_invocation'), ANCHOR_ROWS + 1);
    assert.equal(count(inspect.db, 'SELECT count(*) FROM session_skills'), 7, 'six planted session/skill pairs and the new session');
    assert.equal(count(inspect.db, "SELECT total_invocations FROM skill_metrics WHERE skill_name = 'pytest-run'"), 4);
    await inspect.close();

    const again = await SkillStore.open({ path: dbPath, pollMs: 0 });
    assert.equal(new MigrationManager(again.db).status().current_version, LATEST);
    assert.equal(count(again.db, 'SELECT count(*) FROM skill_invocation'), ANCHOR_ROWS + 1);
    await again.close();
  });
});
