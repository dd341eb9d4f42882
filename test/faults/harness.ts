/**
 * The fault suite, in the spirit of SQLite's I/O-error and crash tests: each round runs the
 * writer workload (writer.ts) in its own process with one fault injected (inject.cjs) at one write
 * point of the store, then reopens the store as a user would and checks the store's promises:
 * every invocation whose track() resolved is there exactly once, the snapshot opens and passes
 * PRAGMA integrity_check, the derived totals match the rows, and after a completed Delete All Data
 * no byte of the deleted data is in any file beside the store.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { seededRandom, type Random } from '../../src/core/analytics/seededRandom';
import { compact } from '../../src/core/store/compactor';
import { openDatabaseBytes } from '../../src/core/store/engine';
import { FileStore } from '../../src/core/store/fileStore';
import { openNodeSqlite } from '../../src/core/store/nodeSqlite';
import type { SqlDatabase } from '../../src/core/store/sqlDatabase';
import type { Store } from '../../src/core/store/storeInterface';
import { storePaths } from '../../src/core/store/paths';
import { SkillStore } from '../../src/core/store/store';
import { plant } from '../helpers/store';

export const POINTS = ['segment-append', 'segment-sync', 'segment-close', 'snapshot-write', 'snapshot-sync', 'snapshot-rename', 'dir-sync', 'backup', 'segment-delete', 'slot-write'] as const;
/**
 * The write points of the file-backed store: the log's (unchanged), the small atomic file naming
 * whose write-ahead log is beside the database (snapshot-* are writes through a temporary file), and
 * SQLite's own writes, injected by sqliteFaults.c.
 */
export const FILE_POINTS = ['segment-append', 'segment-sync', 'segment-close', 'segment-delete', 'slot-write', 'dir-sync', 'snapshot-write', 'snapshot-sync', 'snapshot-rename', 'sqlite-wal-write', 'sqlite-wal-sync', 'sqlite-db-write', 'sqlite-db-sync', 'sqlite-backup-write'] as const;
export const KINDS = ['enospc', 'eio', 'short', 'kill'] as const;
export type FaultPoint = (typeof POINTS)[number] | (typeof FILE_POINTS)[number];
export type FaultKind = (typeof KINDS)[number];
/** recorder: runs recorded without the store (RecordingLog), applied by the file-backed store, as with the store host. */
export type Engine = 'sqljs' | 'file' | 'recorder';
/** A short write only exists where bytes are written. */
const SHORT_POINTS = new Set<FaultPoint>(['segment-append', 'segment-close', 'snapshot-write', 'backup', 'sqlite-wal-write', 'sqlite-db-write', 'sqlite-backup-write']);
const NATIVE_POINTS = new Set<FaultPoint>(['sqlite-wal-write', 'sqlite-wal-sync', 'sqlite-db-write', 'sqlite-db-sync', 'sqlite-backup-write']);

export interface Cell {
  point: FaultPoint;
  kind: FaultKind;
  rounds: number;
  /** Rounds in which the fault actually happened (the workload reached the nth call). */
  fired: number;
  lost: number;
  duplicated: number;
  unopenable: number;
  /** Rounds whose derived totals (skill_metrics, session_skills, the hourly series) disagree with the rows. */
  mismatched: number;
  /** Rounds with a byte of deleted data left after a completed Delete All Data. */
  leaked: number;
}

export interface FaultSuiteResult {
  engine: Engine;
  rounds: number;
  seed: number;
  cells: Cell[];
  /** One line per round that broke a promise, to reproduce it (seed, cell, nth). */
  violations: string[];
  durationMs: number;
}

export interface FaultSuiteOptions {
  rounds: number;
  seed?: number;
  parallel?: number;
  /** The store under test: sql.js's SkillStore (default) or the file-backed FileStore (needs node:sqlite and a C compiler). */
  engine?: Engine;
  onRound?: (done: number, total: number) => void;
}

const ROOT = path.resolve(__dirname, '..', '..');
const MIGRATIONS = path.join(ROOT, 'migrations');
const INJECT = path.join(__dirname, 'inject.cjs');
const TEMPLATE_SKILL = 'template-secret-skill';

export function cellsFor(engine: Engine): { point: FaultPoint; kind: FaultKind }[] {
  const points: readonly FaultPoint[] = engine === 'sqljs' ? POINTS : FILE_POINTS;
  return points.flatMap((point) => KINDS.filter((kind) => kind !== 'short' || SHORT_POINTS.has(point)).map((kind) => ({ point, kind })));
}

export const CELLS = cellsFor('sqljs');

