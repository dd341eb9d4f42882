// npm run bench -- store [--sizes 10000,100000,1000000] [--import 200000,1000000] [--replay 1000000]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compact } from '../src/core/store/compactor';
import { applyEvents, type StoreEvent } from '../src/core/store/events';
import { storePaths } from '../src/core/store/paths';
import { SkillStore } from '../src/core/store/store';
import { SkillTracker } from '../src/core/tracking/tracker';
import { MIGRATIONS, mib, pythonToolDatabase, percentile, printTable, round, writeResult } from './common';
import { maxOf } from '../src/core/collections';
import { listSegments } from '../src/core/store/eventLog';
import { importSessionBuddy } from '../src/core/importer/sessionBuddyImport';
import { writeDeadWritersSegment } from '../test/helpers/logSegment';
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

const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};

/** `import-session-buddy` of a Python-tool database into a new store, through the log, as a user coming from the Python tool does it. */
async function measureImport(runs: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-import-'));
  try {
    const source = pythonToolDatabase(dir, runs);
    const file = path.join(dir, 'store', 'skills.db');
    fs.mkdirSync(path.dirname(file));
    const cpu = process.cpuUsage();
    const started = performance.now();
    const store = await SkillStore.open({ path: file, pollMs: 0, migrationsDir: MIGRATIONS });
    const result = await importSessionBuddy(store, source, 'bench-user');
    await store.close();
    const ms = performance.now() - started;
    const segments = listSegments(storePaths(file).eventsDir);
    return {
      runs: result.added,
      import_s: round(ms / 1000, 1),
      cpu_s: round(cpuSeconds(cpu), 1),
      runs_per_s: round(result.added / (ms / 1000), 0),
      largest_segment_mib: mib(maxOf(segments.map((seg) => seg.size), 0)),
      file_mib: mib(fs.statSync(file).size),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Opening a store whose log holds `events` events that no snapshot holds yet (a writer that died
 * before its first snapshot, or a window opening after a long import elsewhere): the replay streams
 * the log and applies it in bounded groups.
 */
async function measureLogReplay(events: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-replay-'));
  try {
    const file = path.join(dir, 'skills.db');
    const created = await SkillStore.open({ path: file, pollMs: 0, migrationsDir: MIGRATIONS });
    const firstId = await created.nextId();
    await created.close({ snapshot: false });
    const bytes = writeDeadWritersSegment(path.join(storePaths(file).eventsDir, 'seg-bench-dead-writer.jsonl'), firstId, events);
    await settle();
    const before = process.memoryUsage().rss;
    const started = performance.now();
    const store = await SkillStore.open({ path: file, pollMs: 0, migrationsDir: MIGRATIONS, mode: 'read' });
    const openMs = performance.now() - started;
    const rows = Number(store.db.exec('SELECT COUNT(*) FROM skill_invocation')[0].values[0][0]);
    await settle();
    const rss = process.memoryUsage().rss - before;
    await store.close();
    return { events, log_mib: mib(bytes), open_s: round(openMs / 1000, 1), events_per_s: round(events / (openMs / 1000), 0), rows, rss_growth_mib: mib(rss) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function listArgument(name: string, fallback: number[]): number[] {
  const at = process.argv.indexOf(name);
  return at < 0 ? fallback : process.argv[at + 1].split(',').map(Number).filter((n) => n > 0);
}

async function main(): Promise<void> {
  if (process.argv[2] === '--rss-probe') return rssProbe(process.argv[3]);
  // npm run bench -- store [--sizes 10000,100000] [--import 200000,1000000] [--replay 1000000]; an empty list skips a part.
  const results = [];
  for (const size of listArgument('--sizes', [10_000, 100_000, 1_000_000])) {
    console.error(`measuring ${size} invocations…`);
    results.push(await measure(size));
  }
  if (results.length) printTable(results);
  const imports = [];
  for (const runs of listArgument('--import', [200_000, 1_000_000])) {
    console.error(`importing a Python-tool database of ${runs} runs…`);
    imports.push(await measureImport(runs));
  }
  if (imports.length) {
    console.log('\nimport-session-buddy through the log (goal: 1,000,000 runs in <= 120 s)');
    printTable(imports);
  }
  const replays = [];
  for (const events of listArgument('--replay', [1_000_000])) {
    console.error(`opening a store whose log holds ${events} events not in its snapshot…`);
    replays.push(await measureLogReplay(events));
  }
  if (replays.length) {
    console.log('\nopening a store from a log that no snapshot holds');
    printTable(replays);
  }
  const goals = {
    caller_ms_p99: '<= 0.2',
    durable_ms_p99: '<= 50',
    throughput_events_per_s: '>= 20000',
    native_ratio: '<= 3',
    open_ms_median_at_100k: '<= 150',
    rss_growth_at_100k_mib: '<= 80',
    import_s_at_1m: '<= 120',
  };
  const file = writeResult('store', { machine: { cpus: os.cpus().length, node: process.version }, measured_at: new Date().toISOString(), goals, results, imports, replays });
  console.log(`\nwritten ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
