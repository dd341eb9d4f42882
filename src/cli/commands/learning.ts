import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { resolveUserId } from '../../core/tracking/identity';
import type { CliContext } from '../context';
import { numberOption } from '../options';
import { onStore } from '../storeOperation';
import { plural } from '../../shared/words';

const TEAM_KEEPS = (what: string) => `Kept the team's ${what} from the last \`session-buddy team pull\` (it covers every teammate's runs; \`team leave\` returns to this store's own).\n`;

/** Dependencies, community baselines, collaborative recommendations, taxonomy and team profiles. */
export function registerLearningCommands(program: Command, ctx: CliContext): void {
  const { io } = ctx;

  const dependencies = program.command('dependencies').description('skills used in the same sessions (lift over sessions)');
  dependencies
    .command('update')
    .description('recompute skill co-occurrence and lift from all sessions (keeps the taxonomy seeds)')
    .option('--min-co-occurrence <n>', 'minimum number of sessions using both skills', numberOption('--min-co-occurrence', { integer: true, min: 1 }), 5)
    .action(async (opts: { minCoOccurrence: number }) => {
      const result = await onStore(ctx, 'updateDependencies', { minCoOccurrence: opts.minCoOccurrence });
      if (result.status === 'team') io.out(TEAM_KEEPS('dependency network'));
      else io.out(`Updated: ${plural(result.dependencies_created, 'skill pair')} seen together in at least ${opts.minCoOccurrence} of ${plural(result.sessions, 'session')}.\n`);
    });
  dependencies
    .command('show')
    .description("a skill's strongest dependencies (read only; run `dependencies update` to refresh)")
    .requiredOption('--skill <name>', 'skill name, e.g. pytest-run')
    .option('--limit <n>', 'how many', numberOption('--limit', { integer: true, min: 1 }), 10)
    .option('--min-lift <l>', 'minimum lift', numberOption('--min-lift', { min: 0 }), 1.5)
    .option('--json', 'print JSON')
    .action(async (opts: { skill: string; limit: number; minLift: number; json?: boolean }) => {
      const rows = await onStore(ctx, 'dependencies', { skill: opts.skill, limit: opts.limit, minLift: opts.minLift });
      if (opts.json) io.out(ctx.json({ skill_name: opts.skill, dependencies: rows }));
      else io.out(rows.length ? `${ctx.table(rows)}\n` : `No dependencies of "${opts.skill}" with lift >= ${opts.minLift}.\n`);
    });

  const baselines = program.command('baselines').description('how each skill does across everyone in this store and imported teammates');
  baselines
    .command('update')
    .description('recompute and store the community baselines')
    .action(async () => {
      const result = await onStore(ctx, 'updateBaselines', {});
      if (result.status === 'team') io.out(TEAM_KEEPS('baselines'));
      else io.out(`Updated baselines for ${plural(result.skills_updated, 'skill')}.\n`);
    });
  baselines
    .command('show')
    .description('stored baselines, most effective first (rates 0..1, percentile 0..100)')
    .option('--limit <n>', 'how many', numberOption('--limit', { integer: true, min: 1 }), 20)
    .option('--json', 'print JSON')
    .action(async (opts: { limit: number; json?: boolean }) => {
      const rows = await onStore(ctx, 'baselines', { limit: opts.limit });
      if (opts.json) io.out(ctx.json({ baselines: rows }));
      else io.out(rows.length ? `${ctx.table(rows)}\n` : 'No baselines stored yet (run `session-buddy baselines update`).\n');
    });

  program
    .command('recommend-similar')
    .description('skills that users with similar skill sets complete, which this user has not tried')
    .option('--user <id>', 'user id (default: $SESSION_BUDDY_USER, then the anonymous id)')
    .option('--limit <n>', 'how many', numberOption('--limit', { integer: true, min: 1 }), 5)
    .option('--json', 'print JSON')
    .action(async (opts: { user?: string; limit: number; json?: boolean }) => {
      const userId = resolveUserId(opts.user);
      const rows = await onStore(ctx, 'similar', { userId, limit: opts.limit });
      if (opts.json) io.out(ctx.json({ user_id: userId, recommendations: rows }));
      else io.out(rows.length ? `${ctx.table(rows)}\n` : 'No recommendations yet: no similar users and no community baselines.\n');
    });

  program
    .command('taxonomy')
    .description('skill categories, modalities and seeded dependencies')
    .command('init')
    .description('seed the 6 categories, 4 modalities and 4 dependencies and map known skills (safe to repeat)')
    .action(async () => {
      const r = await onStore(ctx, 'taxonomy', {});
      io.out(`Taxonomy added: categories ${r.categories}, modalities ${r.modalities}, dependencies ${r.dependencies}, skill-to-category mappings ${r.mappings}.\n`);
    });

  program
    .command('export-profile')
    .description('write your anonymised skill profile (hashed id, per-skill counts, rates, phases) for teammates')
    .option('--out <file>', 'write to this file (default: standard output)')
    .option('--user <id>', 'user id (default: $SESSION_BUDDY_USER, then the anonymous id)')
    .action(async (opts: { out?: string; user?: string }) => {
      const profile = await onStore(ctx, 'exportProfile', { userId: resolveUserId(opts.user) });
      const text = ctx.json(profile);
      if (!opts.out) {
        io.out(text);
        return;
      }
      try {
        fs.writeFileSync(opts.out, text, { mode: 0o600 });
      } catch (err) {
        throw new Error(`cannot write ${opts.out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
      }
      io.out(`Wrote the profile of ${plural(profile.skills.length, 'skill')} to ${opts.out}.\n`);
    });

  program
    .command('import-profiles')
    .description("load teammates' exported profiles (files or directories of .json files); safe to repeat")
    .argument('<path...>', 'profile files or directories')
    .action(async (paths: string[]) => {
      // Absolute: the store host reads them, from its own working folder.
      const r = await onStore(ctx, 'importProfiles', { paths: paths.map((p) => path.resolve(p)) });
      io.out(`Imported ${plural(r.imported, 'profile')}, skipped ${r.skipped} (already imported, older, or your own).\n`);
    });
}