/** Compiles the C library that injects faults into SQLite's own writes (test-only, never shipped). */
function buildNativeInjector(): string {
  const outfile = path.join(ROOT, 'out', 'faults', 'sqlite-faults.so');
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  const cc = spawnSync('cc', ['-shared', '-fPIC', '-O2', '-o', outfile, path.join(__dirname, 'sqliteFaults.c'), '-ldl'], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`the file-backed fault suite needs a C compiler (cc) for sqliteFaults.c: ${cc.error?.message ?? cc.stderr}`);
  return outfile;
}

/** Bundles the writer like the shipped code; `../../../migrations` from it is the repository's. */
async function buildWriter(): Promise<string> {
  const outdir = path.join(ROOT, 'out', 'faults', 'writer');
  fs.mkdirSync(outdir, { recursive: true });
  const outfile = path.join(outdir, 'writer.js');
  await build({ entryPoints: [path.join(__dirname, 'writer.ts')], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' });
  fs.copyFileSync(path.join(ROOT, 'node_modules', 'sql.js', 'dist', 'sql-wasm.wasm'), path.join(outdir, 'sql-wasm.wasm'));
  return outfile;
}

/** A store one migration behind the latest, with invocations in it: opening it for work upgrades it after a backup. */
async function buildTemplate(dir: string): Promise<{ db: string; ids: number[] }> {
  fs.mkdirSync(dir, { recursive: true });
  const db = path.join(dir, 'skills.db');
  const store = await SkillStore.open({ path: db, migrationsDir: MIGRATIONS, pollMs: 0 });
  const at = new Date(Date.now() - 10 * 60_000);
  await plant(store, Array.from({ length: 20 }, (_, i) => ({ skill: `${TEMPLATE_SKILL}-${i % 3}`, at: new Date(at.getTime() + i * 1000), session: 'template' })));
  const ids = store.db.exec('SELECT id FROM skill_invocation')[0].values.map((r) => Number(r[0]));
  await store.close();
  await compact(storePaths(db), { migrate: false, migrationsDir: MIGRATIONS, segmentGraceMs: 0, operation: { label: 'fault-template', needed: () => true, run: (_db, manager) => manager.rollback({ steps: 1 }) } });
  for (const name of fs.readdirSync(dir)) if (name.includes('.backup-') || name.endsWith('.prev')) fs.rmSync(path.join(dir, name));
  return { db, ids };
}

interface ChildRun {
  lines: string[];
  killed: boolean;
  hung: boolean;
  fired: boolean;
  counts?: Record<string, number>;
}

function runWriter(writer: string, dir: string, env: Record<string, string>, native?: string): Promise<ChildRun> {
  const mark = path.join(dir, '..', `${path.basename(dir)}.fired`);
  const countFile = path.join(dir, '..', `${path.basename(dir)}.counts`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--require', INJECT, writer], {
      env: { ...process.env, ...env, ...(native ? { LD_PRELOAD: native } : {}), SB_FAULT_MARK: mark, SB_FAULT_COUNT: countFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', () => undefined);
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, 60_000);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      const fired = fs.existsSync(mark);
      const counts = readCounts(countFile);
      fs.rmSync(mark, { force: true });
      fs.rmSync(countFile, { force: true });
      fs.rmSync(`${countFile}.native`, { force: true });
      resolve({ lines: out.split('\n').filter(Boolean), killed: signal === 'SIGKILL', hung, fired, counts });
    });
  });
}

/** Calls per point, from inject.cjs and (file-backed store) sqliteFaults.c; undefined when the process wrote none. */
function readCounts(countFile: string): Record<string, number> | undefined {
  const read = (file: string) => (fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, number>) : undefined);
  const js = read(countFile);
  const native = read(`${countFile}.native`);
  return js || native ? { ...js, ...native } : undefined;
}

/** Every file under `dir` that holds `needle`. */
function filesHolding(dir: string, needle: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .map((name) => path.join(dir, String(name)))
    .filter((file) => fs.statSync(file).isFile() && fs.readFileSync(file).includes(needle));
}

interface Verdict {
  lost: number;
  duplicated: number;
  unopenable: number;
  mismatched: number;
  leaked: number;
  notes: string[];
}

const sum = (db: { exec(sql: string): { values: unknown[][] }[] }, sql: string) => Number(db.exec(sql)[0]?.values[0]?.[0] ?? 0);

function openForCheck(db: string, engine: Engine): Promise<Store> {
  if (engine !== 'sqljs') return FileStore.open({ path: db, migrationsDir: MIGRATIONS, pollMs: 0 });
  return SkillStore.open({ path: db, migrationsDir: MIGRATIONS, pollMs: 0 });
}

/** The database as it is on disk once the store is closed: the snapshot's bytes, or the file itself. */
async function openOnDisk(db: string, engine: Engine): Promise<SqlDatabase> {
  return engine === 'sqljs' ? openDatabaseBytes(fs.readFileSync(db)) : openNodeSqlite(db);
}

