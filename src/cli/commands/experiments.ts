import { InvalidArgumentError, Option, type Command } from 'commander';
import type { AbAnalysis } from '../../core/analytics/abTesting';
import type { TrainResult } from '../../core/analytics/predictor';
import type { OperationProgress } from '../../core/operations/storeOperations';
import { STRATEGY_BY_GROUP, STRATEGY_NAMES, type StrategyName } from '../../core/recommend/strategy';
import type { CliContext } from '../context';
import { numberOption } from '../options';
import { onStore } from '../storeOperation';
import { plural } from '../../shared/words';

const ratioOption = numberOption('--ratio', { exclusiveMin: 0, exclusiveMax: 1, expected: 'strictly between 0 and 1 (the share assigned to control)' });
const minSampleOption = numberOption('--min-sample', { integer: true, min: 1, expected: 'a whole number of users, at least 1' });
const durationOption = numberOption('--duration', { min: 0 });
const ratingOption = numberOption('--rating', { min: 1, max: 5, expected: 'a number from 1 to 5' });
const daysOption = numberOption('--days', { integer: true, min: 1, max: 3650, expected: 'a whole number of days from 1 to 3650' });

/** `ab …` (A/B tests of recommendation strategies), `predictor train` and `predict`. */
export function registerExperimentCommands(program: Command, ctx: CliContext): void {
  registerAbCommands(program, ctx);
  registerPredictorCommands(program, ctx);
}

function registerAbCommands(program: Command, ctx: CliContext): void {
  const ab = program.command('ab').description('A/B tests of recommendation strategies (users are assigned by a hash of test and user id)');

  ab.command('create')
    .description('start a test; prints its name, which --test takes (as it takes the id)')
    .requiredOption('--name <name>', 'unique test name')
    .addOption(new Option('--control <strategy>', 'what the control group is recommended by').choices(STRATEGY_NAMES).default(STRATEGY_BY_GROUP.control))
    .addOption(new Option('--treatment <strategy>', 'what the treatment group is recommended by').choices(STRATEGY_NAMES).default(STRATEGY_BY_GROUP.treatment))
    .option('--ratio <r>', 'share of users assigned to control', ratioOption, 0.5)
    .option('--min-sample <n>', 'users with outcomes needed per group before a winner is named', minSampleOption, 100)
    .option('--start <date>', 'start (ISO 8601; a date alone is 00:00 UTC); default now')
    .option('--end <date>', 'end date; the test completes then')
    .option('--description <text>', 'what the test is about')
    .option('--json', 'print JSON')
    .action(async (opts: { name: string; control: StrategyName; treatment: StrategyName; ratio: number; minSample: number; start?: string; end?: string; description?: string; json?: boolean }) => {
      const { name, control, treatment, ratio, minSample, start, end, description } = opts;
      const test = await onStore(ctx, 'abCreate', { name, control, treatment, ratio, minSample, start, end, description }, { once: true });
      ctx.io.out(opts.json ? ctx.json(test) : `${test.test_name}\n`);
    });

  ab.command('assign')
    .description("assign a user to a group (or print the group they already have)")
    .requiredOption('--test <name>', 'the test, by name (or id)')
    .requiredOption('--user <id>', 'user id')
    .action(async (opts: { test: string; user: string }) => {
      const group = await onStore(ctx, 'abAssign', { test: opts.test, userId: opts.user });
      ctx.io.out(`${group}\n`);
    });

  ab.command('record')
    .description('record an outcome of an assigned user')
    .requiredOption('--test <name>', 'the test, by name (or id)')
    .requiredOption('--user <id>', 'user id')
    .requiredOption('--skill <name>', 'the skill that ran')
    .option('--completed', 'it completed')
    .option('--failed', 'it failed')
    .option('--duration <seconds>', 'duration in seconds', durationOption)
    .option('--rating <1-5>', "the user's rating", ratingOption)
    .action(async (opts: { test: string; user: string; skill: string; completed?: boolean; failed?: boolean; duration?: number; rating?: number }) => {
      if (opts.completed === opts.failed) throw new InvalidArgumentError('give exactly one of --completed or --failed');
      const outcome = { skill: opts.skill, completed: opts.completed === true, duration: opts.duration, rating: opts.rating };
      const id = await onStore(ctx, 'abRecord', { test: opts.test, userId: opts.user, ...outcome }, { once: true });
      ctx.io.out(`${id}\n`);
    });

  ab.command('analyze')
    .description('completion rate per group (counted in users), difference with a 95 % interval, p-value, winner')
    .requiredOption('--test <name>', 'the test, by name (or id)')
    .option('--json', 'print JSON')
    .action(async (opts: { test: string; json?: boolean }) => {
      const analysis = await onStore(ctx, 'abAnalyze', { test: opts.test });
      ctx.io.out(opts.json ? ctx.json(analysis) : analysisText(analysis, ctx));
    });

  ab.command('stop')
    .description('stop a running test now')
    .requiredOption('--test <name>', 'the test, by name (or id)')
    .action(async (opts: { test: string }) => {
      const test = await onStore(ctx, 'abStop', { test: opts.test });
      ctx.io.out(`Stopped A/B test "${test.test_name}" at ${test.end_date}.\n`);
    });

  ab.command('list')
    .description('every test with its users and completion rates (v_ab_test_summary)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const rows = await onStore(ctx, 'abList', {});
      if (opts.json) ctx.io.out(ctx.json({ tests: rows }));
      else ctx.io.out(rows.length ? `${ctx.table(rows)}\n` : 'No A/B tests yet.\n');
    });
}

