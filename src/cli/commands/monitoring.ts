import { InvalidArgumentError, Option, type Command } from 'commander';
import { DEFAULT_RETENTION_DAYS } from '../../core/analytics/retention';
import { TREND_METRICS, type TrendMetric } from '../../core/analytics/trend';
import type { CliContext } from '../context';
import { numberOption } from '../options';
import { onStore } from '../storeOperation';
import { plural } from '../../shared/words';


/** realtime, anomalies, trend, backfill, retention. */
export function registerMonitoringCommands(program: Command, ctx: CliContext): void {
  program
    .command('realtime')
    .description('most active skills in a sliding window (completion rates are 0..1)')
    .option('--limit <n>', 'how many skills', numberOption('--limit', { integer: true, min: 1 }), 10)
    .option('--window-hours <h>', 'window length in hours', numberOption('--window-hours', { exclusiveMin: 0 }), 1)
    .option('--json', 'print JSON')
    .action(async (opts: { limit: number; windowHours: number; json?: boolean }) => {
      const skills = await onStore(ctx, 'realtime', { limit: opts.limit, windowHours: opts.windowHours });
      if (opts.json) ctx.io.out(ctx.json({ window_hours: opts.windowHours, skills }));
      else ctx.io.out(skills.length ? `${ctx.table(skills)}\n` : `No invocations in the last ${plural(opts.windowHours, 'hour')}.\n`);
    });

  program
    .command('anomalies')
    .description('detect anomalies (recent hour vs. the rest of the window), store them, print them')
    .option('--threshold <z>', '|z| at or above which a deviation is an anomaly', numberOption('--threshold', { exclusiveMin: 0 }), 2)
    .option('--window-hours <h>', 'baseline plus recent window, in hours', numberOption('--window-hours', { exclusiveMin: 0 }), 24)
    .option('--recent-hours <h>', 'recent window, in hours', numberOption('--recent-hours', { exclusiveMin: 0 }), 1)
    .option('--json', 'print JSON')
    .action(async (opts: { threshold: number; windowHours: number; recentHours: number; json?: boolean }) => {
      if (opts.recentHours >= opts.windowHours) throw new InvalidArgumentError('--recent-hours must be less than --window-hours');
      const anomalies = await onStore(ctx, 'anomalies', { threshold: opts.threshold, windowHours: opts.windowHours, recentHours: opts.recentHours });
      if (opts.json) ctx.io.out(ctx.json({ threshold: opts.threshold, anomalies }));
      else ctx.io.out(anomalies.length ? `${ctx.table(anomalies)}\n` : 'No anomalies.\n');
    });

  program
    .command('trend')
    .description('least-squares trend of one skill over daily values, with its p-value')
    .requiredOption('--skill <name>', 'skill name')
    .option('--days <n>', 'days of history', numberOption('--days', { integer: true, min: 1 }), 7)
    .addOption(new Option('--metric <metric>', 'what to follow').choices(TREND_METRICS).default('completion_rate'))
    .option('--json', 'print JSON')
    .action(async (opts: { skill: string; days: number; metric: TrendMetric; json?: boolean }) => {
      const trend = await onStore(ctx, 'trend', { skill: opts.skill, days: opts.days, metric: opts.metric });
      ctx.io.out(opts.json ? ctx.json(trend) : `${ctx.table([trend])}\n`);
    });

  program
    .command('backfill')
    .description('rebuild the hourly time series from recorded invocations (safe to repeat)')
    .option('--days <n>', 'days of history', numberOption('--days', { integer: true, min: 1 }), DEFAULT_RETENTION_DAYS)
    .action(async (opts: { days: number }) => {
      const result = await onStore(ctx, 'backfill', { days: opts.days }, { onProgress: ({ done, total }) => ctx.io.err(`backfill: ${done}/${total} skills\n`) });
      ctx.io.out(`Hourly buckets: ${result.buckets} in the last ${plural(opts.days, 'day')}, ${plural(result.written, 'row')} written.\n`);
    });

  program
    .command('retention')
    .description('roll invocations older than the retention period up into daily totals and remove them')
    .option('--days <n>', 'retention period in days', numberOption('--days', { integer: true, min: 1 }), DEFAULT_RETENTION_DAYS)
    .action(async (opts: { days: number }) => {
      const result = await onStore(ctx, 'retention', { days: opts.days });
      ctx.io.out(`Rolled up and removed ${plural(result.removed, 'invocation')} recorded before ${result.before}; removed ${plural(result.anomalies_removed, 'resolved anomaly')}.\n`);
      if (result.unpushed_removed > 0) ctx.io.err(`session-buddy: ${result.unpushed_removed} of them had not been pushed to the team store yet\n`);
    });
}
