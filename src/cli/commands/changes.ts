import type { Command } from 'commander';
import { detectChangePoints, type ChangePointResult } from '../../core/analytics/changePoints';
import { readSeriesFile, SeriesFileError, type SeriesFile } from '../../core/analytics/seriesFile';
import { CliError, type CliContext } from '../context';

/** `changes detect`: change points of any series given in a file. */
export function registerChangesCommands(program: Command, ctx: CliContext): void {
  const changes = program.command('changes').description('change points: when a series changed for good');

  changes
    .command('detect')
    .description('change points of a series in a JSON file in the Turing Change Point Dataset format ({"series": [{"raw": [numbers or null]}]}; several entries are the dimensions of one series)')
    .requiredOption('--input <file>', 'the series file')
    .option('--json', 'print JSON: {"change_points": [0-based indices where a segment begins], "segments": [...]}')
    .action((opts: { input: string; json?: boolean }) => {
      const file = readInput(opts.input);
      const result = detectChangePoints(file.dimensions);
      ctx.io.out(opts.json ? ctx.json(result) : detectionText(file, result, ctx));
    });
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
