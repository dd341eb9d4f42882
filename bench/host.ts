// npm run bench -- host [sizes...]   (default 100000 1000000)
//
// The longest event-loop block of the extension host's thread during every background job the
// AnalyticsScheduler runs (and the store's opening, which StoreHost does on that thread), measured
// with perf_hooks' event-loop delay histogram at 1 ms resolution on a seeded store of N invocations.
// Each job runs the way the editor runs it: dependencies, baselines and the predictor in the
// analytics worker (only their commit on this thread), retention in steps. The same three jobs run
// inline too ("on the thread"), which is what they would cost without the worker.
// Goal: no job blocks the editor for more than 50 ms at 1M invocations.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { completeDueAbTests } from '../src/core/analytics/abTesting';
import { detectAnomalies } from '../src/core/analytics/anomalies';
import { updateCommunityBaselines } from '../src/core/analytics/baselines';
import { updateSkillDependencies } from '../src/core/analytics/dependencies';
import { PredictorRefusal, trainPredictor } from '../src/core/analytics/predictor';
import { refreshMetricsCache } from '../src/core/analytics/realtimeMetrics';
import { AnalyticsJobRunner } from '../src/core/analytics/analyticsJobRunner';
import { applyRetention } from '../src/core/analytics/retention';
import { WorkerCompactionRunner } from '../src/core/store/compactionRunner';
import { SkillStore } from '../src/core/store/store';
import { MIGRATIONS, printTable, round, writeResult } from './common';
import { seedStore } from './seed';
import { appendAll } from '../src/core/collections';

const GOAL_MS = 50;
/** Shorter than the scheduler's pause between retention steps; the block of one step is the same. */
const RETENTION_PAUSE_MS = 50;

interface JobResult {
  invocations: number;
  job: string;
  durationMs: number;
  longestBlockMs: number;
  p99BlockMs: number;
  meetsGoal: boolean;
}

/** Runs `work` while sampling the event loop; the histogram's max is the longest single block. */
async function measure(invocations: number, job: string, work: () => Promise<unknown>): Promise<JobResult> {
  // The garbage of the job before (the on-the-thread runs leave much) is collected before, not during.
  globalThis.gc?.();
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  // Let sampling start before the work does, so a block at the very start is caught.
  await new Promise((resolve) => setTimeout(resolve, 5));
  const started = performance.now();
  try {
    await work();
  } catch (err) {
    if (!(err instanceof PredictorRefusal)) throw err;
  }
  const durationMs = performance.now() - started;
  // One more turn, so a block at the very end is sampled too.
  await new Promise((resolve) => setTimeout(resolve, 5));
  histogram.disable();
  const longestBlockMs = histogram.max / 1e6;
  return { invocations, job, durationMs: round(durationMs), longestBlockMs: round(longestBlockMs), p99BlockMs: round(histogram.percentile(99) / 1e6), meetsGoal: longestBlockMs <= GOAL_MS };
}

async function runSize(invocations: number, dir: string): Promise<JobResult[]> {
  const file = path.join(dir, String(invocations), 'skills.db');
  console.log(`# seeding ${invocations} invocations…`);
  await seedStore(file, { invocations, users: 50, days: 60, migrationsDir: MIGRATIONS });
  const results: JobResult[] = [];
  let store: SkillStore | undefined;
  // Snapshots are written in the compaction worker, as StoreHost has them written.
  const compaction = new WorkerCompactionRunner();
  results.push(await measure(invocations, 'open the store', async () => (store = await SkillStore.open({ path: file, pollMs: 0, migrationsDir: MIGRATIONS, compactionRunner: compaction.run }))));
  const s = store!;
  const runner = new AnalyticsJobRunner({ migrationsDir: MIGRATIONS });
  try {
    const jobs: [string, () => Promise<unknown>][] = [
      ['metrics cache (every minute)', () => refreshMetricsCache(s)],
      ['anomaly detection (every minute)', () => detectAnomalies(s, {})],
      ['due A/B tests (hourly)', () => completeDueAbTests(s)],
      ['dependencies, on the thread', () => updateSkillDependencies(s, {})],
      ['dependencies (hourly, worker)', () => runner.run(s, { kind: 'dependencies' })],
      ['baselines, on the thread', () => updateCommunityBaselines(s)],
      ['baselines (hourly, worker)', () => runner.run(s, { kind: 'baselines' })],
      ['predictor, on the thread', () => trainPredictor(s, { days: 30 })],
      ['predictor (on 20 % growth, worker)', () => runner.run(s, { kind: 'predictor', days: 30 })],
      ['retention, 365 days (daily, steps)', () => applyRetention(s, { retentionDays: 365, stepPauseMs: RETENTION_PAUSE_MS })],
      ['retention, 30 days (daily, steps)', () => applyRetention(s, { retentionDays: 30, stepPauseMs: RETENTION_PAUSE_MS })],
    ];
    for (const [name, work] of jobs) {
      results.push(await measure(invocations, name, work));
      console.log(`  ${name}: longest block ${results.at(-1)!.longestBlockMs} ms`);
    }
  } finally {
    runner.dispose();
    await s.close({ snapshot: false });
    compaction.dispose();
  }
  return results;
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number).filter((n) => Number.isInteger(n) && n > 0);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-host-'));
  const results: JobResult[] = [];
  try {
    for (const size of sizes.length ? sizes : [100_000, 1_000_000]) appendAll(results, await runSize(size, dir));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  printTable(results.map((r) => ({ invocations: r.invocations, job: r.job, 'took ms': r.durationMs, 'longest block ms': r.longestBlockMs, 'p99 block ms': r.p99BlockMs, [`≤ ${GOAL_MS} ms`]: r.meetsGoal ? 'yes' : 'NO' })));
  console.log(`\n${writeResult('host', { goalMs: GOAL_MS, node: process.version, cpus: os.cpus().length, results })}`);
}

void main().catch((err: Error) => {
  console.error(err.stack);
  process.exit(1);
});
