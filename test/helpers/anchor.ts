import { execFileSync } from 'node:child_process';
import path from 'node:path';

const SCRIPT = path.join(__dirname, '..', 'fixtures', 'anchor', 'build_anchor_db.py');

/** The invocations the fixture script writes (and one more that it writes last). */
export const ANCHOR_ROWS = 7;

/**
 * Builds a V3 database with Python's sqlite3, as the Python session-buddy leaves it: FTS5 table,
 * JSON-path trigger, self-recorded versions, WAL mode. With keepWal the last transaction stays in
 * the -wal file, as while the Python server runs. With v4, also the V4 tables the import carries
 * (users, interactions, anomalies, baselines, an A/B test). With runs, that many more runs, as a
 * heavy user's history (see the script).
 */
export function buildAnchorDb(file: string, options: { keepWal?: boolean; v4?: boolean; runs?: number } = {}): void {
  const args = [SCRIPT, file, ...(options.keepWal ? ['--keep-wal'] : []), ...(options.v4 ? ['--v4'] : []), ...(options.runs ? ['--runs', String(options.runs)] : [])];
  execFileSync('python3', args, { stdio: 'pipe' });
}
