// npm run bench -- analytics [invocations...]   (default 10000 100000 1000000, each with 10 and 1,000 users)
// Median time of each analytics operation, and the same read SQL replayed on better-sqlite3 (native
// SQLite) over the same file, as sql.js / native ratios.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { analyzeAbTest, assignUser, createAbTest, recordAbOutcome } from '../src/core/analytics/abTesting';
import { detectAnomalies } from '../src/core/analytics/anomalies';
import { updateSkillDependencies } from '../src/core/analytics/dependencies';
import { predictSkillSuccess, trainPredictor } from '../src/core/analytics/predictor';
import { getRealTimeMetrics } from '../src/core/analytics/realtimeMetrics';
import { getSkillTrend } from '../src/core/analytics/trend';
import { getRecommendations } from '../src/core/recommend/engine';
import { loadEngine } from '../src/core/store/engine';
import { forgetStatements } from '../src/core/store/statements';
import { SkillStore } from '../src/core/store/store';
import { MIGRATIONS, median, printTable, round, writeResult } from './common';
import { SKILLS, seedStore } from './seed';
import { captureReads, type CapturedQuery } from './sqlCapture';
import { appendAll } from '../src/core/collections';

interface Operation {
  name: string;
  goalMs?: number;
  runs: number;
  run(store: SkillStore, i: number): Promise<unknown> | unknown;
}

const operations = (users: number): Operation[] => [
  { name: 'real-time metrics', goalMs: 5, runs: 20, run: (s) => getRealTimeMetrics(s, { limit: 10, windowHours: 1 }) },
  { name: 'anomaly detection', goalMs: 50, runs: 5, run: (s) => detectAnomalies(s, {}) },
  { name: 'trend', goalMs: 10, runs: 20, run: (s, i) => getSkillTrend(s, SKILLS[i % SKILLS.length], { days: 7 }) },
  { name: 'dependency update', goalMs: 500, runs: 3, run: (s) => updateSkillDependencies(s, {}) },
  { name: 'recommendations', goalMs: 20, runs: 20, run: (s, i) => getRecommendations(s, { userId: `user-${i % users}`, lastSkill: SKILLS[i % 5], limit: 5 }) },
  { name: 'predictor training', goalMs: 2000, runs: 2, run: (s) => trainPredictor(s, { days: 30 }) },
  { name: 'prediction', goalMs: 5, runs: 20, run: (s, i) => predictSkillSuccess(s, SKILLS[i % SKILLS.length], {}) },
  { name: 'A/B analysis', goalMs: 10, runs: 10, run: (s) => analyzeAbTest(s, abTestId!) },
];

let abTestId: number | undefined;

/** A running test with every user assigned and three outcomes each, to analyse. */
async function seedAbTest(store: SkillStore, users: number): Promise<void> {
  const test = await createAbTest(store, { test_name: `bench-${Date.now()}`, control_strategy: 'popularity_dependencies', treatment_strategy: 'collaborative_context_predictor', min_sample_size: 5 });
  abTestId = test.test_id;
  for (let u = 0; u < users; u++) {
    const user = `user-${u}`;
    const group = await assignUser(store, test.test_id, user);
    for (let k = 0; k < 3; k++) {
      await recordAbOutcome(store, test.test_id, user, { skill_name: SKILLS[k], completed: (u + k) % (group === 'control' ? 3 : 4) !== 0, duration_seconds: 1 });
    }
  }
}

async function timeOperation(store: SkillStore, op: Operation): Promise<{ ms: number; queries: CapturedQuery[] }> {
  await op.run(store, 0);
  const times: number[] = [];
  for (let i = 1; i <= op.runs; i++) {
    const started = performance.now();
    await op.run(store, i);
    times.push(performance.now() - started);
  }
  forgetStatements(store.db);
  const capture = captureReads(store.db);
  await op.run(store, 0);
  capture.stop();
  forgetStatements(store.db);
  return { ms: median(times), queries: capture.queries };
}

/** Runs each captured query on both engines over the same file: total ms per engine and the worst single-query ratio. */
async function replay(file: string, queries: CapturedQuery[]): Promise<{ sqljsMs: number; nativeMs: number; worstRatio: number; worstSql: string }> {
  const SQL = await loadEngine();
  const sqljs = new SQL.Database(new Uint8Array(fs.readFileSync(file)));
  const native = new Database(file, { readonly: true });
  let sqljsMs = 0;
  let nativeMs = 0;
  let worstRatio = 0;
  let worstSql = '';
  for (const q of queries) {
    const time = (work: () => void) => {
      work();
      const samples: number[] = [];
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        work();
        samples.push(performance.now() - started);
      }
      return median(samples);
    };
    const a = time(() => {
      const stmt = sqljs.prepare(q.sql);
      stmt.bind(q.params);
      while (stmt.step()) stmt.get();
      stmt.free();
    });
    const b = time(() => native.prepare(q.sql).all(...q.params));
    sqljsMs += a;
    nativeMs += b;
    // Sub-0.05 ms queries are dominated by call overhead, not by the engine.
    const ratio = a / Math.max(b, 0.05);
    if (ratio > worstRatio) {
      worstRatio = ratio;
      worstSql = q.sql.replace(/\s+/g, ' ').slice(0, 90);
    }
  }
  sqljs.close();
  native.close();
  return { sqljsMs, nativeMs, worstRatio, worstSql };
}

async function measure(invocations: number, users: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-analytics-'));
  const file = path.join(dir, 'skills.db');
  await seedStore(file, { invocations, users, migrationsDir: MIGRATIONS });
  const store = await SkillStore.open({ path: file, pollMs: 0, migrationsDir: MIGRATIONS, compactDelayMs: 3_600_000, compactMaxDelayMs: 3_600_000 });
  const rows: Record<string, string | number>[] = [];
  try {
    await seedAbTest(store, users);
    const timed: { op: Operation; ms: number; queries: CapturedQuery[] }[] = [];
    for (const op of operations(users)) {
      console.error(`  ${invocations} invocations / ${users} users: ${op.name}`);
      timed.push({ op, ...(await timeOperation(store, op)) });
    }
    const snapshot = path.join(dir, 'replica.db');
    fs.writeFileSync(snapshot, store.db.export());
    for (const t of timed) {
      const r = await replay(snapshot, t.queries);
      rows.push({
        invocations,
        users,
        operation: t.op.name,
        median_ms: round(t.ms, 2),
        goal_ms: invocations === 100_000 ? (t.op.goalMs ?? '') : '',
        queries: t.queries.length,
        sql_sqljs_ms: round(r.sqljsMs, 2),
        sql_native_ms: round(r.nativeMs, 2),
        sql_ratio: r.nativeMs > 0 ? round(r.sqljsMs / r.nativeMs, 2) : '',
        worst_query_ratio: round(r.worstRatio, 2),
        worst_query: r.worstSql,
      });
    }
  } finally {
    await store.close({ snapshot: false });
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const results: Record<string, string | number>[] = [];
  for (const invocations of sizes.length ? sizes : [10_000, 100_000, 1_000_000]) {
    for (const users of [10, 1000]) appendAll(results, await measure(invocations, users));
  }
  printTable(results.map(({ worst_query: _omit, ...r }) => r));
  const file = writeResult('analytics', { machine: { cpus: os.cpus().length, node: process.version }, measured_at: new Date().toISOString(), results });
  console.log(`\nwritten ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
