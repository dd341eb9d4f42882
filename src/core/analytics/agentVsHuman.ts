import { all } from '../store/statements';
import type { Store } from '../store/storeInterface';
import { sourcesOf } from './sourceFilter';
import { projectCondition } from '../tracking/project';

/** Fewer runs than this on either side say too little to compare. */
const MIN_COMPARED_RUNS = 3;

export interface SideFigures {
  runs: number;
  /** 0..1 */
  completionRate: number;
}

/** One skill that both an agent and the developer ran in the range. */
export interface SourceComparison {
  skill: string;
  agent: SideFigures;
  human: SideFigures;
}

interface ComparisonRow {
  skill: string;
  agentRuns: number;
  agentCompleted: number;
  humanRuns: number;
  humanCompleted: number;
}

/**
 * The skills run at least MIN_COMPARED_RUNS times by an agent and by the developer (editor, CLI,
 * CI) since `since`, most runs first: the completion rate (0..1) of each side.
 */
export function compareAgentAndHuman(store: Store, options: { since: string; until: string; limit?: number; projectHash?: string }): SourceComparison[] {
  const human = sourcesOf('human');
  const project = projectCondition(options.projectHash);
  const inHuman = human.map(() => '?').join(', ');
  const rows = all<ComparisonRow>(
    store.db,
    `SELECT skill_name AS skill,
            SUM(source = 'agent') AS agentRuns, SUM(source = 'agent' AND completed = 1) AS agentCompleted,
            SUM(source IN (${inHuman})) AS humanRuns, SUM(source IN (${inHuman}) AND completed = 1) AS humanCompleted
     FROM skill_invocation
     WHERE invoked_at >= ? AND invoked_at < ? AND source IS NOT NULL${project.sql}
     GROUP BY skill_name
     HAVING agentRuns >= ? AND humanRuns >= ?
     ORDER BY agentRuns + humanRuns DESC, skill_name
     LIMIT ?`,
    [...human, ...human, options.since, options.until, ...project.params, MIN_COMPARED_RUNS, MIN_COMPARED_RUNS, options.limit ?? 20],
  );
  return rows.map((r) => ({
    skill: r.skill,
    agent: { runs: r.agentRuns, completionRate: r.agentCompleted / r.agentRuns },
    human: { runs: r.humanRuns, completionRate: r.humanCompleted / r.humanRuns },
  }));
}

/** "The agent's pytest-run completes 41% of the time, yours 93%." */
export function comparisonSentence(comparison: SourceComparison): string {
  const percent = (rate: number) => `${Math.round(rate * 100)}%`;
  return `The agent's ${comparison.skill} completes ${percent(comparison.agent.completionRate)} of the time, yours ${percent(comparison.human.completionRate)}.`;
}
