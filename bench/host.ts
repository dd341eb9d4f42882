// npm run bench -- host [sizes...]   (default 100000 1000000)
//
// The longest event-loop block of the extension host's thread during every background job the
// AnalyticsScheduler runs (and the store's opening, which StoreHost does on that thread), measured
// with perf_hooks' event-loop delay histogram at 1 ms resolution on a seeded store of N invocations.
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
import { applyRetention } from '../src/core/analytics/retention';
import { SkillStore } from '../src/core/store/store';
import { MIGRATIONS, printTable, round, writeResult } from './common';
import { seedStore } from './seed';

const GOAL_MS = 50;

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
  results.push(await measure(invocations, 'open the store', async () => (store = await SkillStore.open({ path: file, pollMs: 0, migrationsDir: MIGRATIONS }))));
  const s = store!;
  try {
    const jobs: [string, () => Promise<unknown>][] = [
      ['metrics cache (every minute)', () => refreshMetricsCache(s)],
      ['anomaly detection (every minute)', () => detectAnomalies(s, {})],
      ['due A/B tests (hourly)', () => completeDueAbTests(s)],
      ['dependencies (hourly)', () => updateSkillDependencies(s, {})],
      ['baselines (hourly)', () => updateCommunityBaselines(s)],
      ['retention, 365 days (daily)', () => applyRetention(s, { retentionDays: 365 })],
      ['retention, 30 days (daily)', () => applyRetention(s, { retentionDays: 30 })],
      ['predictor training (on 20 % growth)', () => trainPredictor(s, { days: 30 })],
    ];
    for (const [name, work] of jobs) {
      results.push(await measure(invocations, name, work));
      console.log(`  ${name}: longest block ${results.at(-1)!.longestBlockMs} ms`);
    }
  } finally {
    await s.close({ snapshot: false });
  }
  return results;
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number).filter((n) => Number.isInteger(n) && n > 0);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-host-'));
  const results: JobResult[] = [];
  try {
    for (const size of sizes.length ? sizes : [100_000, 1_000_000]) results.push(...(await runSize(size, dir)));
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
