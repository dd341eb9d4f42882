import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { openDatabaseBytes } from '../../src/core/store/engine';
import { applyEvents, type StoreEvent } from '../../src/core/store/events';
import { MigrationManager } from '../../src/core/store/migrations';
import { fileEngineProblem, openNodeSqlite } from '../../src/core/store/nodeSqlite';
import { all, one } from '../../src/core/store/statements';
import type { SqlDatabase } from '../../src/core/store/sqlDatabase';
import { tempDir } from '../helpers/store';

// The adapter must answer every call exactly as sql.js does: each case runs on both engines.
const skip = fileEngineProblem();
const MIGRATIONS = path.join(__dirname, '..', '..', 'migrations');

async function both(work: (db: SqlDatabase) => unknown): Promise<[unknown, unknown]> {
  const { dir, cleanup } = tempDir();
  const memory = await openDatabaseBytes();
  const file = openNodeSqlite(path.join(dir, 'adapter.db'));
  try {
    return [work(memory), work(file)];
  } finally {
    memory.close();
    file.close();
    cleanup();
  }
}

test('exec returns the rows of each statement that has rows, in sql.js shape', { skip }, async () => {
  const [memory, file] = await both((db) => db.exec("CREATE TABLE t (a, b); INSERT INTO t VALUES (1, 'x'), (2, NULL); SELECT a, b FROM t ORDER BY a; SELECT a FROM t WHERE a > 5; -- done\n SELECT a, a FROM t LIMIT 1"));
  assert.deepEqual(file, memory);
  assert.deepEqual(memory, [{ columns: ['a', 'b'], values: [[1, 'x'], [2, null]] }, { columns: ['a', 'a'], values: [[1, 1]] }]);
});

test('whole numbers bind as integers, as sql.js binds them (integer division, TEXT columns)', { skip }, async () => {
  const [memory, file] = await both((db) => {
    db.exec('CREATE TABLE t (x TEXT)');
    db.run('INSERT INTO t VALUES (?), (?)', [5, 2.5]);
    return [db.exec('SELECT x, typeof(x) FROM t')[0].values, db.exec('SELECT ? / 2, typeof(?)', [5, 7])[0].values, db.exec('SELECT :a + $b', { ':a': 1, $b: 2 })[0].values];
  });
  assert.deepEqual(file, memory);
  assert.deepEqual(memory, [[['5', 'text'], ['2.5', 'text']], [[2, 'integer']], [[3]]]);
});

test('prepared statements step, reset, rebind and count changed rows like sql.js', { skip }, async () => {
  const [memory, file] = await both((db) => {
    db.exec('CREATE TABLE t (k PRIMARY KEY, v)');
    db.run('INSERT INTO t VALUES (1, 1), (2, 2), (3, 3)');
    const changed = db.getRowsModified();
    db.run('UPDATE t SET v = v + 1 WHERE k > ?', [1]);
    const updated = db.getRowsModified();
    const first = one<{ k: number }>(db, 'SELECT k FROM t WHERE v > ? ORDER BY k', [2]);
    const rows = all(db, 'SELECT k, v FROM t WHERE k >= ? ORDER BY k', [2]);
    const again = all(db, 'SELECT k, v FROM t WHERE k >= ? ORDER BY k', [3]);
    const stmt = db.prepare('SELECT v FROM t ORDER BY k');
    const values: unknown[] = [];
    while (stmt.step()) values.push(stmt.get());
    stmt.free();
    const statements = [...db.iterateStatements('SELECT 1; SELECT 2;')].length;
    return { changed, updated, first, rows, again, values, statements };
  });
  assert.deepEqual(file, memory);
  assert.equal(Object.getPrototypeOf((file as { rows: object[] }).rows[0]), Object.prototype);
});

test('the migrations and the events give the same database on both engines', { skip }, async () => {
  const events: StoreEvent[] = [
    { t: 'session_start', session: { session_id: 's1', user_id: 'u', project_hash: null, source: 'test', started_at: '2026-01-01T10:00:00.000Z' } },
    ...[1, 2, 3].map((id): StoreEvent => ({
      t: 'invocation',
      user_id: 'u',
      row: { id, skill_name: `skill-${id % 2}`, invoked_at: `2026-01-01T10:0${id}:00.000Z`, session_id: 's1', workflow_path: 'a/b', completed: id === 2 ? 0 : 1, duration_seconds: id * 1.5, user_query: null, alternatives_considered: null, selection_rank: id, follow_up_actions: '["x"]', error_type: null, workflow_phase: 'execution', workflow_step_id: null },
    })),
    { t: 'upsert', table: 'skill_anomalies', key: ['id'], rows: [{ id: 1, skill_name: 'skill-1', anomaly_type: 'drop', detected_at: '2026-01-01T11:00:00.000Z', severity: 'low', baseline_value: 1, observed_value: 0.5, deviation_score: 2.5 }] },
    { t: 'retention', before: '2026-01-01T10:02:30.000Z' },
  ];
  const [memory, file] = await both((db) => {
    const versions = new MigrationManager(db, MIGRATIONS).migrate().versions;
    const result = applyEvents(db, events);
    const tables = ['skill_invocation', 'skill_metrics', 'session_skills', 'skill_time_series', 'mv_daily_skills', 'skill_anomalies', 'skill_sessions'];
    const dump = tables.map((table) => db.exec(`SELECT * FROM ${table} ORDER BY 1, 2`).map((r) => r.values.map((row) => row.filter((_, i) => !/(updated|applied|created)_at/.test(r.columns[i])))));
    return { versions, failures: result.failures, changed: result.changed.length, dump, schema: db.exec("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")[0].values };
  });
  assert.deepEqual(file, memory);
});
