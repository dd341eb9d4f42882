/**
 * The runs a store holds, as evaluation input (`session-buddy evaluate … --store`): each with the
 * user its session belongs to (an agent's runs as a user of their own, as the recommendations learn
 * them), its session, outcome and duration, oldest first.
 */
import { learnerOf } from '../recommend/learnedRecommendations';
import { all } from '../store/statements';
import type { Store } from '../store/storeInterface';
import type { UnplacedRun } from './evaluationInput';

/** Runs a page holds: a few MB of answer over the store host's socket. */
export const STORED_RUNS_PAGE = 20_000;

interface Row {
  skill_name: string;
  invoked_at: string;
  session_id: string;
  completed: number;
  duration_seconds: number | null;
  user_id: string | null;
  source: string | null;
}

/** Where a page of stored runs ends: the next page starts after this run (time order, then id). */
export interface StoredRunsCursor {
  at: string;
  id: number;
}

export interface StoredRunsPage {
  runs: UnplacedRun[];
  /** Absent on the last page. */
  next?: StoredRunsCursor;
}

/**
 * At most `limit` runs after `after` (from the first without it), numbered from `firstLine`: a
 * caller that cannot hold the store (the CLI beside the store host) reads them a page at a time.
 */
export function storedRunsPage(store: Store, after: StoredRunsCursor | undefined, limit: number, firstLine: number): StoredRunsPage {
  const hasSource = all(store.db, "SELECT 1 FROM pragma_table_info('skill_invocation') WHERE name = 'source'").length > 0;
  const rows = all<Row & { id: number }>(
    store.db,
    `SELECT i.id, i.skill_name, i.invoked_at, i.session_id, i.completed, i.duration_seconds, s.user_id, ${hasSource ? 'i.source' : 'NULL'} AS source
     FROM skill_invocation i LEFT JOIN skill_sessions s ON s.session_id = i.session_id
     WHERE (i.invoked_at, i.id) > (?, ?) ORDER BY i.invoked_at, i.id LIMIT ?`,
    [after?.at ?? '', after?.id ?? Number.MIN_SAFE_INTEGER, limit],
  );
  const runs = rows.map((row, i) => ({
    user: learnerOf(row.user_id, row.source),
    skill: row.skill_name,
    atMs: Date.parse(row.invoked_at),
    completed: row.completed === 1,
    durationSeconds: row.duration_seconds ?? undefined,
    session: row.session_id,
    line: firstLine + i,
  }));
  const last = rows.at(-1);
  return rows.length === limit && last ? { runs, next: { at: last.invoked_at, id: last.id } } : { runs };
}

/** Every stored run, oldest first, read in pages (as the CLI reads them from the store host). */
export function storedRuns(store: Store): UnplacedRun[] {
  const runs: UnplacedRun[] = [];
  let after: StoredRunsCursor | undefined;
  do {
    const page = storedRunsPage(store, after, STORED_RUNS_PAGE, runs.length + 1);
    for (const run of page.runs) runs.push(run);
    after = page.next;
  } while (after);
  return runs;
}
