// npm run bench -- changepoints [TCPD folder]   (default: ../shared/data/tcpd beside the repository)
// Runs the product's `session-buddy changes detect` (dist/cli.js, built first) on every univariate,
// non-simulated series of the Turing Change Point Dataset there, scores F1 (margin 5) and cover as
// TCPDBench does, and prints our mean beside each published default method's mean over the same
// series (a method's missing result counts as 0, TCPDBench's `zero` convention). Then the timings of
// a 10,000-run series: a full fit, one new run appended to a fitted history, and the window's
// update of the regression history after a new run of a skill with 10,000 runs in a real store.
// Goals: mean F1 >= 0.75 and cover >= 0.70, above every published default method; a new run <= 50 ms.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fitChanges } from '../src/core/analytics/analyticsJobs';
import { coverScore, f1Score, type Annotations } from '../src/core/analytics/changePointScore';
import { ChangePointDetector } from '../src/core/analytics/changePoints';
import { ColumnShelf } from '../src/core/analytics/columnShelf';
import { seededRandom } from '../src/core/analytics/seededRandom';
import { readSeriesFile } from '../src/core/analytics/seriesFile';
import { SkillChangeTracker } from '../src/core/analytics/skillChangeTracker';
import type { InvocationRow, StoreEvent } from '../src/core/store/events';
import { SkillStore } from '../src/core/store/store';
import { buildProductCli, MIGRATIONS, percentile, PRODUCT_CLI, printTable, ROOT, round, writeResult } from './common';

const CLI = PRODUCT_CLI;
/** TCPDBench leaves the simulated quality-control series out of every aggregate. */
const SIMULATED = /^quality_control_/;
const LONG_RUNS = 10_000;
const APPENDED = 200;
/** New runs recorded one at a time into a store whose skill has LONG_RUNS runs, each followed by the window's update. */
const TRACKED_RUNS = 20;

type Scores = Record<string, Record<string, number | null>>;

