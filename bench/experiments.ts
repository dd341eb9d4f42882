// npm run bench -- experiments [sizes...]   (default 100000)
// Goals at 100k invocations: predictor training <= 2 s, one prediction <= 5 ms.
// Also measured: A/B analysis of a test with 10 000 users and 30 000 outcomes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyzeAbTest, createAbTest, groupFor } from '../src/core/analytics/abTesting';
import { predictSkillSuccess, predictorPath, trainPredictor } from '../src/core/analytics/predictor';
import { SkillStore } from '../src/core/store/store';
import { seededRandom as prng } from '../src/core/analytics/seededRandom';
import { MIGRATIONS, median, percentile, printTable, round, writeResult } from './common';
import { SKILLS, seedStore } from './seed';
import { maxOf } from '../src/core/collections';

async function timed<T>(work: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

async function plantAbTest(store: SkillStore, users: number, outcomesPerUser: number): Promise<number> {
  const test = await createAbTest(store, { test_name: 'bench', control_strategy: 'popularity', treatment_strategy: 'collaborative', min_sample_size: 100 });
  const random = prng(7);
  const assignments = [];
  const outcomes = [];
  for (let u = 0; u < users; u++) {
    const user = `user-${u}`;
    const group = groupFor(test.test_id, user, test.assignment_ratio);
    assignments.push({ assignment_id: await store.nextId(), test_id: test.test_id, user_id: user, group_name: group, assigned_at: new Date().toISOString() });
    for (let o = 0; o < outcomesPerUser; o++) {
      const completed = random() < (group === 'treatment' ? 0.72 : 0.7) ? 1 : 0;
      outcomes.push({ outcome_id: await store.nextId(), test_id: test.test_id, user_id: user, skill_name: 'skill-00', completed, duration_seconds: null, user_rating: null, recorded_at: new Date().toISOString() });
    }
  }
  await store.commit([
    { t: 'upsert', table: 'ab_test_assignments', key: ['test_id', 'user_id'], rows: assignments },
    { t: 'upsert', table: 'ab_test_outcomes', key: ['outcome_id'], rows: outcomes },
  ]);
  return test.test_id;
}

async function measure(size: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-experiments-'));
  const file = path.join(dir, 'skills.db');
  await seedStore(file, { invocations: size, users: 100, migrationsDir: MIGRATIONS });
  const store = await SkillStore.open({ path: file, pollMs: 0, migrationsDir: MIGRATIONS, compactDelayMs: 3_600_000, compactMaxDelayMs: 3_600_000 });
  try {
    const trainings: number[] = [];
    let accuracy = 0;
    let baseline = 0;
    for (let i = 0; i < 3; i++) {
      const { ms, value } = await timed(() => trainPredictor(store, { days: 30 }));
      trainings.push(ms);
      accuracy = value.accuracy;
      baseline = value.baselineAccuracy;
    }
    const random = prng(11);
    const first = await timed(() => predictSkillSuccess(store, SKILLS[0], { sessionId: 's1' }));
    const predictions: number[] = [];
    for (let i = 0; i < 500; i++) {
      const skill = SKILLS[Math.floor(random() * SKILLS.length)];
      const context = { sessionId: `s${Math.floor(random() * (size / 20))}`, phase: random() < 0.5 ? 'execution' : 'setup' };
      predictions.push((await timed(() => predictSkillSuccess(store, skill, context))).ms);
    }
    const testId = await plantAbTest(store, 10_000, 3);
    const analyses: number[] = [];
    for (let i = 0; i < 5; i++) analyses.push((await timed(() => analyzeAbTest(store, testId))).ms);
    return {
      invocations: size,
      train_ms_median: round(median(trainings), 0),
      train_ms_max: round(maxOf(trainings), 0),
      holdout_accuracy: round(accuracy, 3),
      baseline_accuracy: round(baseline, 3),
      model_file_kib: round(fs.statSync(predictorPath(store)).size / 1024, 0),
      predict_first_call_ms: round(first.ms, 2),
      predict_ms_p50: round(median(predictions), 3),
      predict_ms_p99: round(percentile(predictions, 99), 3),
      ab_analyze_ms_median_10k_users_30k_outcomes: round(median(analyses), 1),
    };
  } finally {
    await store.close({ snapshot: false });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const results = [];
  for (const size of sizes.length ? sizes : [100_000]) results.push(await measure(size));
  printTable(results);
  const file = writeResult('experiments', {
    machine: { cpus: os.cpus().length, node: process.version },
    measured_at: new Date().toISOString(),
    goals: { train_ms_at_100k: '<= 2000', predict_ms_p99_at_100k: '<= 5' },
    results,
  });
  console.log(`written ${file}`);
}

void main();
