import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Database } from 'sql.js';
import { seededRandom } from '../../src/core/analytics/seededRandom';
import { openDatabaseBytes } from '../../src/core/store/engine';
import { applyEvents, type InvocationRow, type StoreEvent } from '../../src/core/store/events';
import { MigrationManager } from '../../src/core/store/migrations';

async function databaseAt(target: string): Promise<Database> {
  const db = await openDatabaseBytes();
  new MigrationManager(db).migrate({ target });
  return db;
}

const HOSTILE = ['', 'a..b', 'Err: bad [x]', '"quoted"', "it's", 'ünïcode 🙂', '$.path', '123', 'plain'];

/** Random invocations with everything the triggers look at: outcomes, durations, ranks, JSON counters, times. */
function events(count: number, seed: number): StoreEvent[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const now = Date.now();
  return Array.from({ length: count }, (_, i): StoreEvent => {
    const followUps = pick([null, null, '[]', 'not json', '{"a": 1}', JSON.stringify([pick(HOSTILE), pick(HOSTILE)]), JSON.stringify([1, null, 'x']), JSON.stringify([pick(HOSTILE)])]);
    const row: InvocationRow = {
      id: 1000 + i,
      skill_name: pick(['pytest-run', 'ruff-check', 'Err: bad [x]', 'ünï-skill', 'a.b']),
      invoked_at: new Date(now - Math.floor(random() * 3 * 86_400_000)).toISOString(),
      session_id: pick(['s1', 's2', 's3']),
      workflow_path: random() < 0.4 ? pick(HOSTILE) : null,
      completed: random() < 0.7 ? 1 : 0,
      duration_seconds: pick([null, 0, 0.1, 1.7, 2, 13.37, 1e-9, 86_399.999]),
      user_query: null,
      alternatives_considered: null,
      selection_rank: random() < 0.3 ? 1 + Math.floor(random() * 5) : null,
      follow_up_actions: followUps,
      error_type: random() < 0.3 ? pick(HOSTILE) : null,
      workflow_phase: null,
      workflow_step_id: null,
    };
    return { t: 'invocation', row, user_id: 'u' };
  });
}

function counters(db: Database): Record<string, unknown[][]> {
  const rows = (sql: string) => db.exec(sql)[0]?.values ?? [];
  return {
    skill_metrics: rows(`SELECT skill_name, total_invocations, completed_invocations, abandoned_invocations, total_duration_seconds,
      workflow_paths, common_errors, follow_up_actions, avg_selection_rank, recommendation_success_rate, first_invoked, last_invoked,
      completion_rate, avg_duration_seconds FROM skill_metrics ORDER BY skill_name`),
    session_skills: rows('SELECT session_id, skill_name, invocation_count FROM session_skills ORDER BY 1, 2'),
    skill_metrics_cache: rows('SELECT skill_name, last_invocation_at, invocation_count_1h, invocation_count_24h, avg_completion_rate_24h, is_anomalous, anomaly_score FROM skill_metrics_cache ORDER BY 1'),
  };
}

test('the counters kept per commit group (V7) equal, to the bit, what the triggers (V6) compute from the same events', async () => {
  const withTriggers = await databaseAt('V6');
  const batched = await databaseAt('V7');
  assert.equal(Number(withTriggers.exec("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")[0].values[0][0]), 3);
  assert.equal(Number(batched.exec("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")[0].values[0][0]), 0, 'V7 drops the triggers');
  const all = events(3000, 20261201);
  const random = seededRandom(7);
  for (let i = 0; i < all.length; ) {
    const size = 1 + Math.floor(random() * (random() < 0.2 ? 400 : 20));
    const batch: StoreEvent[] = all.slice(i, i + size);
    // Events that read or replace the counters in the middle of a group: the order must hold.
    if (random() < 0.1) batch.splice(Math.floor(random() * batch.length), 0, { t: 'upsert', table: 'skill_metrics_cache', key: ['skill_name'], rows: [{ skill_name: 'pytest-run', last_invocation_at: '2020-01-01T00:00:00.000Z', invocation_count_1h: 5, invocation_count_24h: 9, updated_at: '2020-01-01T00:00:00.000Z' }] });
    if (i > 2000 && i < 2050) batch.splice(0, 0, { t: 'purge', at: new Date().toISOString() });
    for (const db of [withTriggers, batched]) assert.deepEqual(applyEvents(db, batch).failures, []);
    i += size;
  }
  const expected = counters(withTriggers);
  assert.ok(expected.skill_metrics.length >= 4 && expected.session_skills.length >= 10);
  assert.deepEqual(counters(batched), expected);
});

test('rolled back to V6, the triggers are back exactly as V1 and V4 wrote them', async () => {
  const db = await databaseAt('V6');
  const before = db.exec("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")[0].values;
  const manager = new MigrationManager(db);
  manager.migrate({ target: 'V7' });
  manager.rollback({ steps: 1 });
  assert.deepEqual(db.exec("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")[0].values, before);
});

test('a skill whose average rank another tool left empty while ranked runs exist: SQLite\u2019s integer division, both ways', async () => {
  const withTriggers = await databaseAt('V6');
  const batched = await databaseAt('V7');
  const ranked = events(40, 99).map((e) => (e.t === 'invocation' ? { ...e, row: { ...e.row, skill_name: 'ranked-skill', selection_rank: 1 + (e.row.id % 4) } } : e));
  for (const db of [withTriggers, batched]) {
    db.run("INSERT INTO skill_invocation (skill_name, invoked_at, session_id, completed, selection_rank) VALUES ('ranked-skill', '2026-01-01T00:00:00.000Z', 'old', 1, 4), ('ranked-skill', '2026-01-01T00:00:01.000Z', 'old', 1, 3)");
    db.run('DELETE FROM skill_metrics; DELETE FROM session_skills; DELETE FROM skill_metrics_cache');
    db.run("INSERT INTO skill_metrics (skill_name, total_invocations, completed_invocations, first_invoked, last_invoked, completion_rate, updated_at) VALUES ('ranked-skill', 2, 2, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z', 100.0, 'x')");
    assert.deepEqual(applyEvents(db, ranked.slice(0, 1)).failures, []);
    assert.deepEqual(applyEvents(db, ranked.slice(1)).failures, []);
  }
  assert.deepEqual(counters(batched), counters(withTriggers));
});
