import { InvalidArgumentError, type Command } from 'commander';
import { CI_SOURCE, CI_STAGES, formatPipelineReport, parseStage, stageRecord, trackPipelineStages, type CiStage, type PipelineContext, type StageRun } from '../../core/integrations/cicd';
import { CRACKERJACK_PHASES, CRACKERJACK_SOURCE, crackerjackInvocation, trackCrackerjackPhase } from '../../core/integrations/crackerjack';
import { importJUnitFiles, readJUnitReports, type JUnitFileResult } from '../../core/integrations/junitImport';
import { resolveUserId } from '../../core/tracking/identity';
import type { CliContext } from '../context';
import { importViaHost } from '../hostedImport';
import { recordViaHost } from '../hostedRecording';
import { formatPush, pushFromCli, pushThroughHost } from './team';
import type { SkillStore } from '../../core/store/store';
import { numberOption } from '../options';
import { onStore } from '../storeOperation';
import { plural } from '../../shared/words';

const durationOption = numberOption('--duration', { min: 0 });
const daysOption = numberOption('--days', { exclusiveMin: 0, max: 3650, expected: 'a number of days, more than 0 and at most 3650' });

function choice<T extends string>(name: string, values: readonly T[]) {
  return (value: string): T => {
    if (!(values as readonly string[]).includes(value)) throw new InvalidArgumentError(`${name} must be one of ${values.join(', ')}`);
    return value as T;
  };
}

/** Only the pipeline fields of the parsed options (commander adds the command's other options). */
function pipelineContext(opts: PipelineContext): PipelineContext {
  return { pipeline: opts.pipeline, build: opts.build, commit: opts.commit, branch: opts.branch, environment: opts.environment, triggeredBy: opts.triggeredBy };
}

function contextOptions(command: Command, required: boolean): Command {
  const add = required ? command.requiredOption.bind(command) : command.option.bind(command);
  add('--pipeline <name>', 'pipeline name, e.g. the workflow or project name');
  add('--build <n>', 'build or run number');
  return command
    .option('--commit <sha>', 'commit id')
    .option('--branch <name>', 'branch')
    .option('--environment <name>', 'target environment, e.g. staging')
    .option('--triggered-by <user>', 'who or what started the pipeline');
}

interface TeamOptions {
  team?: boolean;
  teamUrl?: string;
}

/** `--team`: push to the team server once the run is recorded (a pipeline's consent is naming the server). */
function teamOptions(command: Command): Command {
  return command
    .option('--team', 'then push the pending invocations to the team server')
    .option('--team-url <url>', 'team server for --team (default: $SESSION_BUDDY_TEAM_URL)');
}

/**
 * Records, then pushes when asked. A failed push is reported and the step still succeeds: the run
 * is recorded and the next push sends it, and a team server that is down must not fail a pipeline.
 */
async function recordThenPush<T>(ctx: CliContext, opts: TeamOptions, record: (store: SkillStore) => Promise<T>): Promise<{ recorded: T; pushed?: string }> {
  return ctx.withStore('work', async (store) => {
    const recorded = await record(store);
    if (!opts.team) return { recorded };
    try {
      return { recorded, pushed: formatPush(await pushFromCli(store, opts, ctx.io)) };
    } catch (err) {
      return { recorded, pushed: failedPush(err) };
    }
  });
}

function failedPush(err: unknown): string {
  return `session-buddy: team push failed: ${(err as Error).message}; the run is recorded and the next push sends it\n`;
}

/** With --team, the push after a run the store host recorded, run by the host too; said as recordThenPush says it. */
async function pushAfterHosted(ctx: CliContext, opts: TeamOptions): Promise<string | undefined> {
  if (!opts.team) return undefined;
  try {
    return formatPush(await pushThroughHost(ctx, opts));
  } catch (err) {
    return failedPush(err);
  }
}

function outcome(opts: { completed?: boolean; failed?: boolean }, command: Command): boolean {
  if (opts.completed && opts.failed) command.error('error: use either --completed or --failed, not both', { exitCode: 2, code: 'session-buddy.usage' });
  return !opts.failed;
}