function registerPredictorCommands(program: Command, ctx: CliContext): void {
  const predictor = program.command('predictor').description('the skill success predictor (k nearest neighbours)');

  predictor
    .command('train')
    .description('train on recent invocations, evaluate on the newest 20 %, save beside the database (progress on stderr)')
    .option('--days <n>', 'use the invocations of the last n days', daysOption, 30)
    .option('--json', 'print JSON')
    .action(async (opts: { days: number; json?: boolean }) => {
      const result = await onStore(ctx, 'train', { days: opts.days }, { onProgress: progressPrinter(ctx) });
      ctx.io.out(opts.json ? ctx.json(result) : trainText(result, opts.days));
    });

  program
    .command('predict')
    .description('probability that a skill completes now, from the trained predictor')
    .requiredOption('--skill <name>', 'skill name')
    .option('--phase <phase>', 'workflow phase')
    .option('--session <id>', 'the current session (its age and earlier completions count)')
    .option('--json', 'print JSON')
    .action(async (opts: { skill: string; phase?: string; session?: string; json?: boolean }) => {
      const prediction = await onStore(ctx, 'predict', { skill: opts.skill, phase: opts.phase, session: opts.session });
      ctx.io.out(
        opts.json
          ? ctx.json(prediction)
          : `${prediction.skill_name}: ${(prediction.probability * 100).toFixed(0)} % chance of completing (${prediction.neighbours} similar past invocations; model trained ${prediction.model_trained_at})\n`,
      );
    });
}

/** One stderr line per stage and per quarter of the evaluation. */
function progressPrinter(ctx: CliContext): (p: OperationProgress) => void {
  let last = '';
  return (p) => {
    const quarter = p.total > 0 ? Math.floor((4 * p.done) / p.total) : 4;
    const key = `${p.stage}:${quarter}`;
    if (key === last) return;
    last = key;
    ctx.io.err(`predictor: ${p.stage} ${p.done}/${p.total}\n`);
  };
}

function trainText(r: TrainResult, days: number): string {
  const gain = (r.accuracy - r.baselineAccuracy) * 100;
  const importance = Object.entries(r.featureImportance)
    .sort((a, b) => b[1] - a[1])
    .map(([name, value]) => `  ${name.padEnd(24)} ${value >= 0 ? ' ' : ''}${value.toFixed(3)}`);
  return [
    `Trained on ${plural(r.samples, 'invocation')} of the last ${plural(days, 'day')}; k = ${r.k}.`,
    `Hold-out (newest 20 %, ${r.holdoutSamples} scored): accuracy ${r.accuracy.toFixed(3)} vs majority baseline ${r.baselineAccuracy.toFixed(3)} (${gain >= 0 ? '+' : ''}${gain.toFixed(1)} points).`,
    'Feature importance (drop in hold-out accuracy when the feature is shuffled):',
    ...importance,
    `Model: ${r.modelPath}`,
    '',
  ].join('\n');
}

function analysisText(a: AbAnalysis, ctx: CliContext): string {
  const rate = (v: number | null) => (v === null ? '-' : v.toFixed(3));
  const groups = [a.control, a.treatment].map((g) => ({
    group: g.group,
    strategy: g.strategy,
    assigned: g.assigned_users,
    users: g.users,
    outcomes: g.outcomes,
    completion_rate: rate(g.completion_rate),
    chosen_from_list: rate(g.chosen_from_list_rate),
    mean_place_chosen: g.mean_chosen_rank === null ? '-' : g.mean_chosen_rank.toFixed(1),
  }));
  const lines = [`A/B test ${a.test_id} "${a.test_name}" (${a.status}); at least ${a.min_sample_size} users with outcomes per group`, ctx.table(groups)];
  if (a.difference !== null && a.confidence_interval && a.p_value !== null) {
    const sign = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(3)}`;
    lines.push(
      `Difference (treatment - control): ${sign(a.difference)}, 95 % CI ${sign(a.confidence_interval.lower)} to ${sign(a.confidence_interval.upper)}; p = ${a.p_value < 0.0001 ? '< 0.0001' : a.p_value.toFixed(4)} (${a.method})`,
    );
  }
  lines.push(`Winner: ${a.winner}. ${a.recommendation}`, '');
  return lines.join('\n');
}
