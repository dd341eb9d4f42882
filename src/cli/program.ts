import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { version } from '../../package.json';
import type { SchemaChangeResult } from '../core/maintenance/schemaChange';
import type { SchemaStatus } from '../core/maintenance/storeStatus';
import { resolveDatabasePath, StorePathError } from '../core/store/paths';
import type { SnapshotReport } from '../core/store/compactor';
import type { ImportResult } from '../core/importer/sessionBuddyImport';
import type { DemoSeedReport } from '../core/demo/seedDemo';
import { dailySessionId } from '../core/integrations/sessions';
import { resolveUserId } from '../core/tracking/identity';
import type { MetricsAnswer, MetricsQuery } from '../core/operations/reads';
import { commandNamed } from './commandLine';
import { CliError, cliContext, processIo, type CliContext, type CliIo } from './context';
import { recordViaHost } from './hostedRecording';
import { numberOption } from './options';
import { refuseBesideHost } from './schemaChangeGuard';
import { onStore } from './storeOperation';
import { untilStopRequested } from './signals';
import { plural } from '../shared/words';

interface CommandGroup {
  commands: readonly string[];
  load(): Promise<(program: Command, ctx: CliContext) => void>;
}

/**
 * Command groups of other areas, each loaded only when one of its commands runs (all of them for
 * help or a name no command has): a command then reads and compiles only the code it needs, which
 * is most of a short command's time. `commands` must name what the group registers (a test checks).
 */
export const COMMAND_GROUPS: readonly CommandGroup[] = [
  { commands: ['realtime', 'anomalies', 'trend', 'backfill', 'retention'], load: async () => (await import('./commands/monitoring')).registerMonitoringCommands },
  { commands: ['changes'], load: async () => (await import('./commands/changes')).registerChangesCommands },
  { commands: ['dependencies', 'baselines', 'recommend-similar', 'taxonomy', 'export-profile', 'import-profiles'], load: async () => (await import('./commands/learning')).registerLearningCommands },
  { commands: ['ab', 'predictor', 'predict'], load: async () => (await import('./commands/experiments')).registerExperimentCommands },
  { commands: ['serve', 'mcp', 'tool'], load: async () => (await import('./commands/realtime')).registerRealtimeCommands },
  { commands: ['ci', 'crackerjack'], load: async () => (await import('./commands/ci')).registerCiCommands },
  { commands: ['team'], load: async () => (await import('./commands/team')).registerTeamCommands },
  { commands: ['evaluate'], load: async () => (await import('./commands/evaluate')).registerEvaluateCommands },
  { commands: ['host'], load: async () => (await import('./commands/host')).registerHostCommands },
];

/** None for --version or a command of this file, else the group that has the command, else all (help, a mistyped name). */
function groupsFor(program: Command, args: readonly string[]): readonly CommandGroup[] {
  const named = commandNamed(args);
  if (named === undefined ? args.includes('-V') || args.includes('--version') : program.commands.some((c) => c.name() === named)) return [];
  const group = COMMAND_GROUPS.find((g) => named !== undefined && g.commands.includes(named));
  return group ? [group] : COMMAND_GROUPS;
}