/** Reopens the store as a user would after the round (the dead writer's locks count as stale) and checks every promise. */
async function check(db: string, template: number[], run: ChildRun, secret: string, engine: Engine): Promise<Verdict> {
  const verdict: Verdict = { lost: 0, duplicated: 0, unopenable: 0, mismatched: 0, leaked: 0, notes: [] };
  if (run.killed) {
    // A dead holder's locks go stale after 30 s / 10 s; the check does not wait for that.
    for (const lock of [`${db}.lock`, `${db}.events/slots.lock`]) fs.rmSync(lock, { recursive: true, force: true });
  }
  const purgeAt = run.lines.indexOf('P');
  const confirmed = (from: number, to: number) => run.lines.slice(from, to).filter((l) => l.startsWith('C ')).map((l) => Number(l.slice(2)));
  const before = purgeAt >= 0 ? [...template, ...confirmed(0, purgeAt)] : [];
  const after = purgeAt >= 0 ? confirmed(purgeAt, run.lines.length) : [...template, ...confirmed(0, run.lines.length)];
  const deleted = run.lines.includes('D');

  let store: Store;
  try {
    store = await openForCheck(db, engine);
  } catch (err) {
    verdict.unopenable = 1;
    verdict.notes.push(`reopen failed: ${(err as Error).message}`);
    return verdict;
  }
  const present = new Set(store.db.exec('SELECT id FROM skill_invocation')[0]?.values.map((r) => Number(r[0])) ?? []);
  const rows = sum(store.db, 'SELECT count(*) FROM skill_invocation');
  const gone = before.filter((id) => !present.has(id)).length;
  const purged = gone === before.length;
  if (deleted && !purged) {
    verdict.leaked = 1;
    verdict.notes.push(`${before.length - gone} invocations deleted by a completed Delete All Data are back`);
  }
  const missing = after.filter((id) => !present.has(id)).length + (purged ? 0 : gone);
  if (missing) verdict.notes.push(`${missing} confirmed invocations missing`);
  verdict.lost = missing;
  const derived = {
    skill_metrics: sum(store.db, 'SELECT COALESCE(SUM(total_invocations), 0) FROM skill_metrics'),
    session_skills: sum(store.db, 'SELECT COALESCE(SUM(invocation_count), 0) FROM session_skills'),
    skill_time_series: sum(store.db, 'SELECT COALESCE(SUM(invocation_count), 0) FROM skill_time_series'),
  };
  for (const [table, total] of Object.entries(derived)) {
    if (total === rows) continue;
    verdict.mismatched = 1;
    if (total > rows) verdict.duplicated = Math.max(verdict.duplicated, total - rows);
    verdict.notes.push(`${table} counts ${total} invocations, the table holds ${rows}`);
  }
  try {
    await store.snapshotNow();
    await store.close();
    const snapshot = await openOnDisk(db, engine);
    try {
      const integrity = String(snapshot.exec('PRAGMA integrity_check')[0].values[0][0]);
      if (integrity !== 'ok') throw new Error(`integrity_check: ${integrity}`);
      const inSnapshot = new Set(snapshot.exec('SELECT id FROM skill_invocation')[0]?.values.map((r) => Number(r[0])) ?? []);
      const notSaved = [...present].filter((id) => !inSnapshot.has(id)).length;
      if (notSaved) {
        verdict.lost += notSaved;
        verdict.notes.push(`${notSaved} invocations missing from the rebuilt snapshot`);
      }
    } finally {
      snapshot.close();
    }
  } catch (err) {
    verdict.unopenable = 1;
    verdict.notes.push(`snapshot: ${(err as Error).message}`);
  }
  if (deleted) {
    const holding = [...filesHolding(path.dirname(db), secret), ...filesHolding(path.dirname(db), TEMPLATE_SKILL)];
    if (holding.length) {
      verdict.leaked = 1;
      verdict.notes.push(`deleted data still in ${holding.map((f) => path.basename(f)).join(', ')}`);
    }
  }
  return verdict;
}

