// npm run bench -- store [sizes...]   (default 10000 100000 1000000)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compact } from '../src/core/store/compactor';
import { applyEvents, type StoreEvent } from '../src/core/store/events';
import { storePaths } from '../src/core/store/paths';
import { SkillStore } from '../src/core/store/store';
import { SkillTracker } from '../src/core/tracking/tracker';
import { MIGRATIONS, mib, percentile, printTable, round, writeResult } from './common';
import { openNative } from './nativeEngine';
import { SKILLS, seedStore } from './seed';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

/** A full collection, then time for V8 to release the freed buffers, so that RSS shows what is kept. */
async function settle(): Promise<void> {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 300));
  gc();
}

const BURST = 20_000;
const GROUP = 1000;

/** The burst's events as the tracker makes them: one session, the skills in turn, completed, 0.2 s. */
function burstEvents(firstId: number, sessionId: string): StoreEvent[][] {
  const groups: StoreEvent[][] = [];
  for (let i = 0; i < BURST; i += GROUP) {
    groups.push(
      Array.from({ length: GROUP }, (_, j): StoreEvent => ({
        t: 'invocation',
        user_id: 'bench-user',
        row: {
          id: firstId + i + j, skill_name: SKILLS[(i + j) % SKILLS.length], invoked_at: new Date().toISOString(), session_id: sessionId,
          workflow_path: null, completed: 1, duration_seconds: 0.2, user_query: null, alternatives_considered: null, selection_rank: null,
          follow_up_actions: null, error_type: null, workflow_phase: null, workflow_step_id: null,
        },
      })),
    );
  }
  return groups;
}

/**
 * The same burst applied by native SQLite (better-sqlite3) to a copy of the same seeded file, with
 * the store's own apply code: one durable (WAL, synchronous=FULL) commit per group of 1,000.
 */
function nativeThroughput(seeded: string): number {
  const copy = path.join(path.dirname(seeded), 'native', 'skills.db');
  fs.mkdirSync(path.dirname(copy), { recursive: true });
  fs.copyFileSync(seeded, copy);
  const native = openNative(copy);
  try {
    const groups = burstEvents(1_000_000_000, 'native-session');
    const t0 = performance.now();
    for (const group of groups) applyEvents(native.db, group);
    return BURST / ((performance.now() - t0) / 1000);
  } finally {
    native.close();
    fs.rmSync(path.dirname(copy), { recursive: true, force: true });
  }
}

/**
 * Resident memory that opening the store adds, measured in a fresh process so that seeding the
 * data in this one does not distort the baseline.
 */
async function rssProbe(file: string): Promise<void> {
  await settle();
  const before = process.memoryUsage().rss;
  const store = await SkillStore.open({ path: file, pollMs: 0, migrationsDir: MIGRATIONS });
  await settle();
  const opened = process.memoryUsage().rss;
  const tracker = new SkillTracker(store, 'probe');
  const sessionId = await tracker.createSession();
  for (let i = 0; i < 10_000; i += 500) {
    await Promise.all(Array.from({ length: 500 }, (_, j) => tracker.trackInvocation({ sessionId, skillName: SKILLS[(i + j) % SKILLS.length], completed: true })));
  }
  await settle();
  const after = process.memoryUsage().rss;
  await store.close({ snapshot: false });
  process.stdout.write(JSON.stringify({ open: opened - before, afterWrites: after - before }));
}

function measureRss(file: string): { open: number; afterWrites: number } {
  const copy = path.join(path.dirname(file), 'probe', 'skills.db');
  fs.mkdirSync(path.dirname(copy), { recursive: true });
  fs.copyFileSync(file, copy);
  try {
    return JSON.parse(execFileSync(process.execPath, ['--expose-gc', __filename, '--rss-probe', copy], { encoding: 'utf8' }));
  } finally {
    fs.rmSync(path.dirname(copy), { recursive: true, force: true });
  }
}

async function measure(size: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-store-'));
  const file = path.join(dir, 'skills.db');
  const seedStart = performance.now();
  await seedStore(file, { invocations: size, migrationsDir: MIGRATIONS });
  const seedMs = performance.now() - seedStart;
  const rss = measureRss(file);
  const native = nativeThroughput(file);

  const opens: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const s = await SkillStore.open({ path: file, pollMs: 0, migrationsDir: MIGRATIONS });
    opens.push(performance.now() - started);
    await s.close({ snapshot: false });
  }

  const store = await SkillStore.open({ path: file, pollMs: 0, migrationsDir: MIGRATIONS, compactDelayMs: 3_600_000, compactMaxDelayMs: 3_600_000 });
  const tracker = new SkillTracker(store, 'bench-user');
  const sessionId = await tracker.createSession({ source: 'bench' });
  await tracker.trackInvocation({ sessionId, skillName: SKILLS[0], completed: true });

  // Caller cost and durable latency at a steady rate (one call every 2 ms), as an editor produces them.
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

  // Sustained throughput: 20,000 events as fast as the caller can issue them.
  const t0 = performance.now();
  for (let i = 0; i < BURST; i += GROUP) {
    await Promise.all(Array.from({ length: GROUP }, (_, j) => tracker.trackInvocation({ sessionId, skillName: SKILLS[(i + j) % SKILLS.length], completed: true, durationSeconds: 0.2 })));
  }
  const throughput = BURST / ((performance.now() - t0) / 1000);
  await store.close({ snapshot: false });

  const snapshot = await compact(storePaths(file), { migrate: true, migrationsDir: MIGRATIONS });
  const bytes = fs.statSync(file).size;
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    invocations: size,
    seed_ms: round(seedMs, 0),
    open_ms_median: round(percentile(opens, 50), 1),
    caller_ms_p50: round(percentile(callerMs, 50), 3),
    caller_ms_p99: round(percentile(callerMs, 99), 3),
    durable_ms_p50: round(percentile(durableMs, 50), 2),
    durable_ms_p99: round(percentile(durableMs, 99), 2),
    throughput_events_per_s: round(throughput, 0),
    native_events_per_s: round(native, 0),
    native_ratio: round(native / throughput, 2),
    snapshot_ms: round(snapshot.durationMs, 0),
    snapshot_replayed_events: snapshot.replayed,
    file_mib: mib(bytes),
    rss_growth_open_mib: mib(rss.open),
    rss_growth_after_10k_writes_mib: mib(rss.afterWrites),
  };
}

async function main(): Promise<void> {
  if (process.argv[2] === '--rss-probe') return rssProbe(process.argv[3]);
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const results = [];
  for (const size of sizes.length ? sizes : [10_000, 100_000, 1_000_000]) {
    console.error(`measuring ${size} invocations…`);
    results.push(await measure(size));
  }
  printTable(results);
  const goals = {
    caller_ms_p99: '<= 0.2',
    durable_ms_p99: '<= 50',
    throughput_events_per_s: '>= 20000',
    native_ratio: '<= 3',
    open_ms_median_at_100k: '<= 150',
    rss_growth_at_100k_mib: '<= 80',
  };
  const file = writeResult('store', { machine: { cpus: os.cpus().length, node: process.version }, measured_at: new Date().toISOString(), goals, results });
  console.log(`\nwritten ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
