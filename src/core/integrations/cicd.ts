import { all, one } from '../store/statements';
import type { Store } from '../store/storeInterface';
import { toTimestamp } from '../time';
import { SkillTracker } from '../tracking/tracker';
import { LIMITS, ValidationError, optionalText, requireName } from '../validation';
import { ensureSession } from './sessions';
import type { WorkflowPhase } from './workflowPhases';
import type { StoreEvent } from '../store/events';
import type { InvocationInput } from '../tracking/runRecorder';
import { plural } from '../../shared/words';

export const CI_STAGES = ['build', 'test', 'lint', 'security', 'deploy', 'publish'] as const;
/** The source of a build's session (invocationSource.ts: the runs of a pipeline are 'ci'). */
export const CI_SOURCE = 'ci';
export type CiStage = (typeof CI_STAGES)[number];

/** The anchor's stage → workflow phase mapping. */
export const STAGE_PHASES: Record<CiStage, WorkflowPhase> = {
  build: 'setup',
  test: 'execution',
  lint: 'verification',
  security: 'verification',
  deploy: 'deployment',
  publish: 'deployment',
};

/** Skills usually seen in each stage (the anchor's STAGE_SKILLS), used for recommendations. */
export const STAGE_SKILLS: Record<CiStage, readonly string[]> = {
  build: ['uv-install', 'npm-install', 'docker-build', 'compile'],
  test: ['pytest-run', 'jest-run', 'test-discovery', 'coverage-report'],
  lint: ['ruff-check', 'mypy-check', 'eslint-check', 'tsc-check'],
  security: ['bandit-security', 'safety-check', 'npm-audit'],
  deploy: ['docker-push', 'helm-deploy', 'terraform-apply'],
  publish: ['npm-publish', 'pypi-publish'],
};

/** Below this success rate a stage is a bottleneck (the anchor's 80 %). */
export const BOTTLENECK_RATE = 0.8;

export interface PipelineContext {
  pipeline: string;
  build: string;
  commit?: string;
  branch?: string;
  environment?: string;
  triggeredBy?: string;
}

export interface StageRun {
  stage: CiStage;
  skill: string;
  completed: boolean;
  durationSeconds: number;
  errorType?: string;
  /** When the stage ended (default: now); the invocation is recorded at its start. */
  finishedAt?: Date;
  /** Identifies a sub-unit (a test suite) so that a repeated import is recognised. */
  stepId?: string;
}

export function parseStage(value: string): CiStage {
  if ((CI_STAGES as readonly string[]).includes(value)) return value as CiStage;
  throw new ValidationError('stage', `must be one of ${CI_STAGES.join(', ')} (got "${value}")`);
}

const COMMIT = /^[0-9a-f]{4,64}$/i;

export function checkContext(ctx: PipelineContext): Required<Pick<PipelineContext, 'pipeline' | 'build'>> & PipelineContext {
  const commit = optionalText('commit', ctx.commit, 64);
  if (commit !== null && !COMMIT.test(commit)) throw new ValidationError('commit', 'must be a hexadecimal commit id (4 to 64 characters)');
  return {
    pipeline: requireName('pipeline', ctx.pipeline),
    build: requireName('build', ctx.build, 64),
    commit: commit ?? undefined,
    branch: ctx.branch === undefined ? undefined : requireName('branch', ctx.branch, LIMITS.name),
    environment: ctx.environment === undefined ? undefined : requireName('environment', ctx.environment, 64),
    triggeredBy: ctx.triggeredBy === undefined ? undefined : requireName('triggeredBy', ctx.triggeredBy, LIMITS.name),
  };
}

/** The session of one pipeline build, named as the anchor named it. */
export function buildSessionId(ctx: PipelineContext): string {
  return `${ctx.pipeline}-${ctx.build}`;
}

/** What recording one stage run writes: the invocation in the build's session, then its pipeline context. */
export interface StageRecord {
  sessionId: string;
  input: Omit<InvocationInput, 'sessionId'>;
  /** The ci_pipeline_context row of the invocation, once its id is known. */
  contextEvent(invocationId: number): StoreEvent;
}

