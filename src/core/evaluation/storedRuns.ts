/**
 * The runs a store holds, as evaluation input (`session-buddy evaluate … --store`): each with the
 * user its session belongs to (an agent's runs as a user of their own, as the recommendations learn
 * them), its session, outcome and duration, oldest first.
 */
import { learnerOf } from '../recommend/learnedRecommendations';
import { all } from '../store/statements';
import type { Store } from '../store/storeInterface';
import type { UnplacedRun } from './evaluationInput';

interface Row {
  skill_name: string;
  invoked_at: string;
  session_id: string;
  completed: number;
  duration_seconds: number | null;
  user_id: string | null;
  source: string | null;
}

export function storedRuns(store: Store): UnplacedRun[] {
  const hasSource = all(store.db, "SELECT 1 FROM pragma_table_info('skill_invocation') WHERE name = 'source'").length > 0;
  const rows = all<Row>(
    store.db,
    `SELECT i.skill_name, i.invoked_at, i.session_id, i.completed, i.duration_seconds, s.user_id, ${hasSource ? 'i.source' : 'NULL'} AS source
     FROM skill_invocation i LEFT JOIN skill_sessions s ON s.session_id = i.session_id ORDER BY i.invoked_at, i.id`,
  );
  return rows.map((row, i) => ({
    user: learnerOf(row.user_id, row.source),
    skill: row.skill_name,
    atMs: Date.parse(row.invoked_at),
    completed: row.completed === 1,
    durationSeconds: row.duration_seconds ?? undefined,
    session: row.session_id,
    line: i + 1,
  }));
}