function statusText(status: SchemaStatus): string {
  const lines = [
    `Database:        ${status.path}`,
    `Current version: ${status.current_version ?? '(none)'}`,
    `Invocations:     ${status.invocations}`,
    `Applied:         ${status.applied.length ? '' : '(none)'}`,
    ...status.applied.map((m) => `  ${m.version.padEnd(32)} ${m.applied_at}  ${m.checksum ? m.checksum.slice(0, 12) : '(no checksum: applied by another tool)'}`),
    `Pending:         ${status.pending.length ? '' : '(none)'}`,
    ...status.pending.map((m) => `  ${m.version}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** `onUsageErrorPrinted` hears when commander itself printed a parsing error. */
/** The program with its own commands and the groups `args` needs (see COMMAND_GROUPS). */
async function buildProgram(args: readonly string[], io: CliIo = processIo, onUsageErrorPrinted?: () => void): Promise<Command> {
  const program = new Command('session-buddy')
    .description('Skill invocation tracking and analytics (the Session Buddy store, shared with the VS Code extension)')
    .version(version, '-V, --version', 'print the version')
    .option('--db <path>', 'database file (default: $SESSION_BUDDY_DB, then the per-user store)')
    .option('--store-host', 'answer through the shared store host, started when none runs, even in CI (also SESSION_BUDDY_HOST=on; the default outside CI; =running uses only a running one, =off never asks)')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: io.out,
      writeErr: io.err,
      outputError: (text, write) => {
        onUsageErrorPrinted?.();
        write(text);
      },
    })
    .exitOverride();
  const dbOf = () => program.opts<{ db?: string }>().db;
  const ctx = cliContext(io, dbOf, () => program.opts<{ storeHost?: boolean }>().storeHost);

  program
    .command('status')
    .description('schema version, applied and pending migrations, number of invocations')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const status = await onStore(ctx, 'schemaStatus', {});
      io.out(opts.json ? ctx.json(status) : statusText(status));
    });

  program
    .command('migrate')
    .description('apply pending migrations (a backup of the file is written first)')
    .option('--target <version>', 'stop at this version (e.g. V3 or V3__add_workflow_correlation)')
    .option('--dry-run', 'only list what would be applied')
    .option('--adopt', "add Session Buddy's tables to a SQLite file of another application")
    .action(async (opts: { target?: string; dryRun?: boolean; adopt?: boolean }) => {
      const { migrateSnapshot, plannedMigrations } = await import('../core/maintenance/schemaChange');
      await ctx.withStore('inspect', async (store) => {
        const planned = plannedMigrations(store, { target: opts.target });
        if (opts.dryRun || planned.length === 0) {
          io.out(planned.length ? `Would apply:\n${versionLines(planned)}` : 'Nothing to migrate: the database is up to date.\n');
          return;
        }
        await refuseBesideHost(dbOf(), 'migrate');
        const result = await migrateSnapshot(store, { target: opts.target, adopt: opts.adopt });
        io.out(`Applied:\n${versionLines(result.versions)}${backupLine(result)}`);
      });
    });

  program
    .command('rollback')
    .description('revert the newest migrations, keeping every row their down scripts do not remove')
    .option('--steps <n>', 'how many migrations to revert', numberOption('--steps', { integer: true, min: 1 }), 1)
    .option('--dry-run', 'only list what would be reverted')
    .action(async (opts: { steps: number; dryRun?: boolean }) => {
      const { plannedRollback, rollbackSnapshot } = await import('../core/maintenance/schemaChange');
      await ctx.withStore('inspect', async (store) => {
        const planned = plannedRollback(store, opts.steps);
        if (opts.dryRun || planned.length === 0) {
          io.out(planned.length ? `Would roll back:\n${versionLines(planned)}` : 'Nothing to roll back.\n');
          return;
        }
        await refuseBesideHost(dbOf(), 'rollback');
        const result = await rollbackSnapshot(store, opts.steps);
        io.out(`Rolled back:\n${versionLines(result.versions)}${backupLine(result)}`);
      });
    });

  program
    .command('validate')
    .description('check applied migrations against the migration files (missing or changed files)')
    .action(async () => {
      const problems = await onStore(ctx, 'validateMigrations', {});
      if (problems.length) throw new CliError(`${plural(problems.length, 'problem')}: ${problems.join('; ')}`);
      io.out('OK: every applied migration matches its file.\n');
    });

  program
    .command('track')
    .description('record one invocation and print its id')
    .requiredOption('--skill <name>', 'skill name, e.g. pytest-run')
    .option('--session <id>', "session id (default: today's CLI session)")
    .option('--completed', 'the run succeeded (default)')
    .option('--failed', 'the run failed')
    .option('--duration <seconds>', 'duration in seconds', numberOption('--duration', { min: 0 }))
    .option('--phase <phase>', 'workflow phase (setup, execution, verification, deployment, ...)')
    .option('--error <text>', 'error type or message')
    .action(async (opts: { skill: string; session?: string; completed?: boolean; failed?: boolean; duration?: number; phase?: string; error?: string }) => {
      if (opts.completed && opts.failed) throw new InvalidArgumentError('use either --completed or --failed, not both');
      const input = { skillName: opts.skill, completed: !opts.failed, durationSeconds: opts.duration, workflowPhase: opts.phase, errorType: opts.error };
      const hosted = { sessionId: opts.session ?? dailySessionId('cli'), ...(opts.session ? {} : { create: { source: 'cli' } }), userId: resolveUserId(), input };
      const id = (await recordViaHost(ctx, hosted)) ?? (await ctx.withStore('work', async (store) => {
        const [{ SkillTracker }, { ensureSession }] = await Promise.all([import('../core/tracking/tracker'), import('../core/integrations/sessions')]);
        const tracker = new SkillTracker(store, hosted.userId);
        const sessionId = opts.session ?? (await ensureSession(store, tracker, hosted.sessionId, 'cli'));
        return tracker.trackInvocation({ ...input, sessionId });
      }));
      io.out(`${id}\n`);
    });

  program
    .command('metrics')
    .description('per-skill metrics (completion rates are 0..1 in JSON)')
    .option('--skill <name>', 'one skill')
    .option('--limit <n>', 'how many skills', numberOption('--limit', { integer: true, min: 1 }), 20)
    .option('--json', 'print JSON')
    .action(async (opts: { skill?: string; limit: number; json?: boolean }) => {
      const query: MetricsQuery = { skill: opts.skill, limit: opts.limit };
      const answer = ((await ctx.viaHost('metrics', { ...query })) as MetricsAnswer | undefined) ?? (await ctx.withStore('read', async (store) => (await import('../core/operations/reads')).readMetrics(store, query)));
      if ('skill' in answer) io.out(opts.json ? ctx.json(answer.skill) : `${ctx.table([answer.skill])}\n`);
      else io.out(opts.json ? ctx.json({ skills: answer.skills }) : answer.skills.length ? `${ctx.table(answer.skills)}\n` : 'No invocations recorded yet.\n');
    });

  program
    .command('sql')
    .description('run one read-only SQL query and print the rows as JSON')
    .argument('<query>', 'a single SELECT (or other read-only) statement')
    .option('--timeout <seconds>', 'stop the query after this long', numberOption('--timeout', { exclusiveMin: 0 }), 10)
    .action(async (query: string, opts: { timeout: number }) => {
      const stop = untilStopRequested();
      const viaHost = (await ctx.viaHost('sql', { query, timeoutMs: Math.max(1, Math.ceil(opts.timeout * 1000)) }, stop)) as Record<string, unknown>[] | undefined;
      if (viaHost) {
        io.out(ctx.json(viaHost));
        return;
      }
      const { runQueryInWorker } = await import('../core/store/queryRunner');
      const result = await runQueryInWorker({ path: resolveDatabasePath(dbOf()), sql: query }, { timeoutMs: opts.timeout * 1000, abort: stop });
      for (const message of result.messages) io.err(`session-buddy: ${message}\n`);
      if ('error' in result) throw new CliError(result.error);
      io.out(ctx.json(result.rows));
    });

  program
    .command('repair')
    .description('move a damaged snapshot aside and rebuild it from the previous snapshot and the event log, read again in full; set aside log segments with parts that cannot be read or applied')
    .action(async () => {
      await refuseBesideHost(dbOf(), 'repair');
      const { opened, log } = await ctx.withStore('work', async (store) => ({ opened: store.report, log: await store.repairLog() }));
      if (!log) throw new CliError('the snapshot could not be rebuilt (see the message above); nothing was set aside');
      io.out(repairText(opened.movedAside, log));
    });

  program
    .command('delete-all-data')
    .description('delete every recorded run in every process and every copy beside the database (as the editor command does)')
    .option('--yes', 'confirm: this cannot be undone')
    .action(async (opts: { yes?: boolean }) => {
      if (!opts.yes) throw new InvalidArgumentError('this deletes every recorded run and every copy beside the database; add --yes to confirm');
      const result = await onStore(ctx, 'deleteAllData', {});
      io.out(`Deleted all data. Removed ${plural(result.removedFiles.length, 'file')}:\n${result.removedFiles.map((f) => `  ${f}\n`).join('')}`);
      if (result.keptFiles.length) io.out(`Still written by a running process (removed when it ends):\n${result.keptFiles.map((f) => `  ${f}\n`).join('')}`);
    });

  program
    .command('seed-demo')
    .description('write a generated 60-day demo history (runs, teammates, an A/B test) into an empty store, as npm start does')
    .option('--json', 'print the summary as JSON')
    .action(async (opts: { json?: boolean }) => {
      const { seedDemoStore } = await import('../core/demo/seedDemo');
      const report = await ctx.withStore('work', (store) =>
        seedDemoStore(store, { userId: resolveUserId(), onProgress: opts.json ? undefined : (step) => io.err(`${step}…\n`) }));
      io.out(opts.json ? ctx.json(report) : demoSummary(report));
    });

  program
    .command('import-session-buddy')
    .description('copy a Python session-buddy database (V1-V4, WAL or not): runs with who ran them, interactions, anomalies, A/B tests; safe to repeat')
    .argument('<path>', 'the Python tool database, e.g. .session-buddy/skills.db')
    .option('--json', 'print the counts per table as JSON')
    .action(async (source: string, opts: { json?: boolean }) => {
      const onProgress = (done: number, total: number) => io.err(`import: ${done} of ${plural(total, 'run')} read\n`);
      const { IMPORTED_TABLES, importSessionBuddy } = await import('../core/importer/sessionBuddyImport');
      const result = await ctx.withStore('work', (store) => importSessionBuddy(store, source, resolveUserId(), { onProgress }));
      io.out(opts.json ? ctx.json(result) : importSummary(source, result, IMPORTED_TABLES));
    });

  for (const group of groupsFor(program, args)) (await group.load())(program, ctx);
  return program;
}

function repairText(movedAside: string | undefined, log: SnapshotReport): string {
  const lines: string[] = [];
  if (movedAside) lines.push(`Repaired: the damaged file is kept as ${movedAside}.`);
  if (log.setAside.length) {
    lines.push(`Set aside ${plural(log.setAside.length, 'log segment')} with parts that could not be read or applied; the snapshot holds everything else in them:`);
    for (const file of log.setAside) lines.push(`  ${file}`);
  }
  const kept = log.damagedSegments.length - log.setAside.length;
  if (kept > 0) lines.push(`Still being written by a running process: ${plural(kept, 'damaged segment')}; repair again once it has ended.`);
  if (lines.length === 0) lines.push(`No damage found (${plural(log.replayed, 'logged event')} read again).`);
  return `${lines.join('\n')}\n`;
}

function importSummary(source: string, r: ImportResult, tables: readonly (keyof ImportResult['tables'])[]): string {
  const lines = [
    `Imported from ${source}: ${plural(r.added, 'invocation')} added, ${r.skipped} skipped (already present), ${plural(r.sessions, 'session')} added; ${plural(r.users, 'user')} named by the source, ids hashed.`,
    ...tables.map((t) => `  ${t.padEnd(26)} ${String(r.tables[t].added).padStart(6)} added ${String(r.tables[t].skipped).padStart(6)} already present ${String(r.tables[t].invalid).padStart(6)} unreadable`),
    `  skill_community_baselines  recomputed for ${plural(r.baselines.recomputed, 'skill')}; not copying the source's ${plural(r.baselines.source_rows, 'row')} (it counts sessions as users)`,
  ];
  if (r.ratingsNotCarried) lines.push(`  not carried: ${plural(r.ratingsNotCarried, 'rating')} on interactions of imported runs`);
  return `${lines.join('\n')}\n`;
}

function demoSummary(r: DemoSeedReport): string {
  const predictor = 'samples' in r.predictor ? `trained on ${r.predictor.samples} runs` : `not trained (${r.predictor.not_trained})`;
  return `Demo data written: ${r.invocations} runs in ${r.sessions} sessions over 60 days, ${r.teammates} teammates' profiles, `
    + `A/B test "${r.ab_test.test_name}" with ${plural(r.ab_test.users, 'user')}, ${plural(r.open_anomalies, 'open anomaly')}, predictor ${predictor}.\n`;
}

function versionLines(versions: string[]): string {
  return versions.map((v) => `  ${v}\n`).join('');
}

function backupLine(result: SchemaChangeResult): string {
  return result.backup ? `Backup: ${result.backup}\n` : '';
}

/** Runs the CLI; returns the exit code: 0 success, 1 handled error, 2 bad usage. */
export async function runCli(args: string[], io: CliIo = processIo): Promise<number> {
  let printed = false;
  if (args.length === 0) {
    io.out((await buildProgram(args, io)).helpInformation());
    return 0;
  }
  try {
    await (await buildProgram(args, io, () => (printed = true))).parseAsync(args, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof StorePathError && err.usage) {
      io.err(`session-buddy: ${err.message}\n(run with --help for usage)\n`);
      return 2;
    }
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0;
      // Commander prints its own parsing errors; a usage error raised by a command's action is ours to print.
      if (!printed) io.err(`session-buddy: ${err.message.replace(/^error: /, '')}\n(run with --help for usage)\n`);
      return 2;
    }
    io.err(`session-buddy: ${(err as Error).message}\n`);
    return 1;
  }
}
