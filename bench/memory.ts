// `npm run bench -- memory [--sizes 100000,1000000]`: what a store costs in memory, sql.js's copy
// (SkillStore, today's window) beside the file-backed one (FileStore, node:sqlite, the store host's).
// For each size, a seeded store; then, each in a fresh process: the store opened (open time, RSS),
// the background analytics run on it in that process (anomalies, time series, dependencies,
// baselines, predictor training, the metrics cache; RSS after, and peak), then `track`: caller cost
// at a steady rate and sustained throughput. The file-backed process runs on a Node with node:sqlite
// (SESSION_BUDDY_SQLITE_NODE, set by scripts/bench.mjs). Then the store host (`--part host` for
// only that): the product's CLI (dist/, built now) with SESSION_BUDDY_HOST=on, on each runtime
// (node:sqlite, sql.js): `metrics` end to end when no host runs yet (the host starts and answers),
// through the running host, and opening the store itself; `track` through the host (its own log
// segment, the store not loaded) and opening the store itself; the round trips over the socket of a
// `metrics` request, the status bar's `today` and the sidebar's list (`tool get_recommendations`),
// on the store as its background jobs leave it; the host's RSS and peak RSS from /proc (Linux).
// Then (`--part window` for only that) a window served by the store host (sessionBuddy.storeHost.enabled:
// the product's HostedWindow and JobsDelegation, dist/store-host.js on the node:sqlite runtime), on a
// store no job has run on yet: the window's RSS growth on open, once the host has written the
// baselines and trained the predictor, after 2,000 runs recorded each followed by the status bar's
// and the sidebar's reads, and once the host's worker has stopped; the host's RSS and peak, and the
// peak of the process it runs the jobs in. Prints tables, writes bench/results/memory.json.
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
import { dayOf } from '../src/core/days';
import { connectToHost, type HostConnection } from '../src/core/host/hostClient';
import { HostedWindow } from '../src/core/host/hostedWindow';
import { storePaths } from '../src/core/store/paths';
import { JobsDelegation } from '../src/core/host/jobsDelegation';
import { buildProductCli, MIGRATIONS, mib, percentile, PRODUCT_CLI, printTable, ROOT, round, writeResult } from './common';
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
    rss_peak_mib: ownPeakMib(),
    jobs_ms: round(jobsMs, 0),
    ...track,
  };
}

/**
 * The background jobs run once on the seeded store, in a child on the file-backed engine: the hosts
 * then answer on a store as the hourly jobs leave it (the dependency network computed), not on one
 * whose every recommendation falls back to the live co-occurrence query of a store never analysed.
 */
function runJobsOn(file: string): void {
  const result = spawnSync(process.env.SESSION_BUDDY_SQLITE_NODE ?? process.execPath, [__filename, 'jobs', file], { encoding: 'utf8', env: process.env });
  if (result.status !== 0) throw new Error(`the jobs on ${file}: ${result.stderr}`);
}