/** How often each point is reached by the workload, so that the nth call of every round is one that happens. */
async function calibrate(writer: string, work: string, template: string, engine: Engine, native?: string): Promise<Record<string, number>> {
  const reach: Record<string, number> = {};
  for (const purge of ['0', '1']) {
    const dir = path.join(work, `calibrate-${purge}`);
    fs.cpSync(path.dirname(template), dir, { recursive: true });
    const run = await runWriter(writer, dir, { SB_DB: path.join(dir, 'skills.db'), SB_MIGRATIONS: MIGRATIONS, SB_SEED: '1', SB_PURGE: purge, SB_SECRET: 'calibration', SB_ENGINE: engine }, native);
    for (const [point, n] of Object.entries(run.counts ?? {})) reach[point] = Math.max(reach[point] ?? 0, n);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return reach;
}

interface Round {
  index: number;
  point: FaultPoint;
  kind: FaultKind;
  nth: number;
  after: boolean;
  purge: boolean;
  seed: number;
}

function planRounds(count: number, seed: number, reach: Record<string, number>, cells: readonly { point: FaultPoint; kind: FaultKind }[]): Round[] {
  const random: Random = seededRandom(seed);
  return Array.from({ length: count }, (_, index) => {
    const { point, kind } = cells[index % cells.length];
    const purge = random() < 0.35;
    return { index, point, kind, nth: 1 + Math.floor(random() * Math.max(1, reach[point] ?? 1)), after: random() < 0.5, purge, seed: Math.floor(random() * 2 ** 31) };
  });
}

/** The round's fault, for inject.cjs (the log's and temporary files' points) or sqliteFaults.c (SQLite's). */
function faultEnv(round: Round): Record<string, string> {
  if (!NATIVE_POINTS.has(round.point)) return { SB_FAULT: JSON.stringify({ point: round.point, kind: round.kind, nth: round.nth, after: round.after }) };
  return { SB_NFAULT_POINT: round.point, SB_NFAULT_KIND: round.kind, SB_NFAULT_NTH: String(round.nth), SB_NFAULT_AFTER: round.after ? '1' : '0' };
}

export async function runFaultSuite(options: FaultSuiteOptions): Promise<FaultSuiteResult> {
  const started = performance.now();
  const seed = options.seed ?? 20261201;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-faults-'));
  try {
    const engine = options.engine ?? 'sqljs';
    const native = engine === 'sqljs' ? undefined : buildNativeInjector();
    const writer = await buildWriter();
    const template = await buildTemplate(path.join(work, 'template'));
    const reach = await calibrate(writer, work, template.db, engine, native);
    const planned = cellsFor(engine);
    const rounds = planRounds(options.rounds, seed, reach, planned);
    const cells = new Map(planned.map((c) => [`${c.point}/${c.kind}`, { ...c, rounds: 0, fired: 0, lost: 0, duplicated: 0, unopenable: 0, mismatched: 0, leaked: 0 } as Cell]));
    const violations: string[] = [];
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < rounds.length) {
        const round = rounds[next++];
        const dir = path.join(work, `round-${round.index}`);
        fs.cpSync(path.dirname(template.db), dir, { recursive: true });
        const db = path.join(dir, 'skills.db');
        const secret = `deleted-secret-${round.seed.toString(36)}`;
        const run = await runWriter(writer, dir, {
          SB_DB: db,
          SB_MIGRATIONS: MIGRATIONS,
          SB_SEED: String(round.seed),
          SB_PURGE: round.purge ? '1' : '0',
          SB_SECRET: secret,
          SB_ENGINE: engine,
          ...faultEnv(round),
        }, native);
        const verdict = await check(db, template.ids, run, secret, engine);
        if (run.hung) {
          verdict.unopenable = 1;
          verdict.notes.push('the writer hung (killed after 60 s)');
        }
        const cell = cells.get(`${round.point}/${round.kind}`)!;
        cell.rounds++;
        if (run.fired) cell.fired++;
        cell.lost += verdict.lost;
        cell.duplicated += verdict.duplicated;
        cell.unopenable += verdict.unopenable;
        cell.mismatched += verdict.mismatched;
        cell.leaked += verdict.leaked;
        if (verdict.notes.length) violations.push(`round ${round.index} (${round.point}/${round.kind}, nth ${round.nth}, ${round.after ? 'after' : 'before'}, purge ${round.purge}, seed ${round.seed}): ${verdict.notes.join('; ')}`);
        fs.rmSync(dir, { recursive: true, force: true });
        options.onRound?.(++done, rounds.length);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.parallel ?? 1) }, worker));
    return { engine, rounds: rounds.length, seed, cells: [...cells.values()], violations, durationMs: performance.now() - started };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The table of the issue: fault point x fault kind -> rounds, lost, duplicated, unopenable (and more). */
export function formatTable(result: FaultSuiteResult): string {
  const header = ['point', 'kind', 'rounds', 'fired', 'lost', 'duplicated', 'unopenable', 'mismatched', 'leaked'];
  const rows = result.cells.map((c) => [c.point, c.kind, c.rounds, c.fired, c.lost, c.duplicated, c.unopenable, c.mismatched, c.leaked].map(String));
  const total = (key: keyof Cell) => String(result.cells.reduce((n, c) => n + Number(c[key]), 0));
  rows.push(['total', '', total('rounds'), total('fired'), total('lost'), total('duplicated'), total('unopenable'), total('mismatched'), total('leaked')]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