/** `ci track | import-junit | report` and `crackerjack track`. */
export function registerCiCommands(program: Command, ctx: CliContext): void {
  const { io } = ctx;
  const ci = program.command('ci').description('record CI/CD pipeline stages and report on them');

  contextOptions(
    teamOptions(ci.command('track'))
      .description("record one pipeline stage run (workflow phase from the stage: build→setup, test→execution, lint/security→verification, deploy/publish→deployment)")
      .requiredOption('--stage <stage>', `one of ${CI_STAGES.join(', ')}`, choice('--stage', CI_STAGES))
      .requiredOption('--skill <name>', 'skill run in the stage, e.g. pytest-run')
      .requiredOption('--status <status>', 'success or failure', choice('--status', ['success', 'failure'] as const))
      .requiredOption('--duration <seconds>', 'how long the stage ran', durationOption)
      .option('--error <type>', 'short error category when it failed'),
    true,
  ).action(async (opts: PipelineContext & TeamOptions & { stage: CiStage; skill: string; status: 'success' | 'failure'; duration: number; error?: string }) => {
    const run: StageRun = { stage: opts.stage, skill: opts.skill, completed: opts.status === 'success', durationSeconds: opts.duration, errorType: opts.error };
    const userId = resolveUserId();
    const record = stageRecord(pipelineContext(opts), run);
    const hosted = await recordViaHost(ctx, { sessionId: record.sessionId, create: { source: CI_SOURCE }, userId, input: record.input, follow: (id) => [record.contextEvent(id)] });
    if (hosted !== undefined) {
      io.out(`${hosted}\n`);
      const pushed = await pushAfterHosted(ctx, opts);
      if (pushed) io.err(pushed);
      return;
    }
    const { recorded, pushed } = await recordThenPush(ctx, opts, (store) => trackPipelineStages(store, userId, pipelineContext(opts), [run]));
    io.out(`${recorded[0]}\n`);
    if (pushed) io.err(pushed);
  });

  contextOptions(
    teamOptions(ci.command('import-junit'))
      .description('record each test suite of JUnit XML reports (pytest, jest, vitest, go-junit-report, Maven Surefire) with outcome and duration; repeating an import adds nothing')
      .argument('<files...>', 'JUnit XML report files')
      .option('--skill <name>', 'skill name for the suites (default: from the report, e.g. pytest-run, jest-run, go-test)')
      .option('--stage <stage>', `CI stage of the tests (default test)`, choice('--stage', CI_STAGES), 'test' as CiStage)
      .option('--json', 'print JSON'),
    false,
  ).action(async (files: string[], opts: Partial<PipelineContext> & TeamOptions & { skill?: string; stage: CiStage; json?: boolean }, command: Command) => {
    if ((opts.pipeline === undefined) !== (opts.build === undefined)) {
      command.error('error: --pipeline and --build go together (both link the suites to a pipeline build)', { exitCode: 2, code: 'session-buddy.usage' });
    }
    const context = opts.pipeline !== undefined && opts.build !== undefined ? pipelineContext(opts as PipelineContext) : undefined;
    const options = { skill: opts.skill, stage: parseStage(opts.stage), context };
    const userId = resolveUserId();
    const print = (results: JUnitFileResult[]) => {
      if (opts.json) io.out(ctx.json({ files: results }));
      else for (const r of results) io.out(`${r.file}: ${r.dialect} report, ${plural(r.suites, 'suite')} as ${r.skill}: ${r.added} recorded (${r.failed} failed), ${r.skipped} already recorded\n`);
    };
    // The suites are recorded through the host when one serves (hostChoice.ts), and pushed by it.
    const hosted = await importViaHost(ctx, userId, () => readJUnitReports(files, options));
    if (hosted) {
      const pushed = await pushAfterHosted(ctx, opts);
      if (pushed) io.err(pushed);
      print(hosted);
      return;
    }
    const { recorded: results, pushed } = await recordThenPush(ctx, opts, (store) => importJUnitFiles(store, userId, files, options));
    if (pushed) io.err(pushed);
    print(results);
  });

  ci.command('report')
    .description('per-stage success rates, bottlenecks (under 80 %) and recommendations for one pipeline')
    .requiredOption('--pipeline <name>', 'pipeline name')
    .option('--days <n>', 'days to look back', daysOption, 7)
    .option('--json', 'print JSON (rates 0..1)')
    .action(async (opts: { pipeline: string; days: number; json?: boolean }) => {
      const report = await onStore(ctx, 'pipelineReport', { pipeline: opts.pipeline, days: opts.days });
      io.out(opts.json ? ctx.json(report) : formatPipelineReport(report));
    });

  const crackerjack = program.command('crackerjack').description('record crackerjack quality-gate phases');
  crackerjack
    .command('track')
    .description('record one tool run of a crackerjack phase (fast_hooks→setup, tests→execution, comprehensive_hooks→verification, ai_fix→execution)')
    .requiredOption('--phase <phase>', `one of ${Object.keys(CRACKERJACK_PHASES).join(', ')}`, choice('--phase', Object.keys(CRACKERJACK_PHASES)))
    .requiredOption('--skill <name>', 'tool run in the phase, e.g. ruff-check')
    .option('--completed', 'the run succeeded (default)')
    .option('--failed', 'the run failed')
    .requiredOption('--duration <seconds>', 'how long it ran', durationOption)
    .option('--error <type>', 'short error category when it failed')
    .option('--session <id>', "session id (default: today's crackerjack session)")
    .action(async (opts: { phase: string; skill: string; completed?: boolean; failed?: boolean; duration: number; error?: string; session?: string }, command: Command) => {
      const completed = outcome(opts, command);
      const run = { phase: opts.phase, skill: opts.skill, completed, durationSeconds: opts.duration, errorType: opts.error, sessionId: opts.session };
      const { sessionId, input } = crackerjackInvocation(run);
      const userId = resolveUserId();
      const id = (await recordViaHost(ctx, { sessionId, create: { source: CRACKERJACK_SOURCE }, userId, input })) ?? (await ctx.withStore('work', (store) => trackCrackerjackPhase(store, userId, run)));
      io.out(`${id}\n`);
    });
}