function runChild(engine: Engine, seeded: string, invocations: number): Figures {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sb-memory-${engine}-`));
  try {
    const file = path.join(dir, 'skills.db');
    copyStore(seeded, file);
    const node = engine === 'file' ? (process.env.SESSION_BUDDY_SQLITE_NODE ?? process.execPath) : process.execPath;
    const result = spawnSync(node, ['--expose-gc', __filename, 'child', engine, file, String(invocations)], { encoding: 'utf8', maxBuffer: 1 << 24, env: process.env });
    if (result.status !== 0) throw new Error(`${engine} at ${invocations}: ${result.stderr}`);
    return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Figures;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface HostFigures {
  host_engine: string;
  invocations: number;
  /** From a client asking while no host runs to the host's first answer (`metrics`): the host's boot, the store opened, the query. */
  host_first_answer_ms: number;
  /** The same through `session-buddy metrics`: the CLI's own boot (cli_startup_ms_p50) comes on top. */
  cli_first_answer_ms: number;
  /** `session-buddy --version`: what any command costs before it touches a store (loading the bundle). */
  cli_startup_ms_p50: number;
  cli_metrics_via_host_ms_p50: number;
  cli_metrics_in_process_ms_p50: number;
  /** `session-buddy track`: through the host it records into its own log segment without loading the store. */
  cli_track_via_host_ms_p50: number;
  cli_track_in_process_ms_p50: number;
  request_ms_p50: number;
  request_ms_p99: number;
  /** The status bar's `today` request. */
  today_ms_p50: number;
  today_ms_p99: number;
  /** The sidebar's list (`tool get_recommendations`): the first asks the host to learn the store's history, the rest are what a window asks after each run. */
  recommendations_first_ms: number;
  recommendations_ms_p50: number;
  recommendations_ms_p99: number;
  host_rss_mib: number;
  host_peak_rss_mib: number;
}

const CLI_RUNS = 5;
const REQUESTS = 300;

function timedVersion(node: string): number {
  const started = performance.now();
  const run = spawnSync(node, [PRODUCT_CLI, '--version'], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`--version: ${run.stderr}`);
  return performance.now() - started;
}

/** A CLI command end to end, in ms; throws if the host did not answer when it should have. */
function timedCli(node: string, file: string, args: string[], host: boolean): number {
  const started = performance.now();
  const run = spawnSync(node, [PRODUCT_CLI, '--db', file, ...args], {
    encoding: 'utf8',
    env: { ...process.env, SESSION_BUDDY_DB: '', SESSION_BUDDY_HOST: host ? 'on' : 'off', SESSION_BUDDY_HOST_IDLE_SECONDS: '120' },
  });
  const ms = performance.now() - started;
  if (run.status !== 0 || run.stderr) throw new Error(`${args[0]}${host ? ' through the host' : ''}: ${run.stderr}`);
  return ms;
}

function timedMetrics(node: string, file: string, host: boolean): number {
  return timedCli(node, file, ['metrics', '--json'], host);
}

function timedTrack(node: string, file: string, host: boolean): number {
  return timedCli(node, file, ['track', '--skill', 'bench-track', '--duration', '1'], host);
}

/** VmRSS and VmHWM (peak) of a process, in MiB. */
function rssOf(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: round(kib('VmRSS') / 1024, 1), peak: round(kib('VmHWM') / 1024, 1) };
}

/** The highest peak RSS (VmHWM, MiB) of the process's children now running: the store host's job process (0: none). */
function childrenPeakMib(pid: number): number {
  const tasks = `/proc/${pid}/task`;
  let peak = 0;
  try {
    for (const task of fs.readdirSync(tasks)) {
      for (const child of fs.readFileSync(`${tasks}/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) {
        peak = Math.max(peak, rssOf(Number(child)).peak);
      }
    }
  } catch {
    // A process that ended between the listing and the read.
  }
  return peak;
}

/**
 * This process's peak RSS since it started its program (VmHWM), in MiB. Not ru_maxrss: a process
 * started by fork and exec inherits in it the peak of its parent's forked copy (the bench, which has
 * just seeded the store), so a child spawned after seeding a million runs "peaked" at the bench's
 * size (measured: a child of a 640 MiB parent reported 604 MiB, VmHWM 41 MiB).
 */
function ownPeakMib(): number {
  return rssOf(process.pid).peak;
}

/** Round trips of `count` requests over the socket, one after another, in ms. */
async function timedRequests(ask: (i: number) => Promise<unknown>, count = REQUESTS): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await ask(i);
    ms.push(performance.now() - started);
  }
  return ms;
}

/**
 * A copy of the seeded store, synced: a store in use was written long before, and the first
 * checkpoint's fsync would otherwise flush the whole copy the bench just made (430 ms at 1M,
 * counted in the first answer).
 */