/** The record of one stage run of a build (validated), the same whichever process writes it. */
export function stageRecord(context: PipelineContext, run: StageRun): StageRecord {
  const ctx = checkContext(context);
  const stage = parseStage(run.stage);
  const finished = run.finishedAt ?? new Date();
  return {
    sessionId: buildSessionId(ctx),
    input: {
      skillName: run.skill,
      invokedAt: new Date(finished.getTime() - run.durationSeconds * 1000),
      completed: run.completed,
      durationSeconds: run.durationSeconds,
      workflowPhase: STAGE_PHASES[stage],
      workflowStepId: run.stepId,
      errorType: run.errorType,
      userQuery: `CI/CD stage: ${stage}`,
    },
    contextEvent: (invocationId) => ({
      t: 'upsert',
      table: 'ci_pipeline_context',
      key: ['invocation_id'],
      rows: [
        {
          invocation_id: invocationId,
          pipeline_name: ctx.pipeline,
          build_number: ctx.build,
          stage,
          git_commit: ctx.commit ?? null,
          git_branch: ctx.branch ?? null,
          environment: ctx.environment ?? null,
          triggered_by: ctx.triggeredBy ?? null,
          recorded_at: toTimestamp(finished),
        },
      ],
    }),
  };
}

/**
 * Records stage runs of one build: each as an invocation with the stage's workflow phase, plus its
 * pipeline context (ci_pipeline_context, keyed by invocation id). Returns the invocation ids.
 */
export async function trackPipelineStages(store: Store, userId: string, context: PipelineContext, runs: StageRun[]): Promise<number[]> {
  const records = runs.map((run) => stageRecord(context, run));
  const tracker = new SkillTracker(store, userId);
  const ids: number[] = [];
  for (const record of records) {
    await ensureSession(store, tracker, record.sessionId, CI_SOURCE);
    const id = await tracker.trackInvocation({ ...record.input, sessionId: record.sessionId });
    ids.push(id);
    await store.commit([record.contextEvent(id)]);
    if (!one(store.db, 'SELECT 1 AS x FROM ci_pipeline_context WHERE invocation_id = ?', [id])) {
      throw new Error(`invocation ${id} was recorded, but its pipeline context was not: this store does not accept ci_pipeline_context rows yet`);
    }
  }
  return ids;
}

export interface StageAnalytics {
  total_runs: number;
  successful_runs: number;
  failed_runs: number;
  /** 0..1 */
  success_rate: number;
  /** Of the successful runs, as the anchor measured it. */
  avg_duration_seconds: number | null;
  skills_used: string[];
  common_failures: Record<string, number>;
}

export interface PipelineReport {
  pipeline_name: string;
  time_window_days: number;
  from_date: string;
  to_date: string;
  builds: number;
  total_runs: number;
  /** 0..1; null when there was no run. */
  overall_success_rate: number | null;
  stage_analytics: Partial<Record<CiStage, StageAnalytics>>;
  bottlenecks: { stage: CiStage; success_rate: number; severity: 'high' | 'medium' }[];
  recommendations: { stage: CiStage; priority: 'high' | 'medium' | 'low'; message: string }[];
}

interface RunRow {
  stage: string;
  build_number: string;
  skill_name: string;
  completed: number;
  duration_seconds: number | null;
  error_type: string | null;
}

/** Per-stage success rates, bottlenecks and recommendations for one pipeline over the last `days`. */
export function pipelineReport(store: Store, pipeline: string, options: { days?: number; now?: Date } = {}): PipelineReport {
  const name = requireName('pipeline', pipeline);
  const days = options.days ?? 7;
  if (!Number.isFinite(days) || days <= 0 || days > 3650) throw new ValidationError('days', 'must be a number of days from 1 to 3650');
  const now = options.now ?? new Date();
  const from = toTimestamp(new Date(now.getTime() - days * 86_400_000));
  const to = toTimestamp(now);
  const rows = all<RunRow>(
    store.db,
    `SELECT c.stage, c.build_number, i.skill_name, i.completed, i.duration_seconds, i.error_type
     FROM ci_pipeline_context c JOIN skill_invocation i ON i.id = c.invocation_id
     WHERE c.pipeline_name = ? AND i.invoked_at >= ? AND i.invoked_at <= ?`,
    [name, from, to],
  );
  const stages = new Map<CiStage, RunRow[]>();
  for (const row of rows) {
    if (!(CI_STAGES as readonly string[]).includes(row.stage)) continue;
    const list = stages.get(row.stage as CiStage) ?? [];
    list.push(row);
    stages.set(row.stage as CiStage, list);
  }
  const stage_analytics: PipelineReport['stage_analytics'] = {};
  for (const stage of CI_STAGES) {
    const list = stages.get(stage);
    if (list) stage_analytics[stage] = analyseStage(list);
  }
  const successful = rows.filter((r) => r.completed === 1).length;
  return {
    pipeline_name: name,
    time_window_days: days,
    from_date: from,
    to_date: to,
    builds: new Set(rows.map((r) => r.build_number)).size,
    total_runs: rows.length,
    overall_success_rate: rows.length ? successful / rows.length : null,
    stage_analytics,
    bottlenecks: bottlenecks(stage_analytics),
    recommendations: recommendations(stage_analytics),
  };
}

