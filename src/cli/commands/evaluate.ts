import fs from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { EvaluationInputError, orderAndNumber, readEvaluationRuns, type EvaluationRun, type UnplacedRun } from '../../core/evaluation/evaluationInput';
import { evaluateDiscover, evaluateNext, type DiscoverEvaluation, type EvaluationOptions, type NextEvaluation } from '../../core/evaluation/evaluateRecommendations';
import type { NextSkillFigures } from '../../core/recommend/nextSkillMetrics';
import { STORED_RUNS_PAGE, storedRuns, type StoredRunsPage } from '../../core/evaluation/storedRuns';
import { CliError, type CliContext } from '../context';
import { numberOption } from '../options';

interface EvaluateOptions {
  input?: string;
  store?: boolean;
  warmup: number;
  until: number;
  k: number;
  predictions?: string;
  json?: boolean;
}

/** `evaluate next | discover`: the product's recommendations replayed online over a history, beside baselines. */
export function registerEvaluateCommands(program: Command, ctx: CliContext): void {
  const evaluate = program
    .command('evaluate')
    .description('replay a history of runs and measure the recommendations online (each prediction made before the run it is scored on)');
  const common = (command: Command, k: number, warmupRequired: boolean) =>
    command
      .option('--input <file.jsonl>', 'runs, one JSON object a line: {"user", "skill", "at": ISO-8601 or epoch ms, "completed"?, "duration_seconds"?, "session"?}')
      .option('--store', 'replay the runs recorded in the store (--db) instead of a file')
      .option('--warmup <n>', `the first index (in each user's own sequence) that is scored${warmupRequired ? '' : ' (default 0)'}`, numberOption('--warmup', { integer: true, min: 0 }), 0)
      .option('--until <m>', 'runs at this index or later are not replayed (default: all)', numberOption('--until', { integer: true, min: 1 }), Number.MAX_SAFE_INTEGER)
      .option('--k <k>', `how many skills are asked for (default ${k})`, numberOption('--k', { integer: true, min: 1, max: 100 }), k)
      .option('--predictions <out.jsonl>', 'write every prediction, one JSON object a line')
      .option('--json', 'print the summary as JSON (rates 0..1)');
  common(evaluate.command('next').description('Up next: before each scored run, the user\'s top k; hit@1, hit@k, MRR, calibration, beside baselines'), 5, false)
    .action(async (opts: EvaluateOptions) => {
      const result = await run(ctx, opts, evaluateNext);
      ctx.io.out(opts.json ? ctx.json(result) : nextText(result));
    });
  common(evaluate.command('discover').description('Discover: when each user\'s run number --warmup is about to be recorded, the top k skills they have not run, against those first run in [warmup, until)'), 10, true)
    .action(async (opts: EvaluateOptions) => {
      const result = await run(ctx, opts, evaluateDiscover);
      ctx.io.out(opts.json ? ctx.json(result) : discoverText(result));
    });
}

async function run<T>(ctx: CliContext, opts: EvaluateOptions, evaluation: (runs: readonly EvaluationRun[], options: EvaluationOptions) => Promise<T>): Promise<T> {
  if (Boolean(opts.input) === Boolean(opts.store)) throw new InvalidArgumentError('give either --input FILE.jsonl or --store');
  if (opts.until <= opts.warmup) throw new InvalidArgumentError('--until must be greater than --warmup');
  const runs = await loadRuns(ctx, opts);
  const out = opts.predictions ? fs.openSync(opts.predictions, 'w') : undefined;
  try {
    return await evaluation(runs, {
      warmup: opts.warmup,
      until: opts.until,
      k: opts.k,
      onPrediction: out === undefined ? undefined : (line) => fs.writeSync(out, `${JSON.stringify(line)}\n`),
      onProgress: (done, total) => ctx.io.err(`evaluate: ${done} of ${total} runs replayed\n`),
    });
  } finally {
    if (out !== undefined) fs.closeSync(out);
  }
}

async function loadRuns(ctx: CliContext, opts: EvaluateOptions): Promise<EvaluationRun[]> {
  if (opts.store) {
    const runs = (await runsFromHost(ctx)) ?? (await ctx.withStore('read', (store) => storedRuns(store)));
    if (runs.length === 0) throw new CliError('the store holds no runs to replay');
    return orderAndNumber(runs);
  }
  try {
    return await readEvaluationRuns(opts.input!);
  } catch (err) {
    if (err instanceof EvaluationInputError) throw new CliError(err.message);
    throw err;
  }
}

/**
 * The store's runs read from a running store host a page at a time, so the command holds the runs
 * but never a copy of the store; undefined when no host serves (or one stopped serving midway).
 */
async function runsFromHost(ctx: CliContext): Promise<UnplacedRun[] | undefined> {
  const runs: UnplacedRun[] = [];
  let after: StoredRunsPage['next'];
  do {
    const page = (await ctx.viaHost('operation', { name: 'storedRuns', args: { after, limit: STORED_RUNS_PAGE, firstLine: runs.length + 1 } })) as StoredRunsPage | undefined;
    if (!page) return undefined;
    for (const run of page.runs) runs.push(run);
    after = page.next;
  } while (after);
  return runs;
}

const figure = (value: number) => value.toFixed(3);

function rankingRow(name: string, s: NextSkillFigures): string {
  const calibration = s.calibration ? `  ${figure(s.calibration.ece).padStart(6)}  ${figure(s.calibration.logLoss).padStart(8)}` : '';
  return `  ${name.padEnd(32)} ${figure(s.micro.hit1).padStart(6)}  ${figure(s.micro.hitK).padStart(6)}  ${figure(s.micro.mrr).padStart(6)}  ${figure(s.macro.hit1).padStart(10)}${calibration}`;
}

function nextText(r: NextEvaluation): string {
  const k = r.protocol.k;
  return [
    `Up next, replayed online: ${r.replayed} runs, ${r.model.predictions} predictions for ${r.model.users} users (indices ${r.protocol.warmup} to ${r.protocol.until === Number.MAX_SAFE_INTEGER ? 'the end' : r.protocol.until - 1}).`,
    `${(r.repeat_share * 100).toFixed(1)} % of the scored runs repeat a skill the user ran before (the most any per-user model can hope for).`,
    `  ${'model'.padEnd(32)} ${'hit@1'.padStart(6)}  ${`hit@${k}`.padStart(6)}  ${'MRR'.padStart(6)}  ${'hit@1/user'.padStart(10)}     ECE  log loss`,
    rankingRow('Session Buddy (Up next)', r.model),
    ...Object.entries(r.baselines).map(([name, s]) => rankingRow(name, s)),
    '',
  ].join('\n');
}

function discoverText(r: DiscoverEvaluation): string {
  const row = (name: string, s: DiscoverEvaluation['model']) => `  ${name.padEnd(32)} ${figure(s.recall).padStart(9)}  ${figure(s.hit_rate).padStart(8)}`;
  return [
    `Discover, asked for ${r.users} users at their run ${r.protocol.warmup}; scored on ${r.model.users} users who first ran a skill in [${r.protocol.warmup}, ${r.protocol.until}).`,
    `  ${'model'.padEnd(32)} ${`recall@${r.protocol.k}`.padStart(9)}  ${'hit rate'.padStart(8)}`,
    row('Session Buddy (Discover)', r.model),
    ...Object.entries(r.baselines).map(([name, s]) => row(name, s)),
    '',
  ].join('\n');
}