function copyStore(seeded: string, file: string): void {
  fs.copyFileSync(seeded, file);
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Waits until the process has exited (a retired host closes its store first). */
async function exited(pid: number): Promise<void> {
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A client that finds no host: from asking to the host's first `metrics` answer, in ms; the host is retired after. */
async function timedColdHost(node: string, file: string): Promise<number> {
  const started = performance.now();
  const connection = await connectToHost({ db: file, hostScript: path.join(ROOT, 'dist', 'store-host.js'), execPath: node });
  await connection.request('metrics', { limit: 10 });
  const ms = performance.now() - started;
  await connection.request('retire');
  connection.close();
  await exited(connection.hello.pid);
  return ms;
}

/** The store host on one runtime, on a copy of the seeded store. */
async function hostRow(node: string, seeded: string, invocations: number): Promise<HostFigures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-memory-host-'));
  const file = path.join(dir, 'skills.db');
  copyStore(seeded, file);
  try {
    const hostFirstMs = await timedColdHost(node, file);
    const firstMs = timedMetrics(node, file, true);
    const startup = Array.from({ length: CLI_RUNS }, () => timedVersion(node));
    const viaHost = Array.from({ length: CLI_RUNS }, () => timedMetrics(node, file, true));
    const trackViaHost = Array.from({ length: CLI_RUNS }, () => timedTrack(node, file, true));
    const inProcess = Array.from({ length: CLI_RUNS }, () => timedMetrics(node, file, false));
    const trackInProcess = Array.from({ length: CLI_RUNS }, () => timedTrack(node, file, false));
    const connection = await connectToHost({ db: file, hostScript: path.join(ROOT, 'dist', 'store-host.js'), execPath: node });
    const requestMs = await timedRequests(() => connection.request('metrics', { limit: 10 }));
    const day = dayOf(new Date(), 'local');
    const todayMs = await timedRequests(() => connection.request('today', { start: day.start, end: day.end }));
    const recommendations = (i: number) => connection.request('tool', { name: 'get_recommendations', userId: 'user-0', args: { last_skill: SKILLS[i % SKILLS.length] } });
    const [recommendationsFirstMs] = await timedRequests(recommendations, 1);
    const recommendationsMs = await timedRequests(recommendations);
    const { rss, peak } = rssOf(connection.hello.pid);
    await connection.request('retire');
    connection.close();
    return {
      host_engine: connection.hello.engine,
      invocations,
      host_first_answer_ms: round(hostFirstMs, 0),
      cli_first_answer_ms: round(firstMs, 0),
      cli_startup_ms_p50: round(percentile(startup, 50), 0),
      cli_metrics_via_host_ms_p50: round(percentile(viaHost, 50), 0),
      cli_metrics_in_process_ms_p50: round(percentile(inProcess, 50), 0),
      cli_track_via_host_ms_p50: round(percentile(trackViaHost, 50), 0),
      cli_track_in_process_ms_p50: round(percentile(trackInProcess, 50), 0),
      request_ms_p50: round(percentile(requestMs, 50), 2),
      request_ms_p99: round(percentile(requestMs, 99), 2),
      today_ms_p50: round(percentile(todayMs, 50), 2),
      today_ms_p99: round(percentile(todayMs, 99), 2),
      recommendations_first_ms: round(recommendationsFirstMs, 0),
      recommendations_ms_p50: round(percentile(recommendationsMs, 50), 2),
      recommendations_ms_p99: round(percentile(recommendationsMs, 99), 2),
      host_rss_mib: rss,
      host_peak_rss_mib: peak,
    };
  } finally {
    // The retired host closes the store within a moment; removing the folder under it would race that.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface WindowFigures {
  invocations: number;
  host_engine: string;
  /** From opening the window's data until it can answer: the host started and its store opened. */
  window_open_ms: number;
  window_rss_growth_open_mib: number;
  window_rss_growth_after_jobs_mib: number;
  /** After WINDOW_RUNS runs recorded, each followed by the status bar's and the sidebar's reads. */
  window_rss_growth_after_runs_mib: number;
  /** The same once the host's worker has stopped (WORKER_STOPPED_MS later). */
  window_rss_growth_steady_mib: number;
  window_rss_growth_peak_mib: number;
  window_track_ms_p99: number;
  window_today_ms_p99: number;
  window_list_ms_p99: number;
  host_jobs_s: number;
  host_rss_mib: number;
  /** After the analytics worker has stopped (60 s without a job). */
  host_rss_steady_mib: number;
  host_peak_rss_mib: number;
  /** The host's job process (0: the jobs ran in a worker thread of the host, counted in its peak). */
  jobs_process_peak_rss_mib: number;
  predictor_trained: string;
}

/** The analytics worker stops after 60 s without a job; the host's steady memory is what is left then. */
const WORKER_STOPPED_MS = 70_000;
/** Longest the host may take over the jobs at 1M runs before the bench gives up on it. */
const HOST_JOBS_TIMEOUT_MS = 10 * 60_000;
/** The working session after the jobs: runs the window records, each followed by what its views read. */
const WINDOW_RUNS = 2000;
const WINDOW_USER = 'bench-window-user';
const HOST_SCRIPT = path.join(ROOT, 'dist', 'store-host.js');

async function newestBaseline(probe: HostConnection): Promise<string> {
  const [row] = (await probe.request('sql', { query: "SELECT COALESCE(MAX(last_updated), '') AS newest FROM skill_community_baselines", timeoutMs: 60_000 })) as { newest: string }[];
  return row?.newest ?? '';
}

/** RSS once garbage is collected: the file's bytes read at open are garbage a moment later, and a sample taken before the collector ran would count them. */
function settledRss(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return rss();
}

/** Waits until the host has written the baselines and trained the predictor (the longest jobs), calling `sample` meanwhile; seconds taken. */
async function hostJobsDone(file: string, hostNode: string, since: number, unavailable: () => string | undefined, sample: () => void): Promise<number> {
  const probe = await connectToHost({ db: file, hostScript: HOST_SCRIPT, execPath: hostNode });
  try {
    const predictor = storePaths(file).predictor;
    while ((await newestBaseline(probe)) === '' || !fs.existsSync(predictor)) {
      const reason = unavailable();
      if (reason) throw new Error(`the host cannot run the jobs: ${reason}`);
      if (performance.now() - since > HOST_JOBS_TIMEOUT_MS) break;
      sample();
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return (performance.now() - since) / 1000;
  } finally {
    probe.close();
  }
}

/** A working session in the window: each run recorded, then the status bar's day and the sidebar's list read, as the views do after a run. */
async function workInWindow(window: HostedWindow): Promise<{ track: number[]; today: number[]; list: number[] }> {
  const times = { track: [] as number[], today: [] as number[], list: [] as number[] };
  const sessionId = await window.session.current();
  for (let i = 0; i < WINDOW_RUNS; i++) {
    const skill = SKILLS[(i * 7) % SKILLS.length];
    const t0 = performance.now();
    await window.recorder.trackInvocation({ sessionId, skillName: skill, completed: i % 9 !== 0, durationSeconds: 1 + (i % 5) });
    const t1 = performance.now();
    await window.today(new Date(), 'utc');
    const t2 = performance.now();
    await window.recommendationList({ userId: WINDOW_USER, lastSkill: skill });
    times.track.push(t1 - t0);
    times.today.push(t2 - t1);
    times.list.push(performance.now() - t2);
  }
  const counted = (await window.today(new Date(), 'utc')).invocations;
  if (counted < WINDOW_RUNS) throw new Error(`the host counts ${counted} runs today, not the ${WINDOW_RUNS} the window recorded`);
  return times;
}

/**
 * In this (fresh) process: a window served by the store host (HostedWindow, as with
 * sessionBuddy.storeHost.enabled; the host started on `hostNode`), which hands the host its jobs
 * (JobsDelegation, as the window's scheduler does), then records WINDOW_RUNS runs. The figures are
 * this process's RSS growth from before the window opened (the product's code is already loaded).
 */
async function windowChild(file: string, invocations: number, hostNode: string): Promise<WindowFigures> {
  const bare = settledRss();
  const opening = performance.now();
  const window = await HostedWindow.open({ db: file, hostScript: HOST_SCRIPT, execPath: hostNode, userId: WINDOW_USER, session: { idleMs: () => 3_600_000 }, log: () => undefined });
  const openMs = performance.now() - opening;
  const afterOpen = settledRss();
  let host: { pid: number; engine: string } | undefined;
  let unavailable: string | undefined;
  const started = performance.now();
  const delegation = new JobsDelegation({
    db: file,
    hostScript: HOST_SCRIPT,
    execPath: hostNode,
    settings: () => ({ trackingEnabled: true, retentionDays: 36_500 }),
    onUnavailable: (reason) => (unavailable = reason),
    log: (line) => {
      const m = /pid (\d+), ([^)]+)\)/.exec(line);
      if (m) host = { pid: Number(m[1]), engine: m[2] };
    },
  }).start();
  try {
    let jobsPeak = 0;
    const sample = () => {
      if (host) jobsPeak = Math.max(jobsPeak, childrenPeakMib(host.pid));
    };
    const jobsS = await hostJobsDone(file, hostNode, started, () => unavailable, sample);
    if (!host) throw new Error('the host never took the jobs');
    sample();
    const hostMemory = rssOf(host.pid);
    const afterJobs = settledRss();
    const times = await workInWindow(window);
    const afterRuns = settledRss();
    await new Promise((resolve) => setTimeout(resolve, WORKER_STOPPED_MS));
    const steady = rssOf(host.pid);
    return {
      invocations,
      host_engine: host.engine,
      window_open_ms: round(openMs, 0),
      window_rss_growth_open_mib: mib(afterOpen - bare),
      window_rss_growth_after_jobs_mib: mib(afterJobs - bare),
      window_rss_growth_after_runs_mib: mib(afterRuns - bare),
      window_rss_growth_steady_mib: mib(settledRss() - bare),
      window_rss_growth_peak_mib: round(ownPeakMib() - bare / 1048576, 1),
      window_track_ms_p99: round(percentile(times.track, 99), 2),
      window_today_ms_p99: round(percentile(times.today, 99), 2),
      window_list_ms_p99: round(percentile(times.list, 99), 2),
      host_jobs_s: round(jobsS, 1),
      host_rss_mib: hostMemory.rss,
      host_rss_steady_mib: steady.rss,
      host_peak_rss_mib: steady.peak,
      jobs_process_peak_rss_mib: jobsPeak,
      predictor_trained: fs.existsSync(storePaths(file).predictor) ? 'yes' : 'refused or not yet',
    };
  } finally {
    delegation.dispose();
    await window.close();
    if (host) await stopProcess(host.pid);
  }
}

/** Stops the host now rather than at its idle time: the store's folder is removed next. */
async function stopProcess(pid: number): Promise<void> {
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (fs.existsSync(`/proc/${pid}`) && !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function runWindow(seeded: string, invocations: number): WindowFigures {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-memory-window-'));
  try {
    const file = path.join(dir, 'skills.db');
    copyStore(seeded, file);
    const hostNode = process.env.SESSION_BUDDY_SQLITE_NODE ?? process.execPath;
    const result = spawnSync(process.execPath, ['--expose-gc', __filename, 'window', file, String(invocations), hostNode], { encoding: 'utf8', maxBuffer: 1 << 24, env: process.env });
    if (result.status !== 0) throw new Error(`window at ${invocations}: ${result.stderr}`);
    return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as WindowFigures;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Seeds in a child process: sql.js's memory, once grown to a million runs, stays mapped in the
 * process that seeded, and every later spawn from that process (the CLI runs timed here) paid for
 * forking it: \`--version\` took 240 ms from the bench against 150 ms from a shell.
 */
function seedApart(file: string, invocations: number): void {
  const run = spawnSync(process.execPath, [process.argv[1], 'seed', file, String(invocations)], { stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`seeding ${invocations} runs failed (exit ${run.status})`);
}

async function main(): Promise<void> {
  if (process.argv[2] === 'seed') {
    await seedStore(process.argv[3], { invocations: Number(process.argv[4]), migrationsDir: MIGRATIONS });
    return;
  }
  if (process.argv[2] === 'window') {
    const figures = await windowChild(process.argv[3], Number(process.argv[4]), process.argv[5]);
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    return;
  }
  if (process.argv[2] === 'jobs') {
    const store = await open('file', process.argv[3]);
    await runJobs(store);
    await store.close({ snapshot: false });
    return;
  }
  if (process.argv[2] === 'child') {
    const figures = await child(process.argv[3] as Engine, process.argv[4], Number(process.argv[5]));
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    return;
  }
  const { values } = parseArgs({ options: { sizes: { type: 'string', default: '100000,1000000' }, part: { type: 'string', default: 'all' } } });
  if (!['all', 'engines', 'host', 'window'].includes(values.part)) throw new Error(`--part must be all, engines, host or window, not ${values.part}`);
  const sizes = values.sizes.split(',').map(Number);
  const rows: Figures[] = [];
  const hostRows: HostFigures[] = [];
  const windowRows: WindowFigures[] = [];
  if (values.part !== 'engines') buildProductCli();
  for (const invocations of sizes) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-memory-seed-'));
    try {
      const seeded = path.join(dir, 'skills.db');
      seedApart(seeded, invocations);
      for (const engine of values.part === 'all' || values.part === 'engines' ? (['sqljs', 'file'] as const) : []) {
        const figures = runChild(engine, seeded, invocations);
        rows.push(figures);
        console.error(`${engine} at ${invocations}: done`);
      }
      if (values.part === 'all' || values.part === 'window') {
        windowRows.push(runWindow(seeded, invocations));
        console.error(`window with its jobs in the host at ${invocations}: done`);
      }
      if (values.part === 'all' || values.part === 'host') runJobsOn(seeded);
      for (const node of values.part === 'all' || values.part === 'host' ? [process.env.SESSION_BUDDY_SQLITE_NODE ?? process.execPath, process.execPath] : []) {
        hostRows.push(await hostRow(node, seeded, invocations));
        console.error(`host on ${node} at ${invocations}: done`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  if (rows.length) printTable(rows.map((r) => ({ ...r })));
  if (hostRows.length) printTable(hostRows.map((r) => ({ ...r })));
  if (windowRows.length) printTable(windowRows.map((r) => ({ ...r })));
  const goals = { throughput_events_per_s: '>= 20000', caller_ms_p99: '<= 0.2', host_rss_mib: '<= 150 at 1M', host_first_answer_ms: '<= 300 at 1M', cli_metrics_via_host_ms_p50: '<= 300 at 1M', request_ms_p99: '<= 5', today_ms_p99: '<= 5', recommendations_ms_p99: '<= 5', window_rss_growth_steady_mib: '<= 30', window_rss_growth_peak_mib: '<= 60', host_peak_rss_mib: '<= 300 at 1M', host_rss_steady_mib: '<= 150 at 1M' };
  console.log(`written ${writeResult('memory', { measured_at: new Date().toISOString(), node_file_engine: process.env.SESSION_BUDDY_SQLITE_NODE ?? process.execPath, goals, rows, host: hostRows, window: windowRows })}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
