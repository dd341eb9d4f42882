import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { maxOf } from '../src/core/collections';

export const ROOT = process.env.SESSION_BUDDY_ROOT ?? process.cwd();
export const MIGRATIONS = path.join(ROOT, 'migrations');

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const median = (values: number[]) => percentile(values, 50);
export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
export const mib = (bytes: number) => round(bytes / 1048576, 1);

export function writeResult(name: string, result: unknown): string {
  const dir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

export function printTable(rows: Record<string, string | number>[]): void {
  const columns = Object.keys(rows[0] ?? {});
  const widths = columns.map((c) => maxOf(rows.map((r) => String(r[c]).length), c.length));
  const line = (values: string[]) => values.map((v, i) => v.padStart(widths[i])).join('  ');
  console.log(line(columns));
  for (const r of rows) console.log(line(columns.map((c) => String(r[c]))));
}

/** dist/cli.js, built from the sources now: benchmarks that run the product's own command measure this tree. */
export const PRODUCT_CLI = path.join(ROOT, 'dist', 'cli.js');

export function buildProductCli(): void {
  const build = spawnSync(process.execPath, [path.join(ROOT, 'esbuild.js')], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr}`);
}

/** A Python session-buddy database of `runs` runs, built by the tests' fixture script (Python's sqlite3). */
export function pythonToolDatabase(dir: string, runs: number): string {
  const file = path.join(dir, `python-${runs}.db`);
  execFileSync('python3', [path.join(ROOT, 'test', 'fixtures', 'anchor', 'build_anchor_db.py'), file, '--runs', String(runs)], { stdio: 'pipe' });
  return file;
}