function analyseStage(rows: RunRow[]): StageAnalytics {
  const ok = rows.filter((r) => r.completed === 1);
  const timed = ok.filter((r) => r.duration_seconds !== null);
  const failures: Record<string, number> = {};
  for (const r of rows) if (r.completed !== 1) failures[r.error_type ?? 'failed'] = (failures[r.error_type ?? 'failed'] ?? 0) + 1;
  return {
    total_runs: rows.length,
    successful_runs: ok.length,
    failed_runs: rows.length - ok.length,
    success_rate: ok.length / rows.length,
    avg_duration_seconds: timed.length ? timed.reduce((s, r) => s + (r.duration_seconds ?? 0), 0) / timed.length : null,
    skills_used: [...new Set(rows.map((r) => r.skill_name))].sort(),
    common_failures: Object.fromEntries(Object.entries(failures).sort((a, b) => b[1] - a[1]).slice(0, 5)),
  };
}

function stagesOf(analytics: PipelineReport['stage_analytics']): [CiStage, StageAnalytics][] {
  return CI_STAGES.flatMap((s) => (analytics[s] ? [[s, analytics[s]!] as [CiStage, StageAnalytics]] : []));
}

function bottlenecks(analytics: PipelineReport['stage_analytics']): PipelineReport['bottlenecks'] {
  return stagesOf(analytics)
    .filter(([, a]) => a.success_rate < BOTTLENECK_RATE)
    .map(([stage, a]) => ({ stage, success_rate: a.success_rate, severity: a.success_rate < 0.5 ? ('high' as const) : ('medium' as const) }))
    .sort((x, y) => x.success_rate - y.success_rate);
}

function recommendations(analytics: PipelineReport['stage_analytics']): PipelineReport['recommendations'] {
  const list: PipelineReport['recommendations'] = [];
  for (const [stage, a] of stagesOf(analytics)) {
    if (a.success_rate < 0.7) {
      const top = Object.entries(a.common_failures)[0];
      const cause = top ? `; most common failure: ${top[0]} (${top[1]}×)` : '';
      list.push({ stage, priority: 'high', message: `${stage} succeeds in ${percent(a.success_rate)} of runs${cause}. Fix or quarantine its failing steps first.` });
    }
    if (a.avg_duration_seconds !== null && a.avg_duration_seconds > 300) {
      list.push({ stage, priority: 'medium', message: `${stage} takes ${(a.avg_duration_seconds / 60).toFixed(1)} min on average: cache dependencies, parallelise or split it.` });
    }
    const unused = STAGE_SKILLS[stage].filter((s) => !a.skills_used.includes(s));
    if (unused.length === STAGE_SKILLS[stage].length) {
      list.push({ stage, priority: 'low', message: `${stage} runs none of the skills common in this stage (${unused.join(', ')}); consider whether one of them belongs here.` });
    }
  }
  const order = { high: 0, medium: 1, low: 2 };
  return list.sort((a, b) => order[a.priority] - order[b.priority]);
}

function percent(rate: number): string {
  return `${Math.round(rate * 100)} %`;
}

/** The report as text for the terminal. */
export function formatPipelineReport(report: PipelineReport): string {
  const lines = [`Pipeline ${report.pipeline_name}: last ${plural(report.time_window_days, 'day')} (${report.from_date} – ${report.to_date})`];
  if (report.total_runs === 0) return `${lines[0]}\nNo recorded runs in this window.\n`;
  lines.push(`${plural(report.builds, 'build')}, ${plural(report.total_runs, 'stage run')}, overall success ${percent(report.overall_success_rate ?? 0)}`, '');
  lines.push(`${'stage'.padEnd(10)} ${'runs'.padStart(5)} ${'failed'.padStart(6)} ${'success'.padStart(8)} ${'avg s'.padStart(8)}  skills`);
  for (const [stage, a] of stagesOf(report.stage_analytics)) {
    const avg = a.avg_duration_seconds === null ? '-' : a.avg_duration_seconds.toFixed(1);
    lines.push(`${stage.padEnd(10)} ${String(a.total_runs).padStart(5)} ${String(a.failed_runs).padStart(6)} ${percent(a.success_rate).padStart(8)} ${avg.padStart(8)}  ${a.skills_used.join(', ')}`);
  }
  lines.push('', report.bottlenecks.length ? 'Bottlenecks (success under 80 %):' : 'No bottleneck: every stage succeeds in at least 80 % of runs.');
  for (const b of report.bottlenecks) lines.push(`  ${b.stage}: ${percent(b.success_rate)} (${b.severity})`);
  if (report.recommendations.length) lines.push('', 'Recommendations:');
  for (const r of report.recommendations) lines.push(`  [${r.priority}] ${r.message}`);
  return `${lines.join('\n')}\n`;
}
