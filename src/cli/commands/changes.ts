import { Option, type Command } from 'commander';
import { detectChangePoints, type ChangePointResult } from '../../core/analytics/changePoints';
import { readSeriesFile, SeriesFileError, type SeriesFile } from '../../core/analytics/seriesFile';
import { DEFAULT_DAYS, SKILL_CHANGE_METRICS, type SkillChangeMetric, type SkillChangeReport } from '../../core/analytics/skillChanges';
import { CliError, type CliContext } from '../context';
import { numberOption } from '../options';
import { onStore } from '../storeOperation';

interface ChangesOptions {
  skill?: string;
  metric?: SkillChangeMetric;
  days: number;
  json?: boolean;
}

/** `changes`: each skill's regression history; `changes detect`: change points of any series given in a file. */
export function registerChangesCommands(program: Command, ctx: CliContext): void {
  const changes = program
    .command('changes')
    .description('when each skill got slower, failed more often or was run less, by how much, and whether it still holds (recomputed first where it is out of date)')
    .option('--skill <name>', 'one skill, e.g. pytest-run')
    .addOption(new Option('--metric <metric>', 'one metric').choices(SKILL_CHANGE_METRICS))
    .option('--days <n>', 'changes that began in the last n days', numberOption('--days', { integer: true, min: 1 }), DEFAULT_DAYS)
    .option('--json', 'print JSON (rates 0..1, durations in seconds)')
    .action(async (opts: ChangesOptions) => {
      const report = await onStore(ctx, 'changes', { skill: opts.skill, metric: opts.metric, days: opts.days });
      ctx.io.out(opts.json ? ctx.json({ days: opts.days, ...report }) : reportText(report, opts, ctx));
    });

  changes
    .command('detect')
    .description('change points of a series in a JSON file in the Turing Change Point Dataset format ({"series": [{"raw": [numbers or null]}]}; several entries are the dimensions of one series)')
    .requiredOption('--input <file>', 'the series file')
    .option('--json', 'print JSON: {"change_points": [0-based indices where a segment begins], "segments": [...]}')
    .action((opts: { input: string; json?: boolean }, command: Command) => {
      const file = readInput(opts.input);
      const result = detectChangePoints(file.dimensions);
      // The parent's options are read after the subcommand too, so `changes` may have taken --json.
      const json = opts.json || command.parent?.opts<{ json?: boolean }>().json;
      ctx.io.out(json ? ctx.json(result) : detectionText(file, result, ctx));
    });
}

function reportText(report: SkillChangeReport, opts: ChangesOptions, ctx: CliContext): string {
  const lines: string[] = [];
  if (report.changes.length === 0) lines.push(`No changes in the last ${opts.days} day(s).`);
  else {
    const rows = report.changes.map((c) => ({
      began: c.started_at,
      skill: c.skill_name,
      metric: c.metric,
      run: c.start_run_number ?? '',
      change: c.change,
      regression: c.regression ? 'yes' : '',
      open: c.open ? 'yes' : '',
    }));
    lines.push(`Changes in the last ${opts.days} day(s), newest first (run: its position among the skill's runs):`, ctx.table(rows));
  }
  if (opts.skill !== undefined) {
    const now = report.segments.filter((s) => s.open).map((s) => ({ metric: s.metric, since: s.started_at, level: s.level ?? '', points: s.points }));
    if (now.length) lines.push('', `${opts.skill} now (level: median seconds, failure rate 0..1, runs per active day):`, ctx.table(now));
  }
  return `${lines.join('\n')}\n`;
}

function readInput(input: string): SeriesFile {
  try {
    return readSeriesFile(input);
  } catch (err) {
    if (err instanceof SeriesFileError) throw new CliError(err.message);
    throw err;
  }
}

function detectionText(file: SeriesFile, result: ChangePointResult, ctx: CliContext): string {
  const length = file.dimensions[0].length;
  const points = result.change_points;
  const heading = `${file.name ?? 'series'}: ${length} values, ${points.length} change point(s)${points.length ? ` at ${points.join(', ')}` : ''}`;
  const column = (what: string, d: number) => (file.dimensions.length === 1 ? what : `${what} (${file.labels[d] ?? d + 1})`);
  const rows = result.segments.map((s) => {
    const row: Record<string, number | string> = { start: s.start, end: s.end };
    file.dimensions.forEach((_, d) => {
      row[column('values', d)] = s.count[d];
      row[column('mean', d)] = s.mean[d] ?? '';
      row[column('median', d)] = s.median[d] ?? '';
    });
    return row;
  });
  return `${heading}\n${ctx.table(rows)}\n`;
}