interface SeriesRow {
  series: string;
  n: number;
  /** Some values are missing (null): TCPDBench's published table leaves such series out. */
  missing: boolean;
  change_points: number[];
  f1: number;
  cover: number;
  /** The pruned search found what the unpruned one finds. */
  exact: boolean;
  cli_ms: number;
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

function detectWithCli(file: string): { changePoints: number[]; ms: number } {
  const started = performance.now();
  const run = spawnSync(process.execPath, [CLI, 'changes', 'detect', '--input', file, '--json'], { encoding: 'utf8' });
  const ms = performance.now() - started;
  if (run.status !== 0) throw new Error(`changes detect ${file} exited ${run.status}: ${run.stderr}`);
  return { changePoints: (JSON.parse(run.stdout) as { change_points: number[] }).change_points, ms };
}

function scoreSeries(tcpd: string, annotations: Record<string, Annotations>): SeriesRow[] {
  const rows: SeriesRow[] = [];
  for (const name of fs.readdirSync(path.join(tcpd, 'series')).sort()) {
    const file = path.join(tcpd, 'series', name);
    const series = readSeriesFile(file);
    if (series.dimensions.length !== 1 || SIMULATED.test(series.name ?? name)) continue;
    const key = series.name ?? name.replace(/\.json$/, '');
    const n = series.dimensions[0].length;
    const { changePoints, ms } = detectWithCli(file);
    const unpruned = ChangePointDetector.fit(series.dimensions, 'gaussian', { pruneMargin: Infinity, maxCandidates: Infinity }).changePoints();
    rows.push({
      series: key,
      n,
      missing: series.dimensions[0].includes(null),
      change_points: changePoints,
      f1: f1Score(annotations[key], changePoints).f1,
      cover: coverScore(annotations[key], changePoints, n),
      exact: JSON.stringify(unpruned) === JSON.stringify(changePoints),
      cli_ms: ms,
    });
  }
  return rows;
}

interface MethodMeans {
  method: string;
  f1: number;
  cover: number;
  /** Over the series without missing values (TCPDBench's published `zero_no_coal` convention). */
  f1_complete: number;
  cover_complete: number;
}

const meanOf = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** Each published method's means over our series (a missing result as 0) and over the complete ones. */
function publishedMeans(tcpd: string, rows: SeriesRow[]): MethodMeans[] {
  const f1 = readJson<Scores>(path.join(tcpd, 'tcpdbench', 'default_f1_scores.json'));
  const cover = readJson<Scores>(path.join(tcpd, 'tcpdbench', 'default_cover_scores.json'));
  const complete = rows.filter((r) => !r.missing);
  const mean = (scores: Scores, method: string, over: SeriesRow[]) => meanOf(over.map((r) => scores[r.series]?.[method] ?? 0));
  return Object.keys(f1[rows[0].series]).map((method) => ({
    method,
    f1: mean(f1, method, rows),
    cover: mean(cover, method, rows),
    f1_complete: mean(f1, method, complete),
    cover_complete: mean(cover, method, complete),
  }));
}

function ourMeans(rows: SeriesRow[]): MethodMeans {
  const complete = rows.filter((r) => !r.missing);
  return {
    method: 'session-buddy',
    f1: meanOf(rows.map((r) => r.f1)),
    cover: meanOf(rows.map((r) => r.cover)),
    f1_complete: meanOf(complete.map((r) => r.f1)),
    cover_complete: meanOf(complete.map((r) => r.cover)),
  };
}

/** A skill's log durations: 10 % noise, a 1.5x slowdown at 60 % and a few cold runs 4x slower. */
function longHistory(n: number): number[] {
  const random = seededRandom(20);
  return Array.from({ length: n }, (_, i) => {
    const noise = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const cold = random() < 0.01 ? Math.log(4) : 0;
    return Math.log(30) + 0.1 * noise + cold + (i >= 0.6 * n ? Math.log(1.5) : 0);
  });
}

function runEvent(id: number, at: number, seconds: number): StoreEvent {
  const row: InvocationRow = {
    id, skill_name: 'pytest-run', invoked_at: new Date(at).toISOString(), session_id: 'bench', workflow_path: null, completed: 1, duration_seconds: seconds,
    user_query: null, alternatives_considered: null, selection_rank: null, follow_up_actions: null, error_type: null, workflow_phase: null, workflow_step_id: null,
  };
  return { t: 'invocation', row, user_id: 'bench' };
}

/**
 * The editor's side: a skill with 10,000 runs fitted once (as the analytics worker does), then each
 * new run recorded and the window's minute update (SkillChangeTracker.update) timed.
 */
async function trackerTimings(history: number[]): Promise<{ tracker_update_ms_p50: number; tracker_update_ms_max: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-cp-store-'));
  const store = await SkillStore.open({ path: path.join(dir, 'skills.db'), pollMs: 0, migrationsDir: MIGRATIONS, compactDelayMs: 3_600_000, compactMaxDelayMs: 3_600_000 });
  try {
    const start = Date.now() - (LONG_RUNS + TRACKED_RUNS + 48) * 3_600_000;
    const seconds = history.map(Math.exp);
    const events = seconds.slice(0, LONG_RUNS).map((s, i) => runEvent(i + 1, start + i * 3_600_000, s));
    for (let i = 0; i < events.length; i += 2000) await store.commit(events.slice(i, i + 2000));
    const tracker = new SkillChangeTracker(new ColumnShelf(store.paths.historyDir));
    const full = fitChanges(store, { kind: 'changes', shelf: tracker.writerPrefix() });
    await store.commit(full.events);
    tracker.adopt(full.summary.shelved);
    await tracker.update(store);
    const updates: number[] = [];
    for (let i = LONG_RUNS; i < LONG_RUNS + TRACKED_RUNS; i++) {
      await store.commit([runEvent(i + 1, start + i * 3_600_000, seconds[i])]);
      const t = performance.now();
      await tracker.update(store);
      updates.push(performance.now() - t);
    }
    return { tracker_update_ms_p50: round(percentile(updates, 50), 2), tracker_update_ms_max: round(updates.reduce((a, b) => Math.max(a, b), 0), 2) };
  } finally {
    await store.close({ snapshot: false });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function timings(): Promise<Record<string, number | number[]>> {
  const history = longHistory(LONG_RUNS + APPENDED);
  const started = performance.now();
  const detector = ChangePointDetector.fit([history.slice(0, LONG_RUNS)]);
  const fitMs = performance.now() - started;
  const appendMs: number[] = [];
  for (const value of history.slice(LONG_RUNS)) {
    const t = performance.now();
    detector.append([value]);
    detector.changePoints();
    appendMs.push(performance.now() - t);
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-cp-')), 'long.json');
  fs.writeFileSync(file, JSON.stringify({ name: 'long', series: [{ raw: history.slice(0, LONG_RUNS) }] }));
  const cli = detectWithCli(file);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  return {
    runs: LONG_RUNS,
    ...(await trackerTimings(history)),
    fit_ms: round(fitMs, 1),
    fit_change_points: detector.changePoints(),
    append_ms_p50: round(percentile(appendMs, 50), 3),
    append_ms_p99: round(percentile(appendMs, 99), 3),
    append_ms_max: round(appendMs.reduce((a, b) => Math.max(a, b), 0), 3),
    cli_ms: round(cli.ms, 1),
  };
}

async function main(): Promise<void> {
  const tcpd = path.resolve(process.argv[2] ?? path.join(ROOT, '..', 'shared', 'data', 'tcpd'));
  if (!fs.existsSync(path.join(tcpd, 'annotations.json'))) throw new Error(`no TCPD data at ${tcpd} (pass its folder as the argument)`);
  console.error('building dist/cli.js…');
  buildProductCli();
  const annotations = readJson<Record<string, Annotations>>(path.join(tcpd, 'annotations.json'));
  const rows = scoreSeries(tcpd, annotations);
  const ours = ourMeans(rows);
  const published = publishedMeans(tcpd, rows);
  printTable(rows.map((r) => ({ series: r.series, n: r.n, change_points: r.change_points.join(' ') || '-', f1: r.f1.toFixed(3), cover: r.cover.toFixed(3), exact: r.exact ? 'yes' : 'NO', cli_ms: Math.round(r.cli_ms) })));
  const complete = rows.filter((r) => !r.missing).length;
  console.log(`\nMeans over the ${rows.length} univariate real series (published default scores, a missing result as 0), and over the ${complete} without missing values:`);
  const methods = [ours, ...published].sort((a, b) => b.f1 - a.f1);
  printTable(methods.map((m) => ({ method: m.method, f1: m.f1.toFixed(3), cover: m.cover.toFixed(3), [`f1 (${complete})`]: m.f1_complete.toFixed(3), [`cover (${complete})`]: m.cover_complete.toFixed(3) })));
  const time = await timings();
  console.log('');
  printTable([Object.fromEntries(Object.entries(time).filter(([, v]) => typeof v === 'number')) as Record<string, number>]);
  const best = { f1: published.reduce((a, m) => Math.max(a, m.f1), 0), cover: published.reduce((a, m) => Math.max(a, m.cover), 0) };
  const goals = {
    mean_f1: { goal: '>= 0.75 and above every published default method', value: round(ours.f1, 3), met: ours.f1 >= 0.75 && ours.f1 > best.f1 },
    mean_cover: { goal: '>= 0.70 and above every published default method', value: round(ours.cover, 3), met: ours.cover >= 0.7 && ours.cover > best.cover },
    append_to_10000_runs_ms: { goal: '<= 50', value: time.append_ms_max, met: (time.append_ms_max as number) <= 50 },
    window_update_after_a_new_run_at_10000_runs_ms: { goal: '<= 50', value: time.tracker_update_ms_max, met: (time.tracker_update_ms_max as number) <= 50 },
  };
  console.log(`\nGoals: ${Object.entries(goals).map(([k, g]) => `${k} ${g.value} (${g.goal}): ${g.met ? 'met' : 'MISSED'}`).join('; ')}`);
  const out = writeResult('changepoints', {
    machine: { cpus: os.cpus().length, node: process.version, load: os.loadavg().map((l) => round(l, 2)) },
    measured_at: new Date().toISOString(),
    data: tcpd,
    series: rows.map((r) => ({ ...r, f1: round(r.f1, 4), cover: round(r.cover, 4), cli_ms: round(r.cli_ms, 1) })),
    means: methods.map((m) => ({ method: m.method, f1: round(m.f1, 4), cover: round(m.cover, 4), f1_complete: round(m.f1_complete, 4), cover_complete: round(m.cover_complete, 4) })),
    timings: time,
    goals,
  });
  console.log(`\nwritten ${out}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
