// `npm run bench -- memory [--sizes 100000,1000000]`: what a store costs in memory, sql.js's copy
// (SkillStore, today's window) beside the file-backed one (FileStore, node:sqlite, the store host's).
// For each size, a seeded store; then, each in a fresh process: the store opened (open time, RSS),
// the background analytics run on it in that process (anomalies, time series, dependencies,
// baselines, predictor training, the metrics cache; RSS after, and peak), then `track`: caller cost
// at a steady rate and sustained throughput. The file-backed process runs on a Node with node:sqlite
// (SESSION_BUDDY_SQLITE_NODE, set by scripts/bench.mjs). Prints a table, writes bench/results/memory.json.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { detectAnomalies } from '../src/core/analytics/anomalies';
import { updateCommunityBaselines } from '../src/core/analytics/baselines';
import { updateSkillDependencies } from '../src/core/analytics/dependencies';
import { PredictorRefusal, trainPredictor } from '../src/core/analytics/predictor';
import { refreshMetricsCache } from '../src/core/analytics/realtimeMetrics';
import { backfillTimeSeries } from '../src/core/analytics/timeSeries';
import { FileStore } from '../src/core/store/fileStore';
import { SkillStore } from '../src/core/store/store';
import type { Store } from '../src/core/store/storeInterface';
import { SkillTracker } from '../src/core/tracking/tracker';
import { MIGRATIONS, mib, percentile, printTable, round, writeResult } from './common';
import { seedStore, SKILLS } from './seed';

type Engine = 'sqljs' | 'file';

interface Figures {
  engine: Engine;
  invocations: number;
  file_mib: number;
  open_ms: number;
  rss_bare_mib: number;
  rss_after_open_mib: number;
  rss_after_jobs_mib: number;
  rss_peak_mib: number;
  jobs_ms: number;
  caller_ms_p50: number;
  caller_ms_p99: number;
  durable_ms_p99: number;
  throughput_events_per_s: number;
}

const BURST = 20_000;
const GROUP = 500;
const rss = () => process.memoryUsage().rss;

function open(engine: Engine, file: string): Promise<Store> {
  const options = { path: file, pollMs: 0, migrationsDir: MIGRATIONS, compactDelayMs: 3_600_000, compactMaxDelayMs: 3_600_000 };
  return engine === 'file' ? FileStore.open(options) : SkillStore.open(options);
}

/** The jobs a store's background scheduler runs, here on the store itself (the host runs them so). */
async function runJobs(store: Store): Promise<void> {
  await detectAnomalies(store);
  await backfillTimeSeries(store, { days: 7 });
  await updateSkillDependencies(store);
  await updateCommunityBaselines(store);
  await trainPredictor(store, { days: 30 }).catch((err) => {
    if (!(err instanceof PredictorRefusal)) throw err;
  });
  await refreshMetricsCache(store);
}

/** Caller cost at a steady rate (one call every 2 ms), then 20,000 events as fast as they can be issued. */
async function measureTrack(store: Store): Promise<Pick<Figures, 'caller_ms_p50' | 'caller_ms_p99' | 'durable_ms_p99' | 'throughput_events_per_s'>> {
  const tracker = new SkillTracker(store, 'bench-user');
  const sessionId = await tracker.createSession({ source: 'bench' });
  const callerMs: number[] = [];
  const durableMs: number[] = [];
  const pending: Promise<void>[] = [];
  for (let i = 0; i < 1000; i++) {
    const t0 = performance.now();
    const p = tracker.trackInvocation({ sessionId, skillName: SKILLS[i % SKILLS.length], completed: i % 7 !== 0, durationSeconds: 1.5 });
    callerMs.push(performance.now() - t0);
    pending.push(p.then(() => void durableMs.push(performance.now() - t0)));
    await new Promise((r) => setTimeout(r, 2));
  }
  await Promise.all(pending);
  const t0 = performance.now();
  for (let i = 0; i < BURST; i += GROUP) {
    await Promise.all(Array.from({ length: GROUP }, (_, j) => tracker.trackInvocation({ sessionId, skillName: SKILLS[(i + j) % SKILLS.length], completed: true, durationSeconds: 0.2 })));
  }
  return {
    caller_ms_p50: round(percentile(callerMs, 50), 3),
    caller_ms_p99: round(percentile(callerMs, 99), 3),
    durable_ms_p99: round(percentile(durableMs, 99), 2),
    throughput_events_per_s: round(BURST / ((performance.now() - t0) / 1000), 0),
  };
}

/** One engine on one store, in this (fresh) process. */
async function child(engine: Engine, file: string, invocations: number): Promise<Figures> {
  const bare = rss();
  const started = performance.now();
  const store = await open(engine, file);
  const openMs = performance.now() - started;
  const afterOpen = rss();
  const jobsStarted = performance.now();
  await runJobs(store);
  const jobsMs = performance.now() - jobsStarted;
  const afterJobs = rss();
  const track = await measureTrack(store);
  await store.close({ snapshot: false });
  return {
    engine,
    invocations,
    file_mib: mib(fs.statSync(file).size),
    open_ms: round(openMs, 0),
    rss_bare_mib: mib(bare),
    rss_after_open_mib: mib(afterOpen),
    rss_after_jobs_mib: mib(afterJobs),
    rss_peak_mib: round(process.resourceUsage().maxRSS / 1024, 1),
    jobs_ms: round(jobsMs, 0),
    ...track,
  };
}

function runChild(engine: Engine, seeded: string, invocations: number): Figures {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sb-memory-${engine}-`));
  try {
    const file = path.join(dir, 'skills.db');
    fs.copyFileSync(seeded, file);
    const node = engine === 'file' ? (process.env.SESSION_BUDDY_SQLITE_NODE ?? process.execPath) : process.execPath;
    const result = spawnSync(node, ['--expose-gc', __filename, 'child', engine, file, String(invocations)], { encoding: 'utf8', maxBuffer: 1 << 24, env: process.env });
    if (result.status !== 0) throw new Error(`${engine} at ${invocations}: ${result.stderr}`);
    return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Figures;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === 'child') {
    const figures = await child(process.argv[3] as Engine, process.argv[4], Number(process.argv[5]));
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    return;
  }
  const { values } = parseArgs({ options: { sizes: { type: 'string', default: '100000,1000000' } } });
  const sizes = values.sizes.split(',').map(Number);
  const rows: Figures[] = [];
  for (const invocations of sizes) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-memory-seed-'));
    try {
      const seeded = path.join(dir, 'skills.db');
      await seedStore(seeded, { invocations, migrationsDir: MIGRATIONS });
      for (const engine of ['sqljs', 'file'] as const) {
        const figures = runChild(engine, seeded, invocations);
        rows.push(figures);
        console.error(`${engine} at ${invocations}: done`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  printTable(rows.map((r) => ({ ...r })));
  console.log(`written ${writeResult('memory', { measured_at: new Date().toISOString(), node_file_engine: process.env.SESSION_BUDDY_SQLITE_NODE ?? process.execPath, goals: { throughput_events_per_s: '>= 20000', caller_ms_p99: '<= 0.2' }, rows })}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
