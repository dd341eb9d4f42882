import { DEFAULT_DAYS, SKILL_CHANGE_METRICS, skillChangeReport, type SkillChange, type SkillChangeMetric, type SkillSegment } from '../analytics/skillChanges';
import { one } from '../store/statements';
import { skillNameParam } from './parameters';
import { defineTool } from './tool';

interface Args {
  skill_name?: string;
  metric?: SkillChangeMetric;
  days: number;
}

export const getSkillChangesTool = defineTool<Args>({
  name: 'get_skill_changes',
  title: 'Skill regressions',
  description:
    "When a skill got slower, started failing more often or was run less, by how much, and whether it is still so: change points found over all of each skill's runs (durations of completed runs, failure rate, runs per active day), each with its size ('1.6× slower (30 s → 48 s)', 'failure rate 4% → 31%'), the run and time where it began, and whether it still holds (open). Rates are 0..1, durations in seconds.",
  writes: 'derived',
  inputSchema: {
    type: 'object',
    properties: {
      skill_name: skillNameParam('Only this skill, e.g. pytest-run (default: every skill)'),
      metric: { type: 'string', description: 'Only this metric (default: all three)', enum: [...SKILL_CHANGE_METRICS] },
      days: { type: 'integer', description: `Changes that began in the last n days (default ${DEFAULT_DAYS})`, minimum: 1, maximum: 3660, default: DEFAULT_DAYS },
    },
    additionalProperties: false,
  },
  async handler({ store, mayWrite }, args) {
    const skill = args.skill_name?.trim();
    if (skill !== undefined && !one(store.db, 'SELECT 1 AS known FROM skill_invocation WHERE skill_name = ? LIMIT 1', [skill])) throw new Error(`no invocations of "${skill}" recorded`);
    const report = await skillChangeReport(store, { skill, metric: args.metric, days: args.days, write: mayWrite() });
    return {
      days: args.days,
      open_regressions: report.open_regressions.map(changeFields),
      changes: report.changes.map(changeFields),
      current: report.segments.filter((s) => s.open).map(currentFields),
      message: summary(report.open_regressions, report.changes.length, args.days),
    };
  },
});

function changeFields(c: SkillChange) {
  return {
    skill_name: c.skill_name,
    metric: c.metric,
    change: c.change,
    started_at: c.started_at,
    start_run_number: c.start_run_number,
    start_run_id: c.start_run_id,
    previous_level: c.previous_level,
    level: c.level,
    ratio: c.ratio,
    direction: c.direction,
    regression: c.regression,
    open: c.open,
  };
}

function currentFields(s: SkillSegment) {
  return { skill_name: s.skill_name, metric: s.metric, level: s.level, since: s.started_at, points: s.points };
}

function summary(open: SkillChange[], changes: number, days: number): string {
  if (changes === 0) return `No changes in the last ${days} days`;
  const regressions = open.map((r) => `${r.skill_name} ${r.change} since ${r.started_at.slice(0, 10)} (run ${r.start_run_number})`);
  const lead = regressions.length ? `${regressions.length} open regression(s): ${regressions.join('; ')}. ` : 'No open regression. ';
  return `${lead}${changes} change(s) in the last ${days} days`;
}
