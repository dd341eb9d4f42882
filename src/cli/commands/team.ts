import type { Command } from 'commander';
import { addMember, initTeam, leaveTeam, teamStatus, type TeamStatus } from '../../core/team/admin';
import { parseTeamServer, resolveTeamUrl, TeamError, withTeam, type TeamServer } from '../../core/team/connection';
import { explicitTeamServer, explicitTeamUrl } from '../../core/team/explicitServer';
import { pullFromTeam } from '../../core/team/pull';
import { pushToTeam, type PushResult } from '../../core/team/push';
import { pendingRows } from '../../core/team/shared';
import { readTeamInfo } from '../../core/team/teamInfo';
import type { SkillStore } from '../../core/store/store';
import type { StoreCommandName, StoreCommandResult, TeamPullCounts } from '../../core/window/storeCommands';
import { MAX_PREVIEW_ROWS } from '../../core/team/editorSync';
import { CliError, type CliContext, type CliIo } from '../context';
import { numberOption } from '../options';
import { plural } from '../../shared/words';

interface UrlOptions {
  teamUrl?: string;
  url?: string;
}

/**
 * The team server of this run. For the CLI, naming a team URL (flag or SESSION_BUDDY_TEAM_URL) is
 * the consent to share with it; passwords come from PGPASSWORD or a pgpass file. The URL is made
 * explicit with libpq's variables, so that the store host reaches the server as this process would,
 * and both keep their cursor under the same server.
 */
export function teamServerFrom(opts: UrlOptions): TeamServer {
  const url = resolveTeamUrl(opts.teamUrl ?? opts.url);
  if (!url) throw new CliError('no team server: pass --team-url postgresql://member@host/database or set SESSION_BUDDY_TEAM_URL');
  try {
    parseTeamServer(url);
    return parseTeamServer(explicitTeamUrl(url));
  } catch (err) {
    throw asCliError(err);
  }
}

/**
 * Runs a team command in the store host with this process's URL and password (so its own
 * environment plays no part); undefined: no host serves, the command opens the store itself.
 */
async function hostedTeamCommand<N extends StoreCommandName>(ctx: CliContext, name: N, server: TeamServer, extra: Record<string, unknown> = {}, onProgress?: (sent: number, total: number) => void): Promise<StoreCommandResult<N> | undefined> {
  const args = { ...(await explicitTeamServer(server.url)), ...extra };
  return (await ctx.viaHost('command', { name, args }, undefined, { onProgress: onProgress && (({ done, total }) => onProgress(done, total)) })) as StoreCommandResult<N> | undefined;
}

function asCliError(err: unknown): Error {
  return err instanceof TeamError ? new CliError(err.message) : (err as Error);
}

async function teamCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw asCliError(err);
  }
}

function withUrl(command: Command): Command {
  return command.option('--team-url <url>', 'team server, postgresql://member@host:5432/db?sslmode=verify-full (default: $SESSION_BUDDY_TEAM_URL)');
}

/** What was sent, then one line for each reason runs were held back. */
export function formatPush(r: PushResult): string {
  const sent = `Pushed ${plural(r.sent, 'invocation')} in ${plural(r.batches, 'batch')}, ${r.inserted} new to the server${r.retries ? ` after ${plural(r.retries, 'retry')}` : ''}; roll-ups: ${r.rollups}.\n`;
  return sent + r.held_back.map((h) => `Held back ${plural(h.count, 'invocation')}: ${h.reason}.\n`).join('');
}

/** A long push says how far it is on stderr, at most once every few seconds. */
const PROGRESS_EVERY_MS = 2000;

function pushProgress(io: CliIo): (sent: number, total: number) => void {
  let last = Date.now();
  return (sent, total) => {
    if (Date.now() - last < PROGRESS_EVERY_MS) return;
    last = Date.now();
    io.err(`team push: ${sent} of ${plural(total, 'invocation')} sent\n`);
  };
}

/** Pushes this store's pending invocations; used by `team push` and `ci … --team`. */
export async function pushFromCli(store: SkillStore, opts: UrlOptions, io: CliIo): Promise<PushResult> {
  const server = teamServerFrom(opts);
  const progress = pushProgress(io);
  return teamCall(() => pushToTeam(store, server, { onBatch: (p) => progress(p.sent, p.total) }));
}

/** The push through the store host when one serves (its progress said as the host reports it), else in this process. */
export async function pushThroughHost(ctx: CliContext, opts: UrlOptions): Promise<PushResult> {
  const server = teamServerFrom(opts);
  return (await teamCall(() => hostedTeamCommand(ctx, 'teamPush', server, {}, pushProgress(ctx.io)))) ?? (await ctx.withStore('work', (store) => pushFromCli(store, opts, ctx.io)));
}

async function previewHere(ctx: CliContext, server: TeamServer, limit: number): Promise<{ team_id: string; rows: object[] }> {
  const keys = await teamCall(() => withTeam(server, readTeamInfo));
  return { team_id: keys.teamId, rows: await ctx.withStore('work', (store) => pendingRows(store, keys, { limit })) };
}

function pullText(r: TeamPullCounts): string {
  return `Pulled ${plural(r.baselines, 'baseline')}, ${plural(r.similar_members, 'similar member')}, ${plural(r.dependencies, 'dependency')}.\n`;
}

function statusText(s: TeamStatus): string {
  const lines = [
    `Team server:   ${s.server} as ${s.member}`,
    `Reachable:     ${s.reachable ? 'yes' : 'no'}${s.error ? ` (${s.error})` : ''}`,
    `Schema:        ${s.schema ?? 'unknown'} (this client knows ${s.client_schema})`,
    `Team:          ${s.team_id ?? 'unknown'}${s.min_members !== null ? `, aggregates need ${s.min_members} members` : ''}`,
    `Pending:       ${s.pending_events === null ? 'unknown' : plural(s.pending_events, 'invocation')} not pushed yet`,
    `On the server: ${s.server_events === null ? 'unknown' : plural(s.server_events, 'invocation')} of yours`,
    `Last push:     ${s.last_push_at ?? 'never'}`,
    `Last pull:     ${s.last_pull_at ?? 'never'}`,
    `Last error:    ${s.last_error ? `${s.last_error} (${s.last_error_at})` : 'none'}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** `team init | add-member | status | push | pull | preview | leave`. */
export function registerTeamCommands(program: Command, ctx: CliContext): void {
  const { io } = ctx;
  const team = program.command('team').description("share invocations with a team's PostgreSQL server and use the team's baselines and neighbours");

  team
    .command('init')
    .description("owner: create or upgrade the team schema and the member group on the server (safe to repeat; needs CREATEROLE)")
    .option('--url <url>', 'team server as its owner, postgresql://owner@host/db (default: $SESSION_BUDDY_TEAM_URL)')
    .option('--min-members <k>', 'aggregates appear only where at least k members contribute (default 3)', numberOption('--min-members', { integer: true, min: 1, max: 1000 }))
    .action(async (opts: UrlOptions & { minMembers?: number }) => {
      const r = await teamCall(() => initTeam(teamServerFrom(opts), { minMembers: opts.minMembers }));
      io.out(`Team ${r.team_id}: schema ${r.schema}${r.applied.length ? ` (applied ${r.applied.join(', ')})` : ' (up to date)'}; aggregates need ${r.min_members} members.\n`);
    });

  withUrl(team.command('add-member'))
    .description("owner: create a member's login role and print its generated password (shown this once)")
    .argument('<name>', 'member name: lower-case letters, digits and _')
    .action(async (name: string, opts: UrlOptions) => {
      const r = await teamCall(() => addMember(teamServerFrom(opts), name));
      io.out(`Member ${r.member} added. Password (shown once; give it to ${r.member} for PGPASSWORD, a pgpass file or the editor's prompt):\n${r.password}\n`);
    });

  withUrl(team.command('status'))
    .description('server reachable, schema version, pending invocations, last push and pull, errors')
    .option('--json', 'print JSON')
    .action(async (opts: UrlOptions & { json?: boolean }) => {
      const server = teamServerFrom(opts);
      const status = (await teamCall(() => hostedTeamCommand(ctx, 'teamStatus', server))) ?? (await ctx.withStore('work', (store) => teamStatus(store, server)));
      io.out(opts.json ? ctx.json(status) : statusText(status));
    });

  withUrl(team.command('push'))
    .description('send the invocations not pushed yet (only the fields `team preview` shows); resumes where it stopped')
    .action(async (opts: UrlOptions) => {
      io.out(formatPush(await pushThroughHost(ctx, opts)));
    });

  withUrl(team.command('pull'))
    .description("cache the team's baselines, similar members and dependencies for baselines show, recommend-similar and the editor")
    .action(async (opts: UrlOptions) => {
      const server = teamServerFrom(opts);
      const hosted = await teamCall(() => hostedTeamCommand(ctx, 'teamPull', server));
      const r = hosted ?? (await ctx.withStore('work', async (store) => {
        const pulled = await teamCall(() => pullFromTeam(store, server));
        return { baselines: pulled.baselines.length, similar_members: pulled.similar_members.length, dependencies: pulled.dependencies.length };
      }));
      io.out(pullText(r));
    });

  withUrl(team.command('preview'))
    .description('exactly the rows the next push would send')
    .option('--limit <n>', 'at most this many rows', numberOption('--limit', { integer: true, min: 1 }), 1000)
    .option('--json', 'print JSON')
    .action(async (opts: UrlOptions & { limit: number; json?: boolean }) => {
      const server = teamServerFrom(opts);
      const hosted = opts.limit <= MAX_PREVIEW_ROWS ? await teamCall(() => hostedTeamCommand(ctx, 'teamPreview', server, { limit: opts.limit })) : undefined;
      const { team_id, rows } = hosted ?? (await previewHere(ctx, server, opts.limit));
      if (opts.json) io.out(ctx.json({ team_id, rows }));
      else io.out(rows.length ? `${ctx.table(rows)}\n` : 'Nothing to push.\n');
    });

  withUrl(team.command('leave'))
    .description("stop sharing with this team here: forget the cursor and the teammates' pulled rows")
    .option('--delete', 'also delete your rows on the server')
    .action(async (opts: UrlOptions & { delete?: boolean }) => {
      const server = teamServerFrom(opts);
      const deleteRows = opts.delete === true;
      const r = (await teamCall(() => hostedTeamCommand(ctx, 'teamQuit', server, { deleteRows }))) ?? (await ctx.withStore('work', (store) => teamCall(() => leaveTeam(store, server, { deleteRows }))));
      io.out(`Left team ${r.team_id}${opts.delete ? `; ${r.deleted_server_rows} of your rows deleted on the server` : ''}. Unset SESSION_BUDDY_TEAM_URL (or drop --team-url) to stop pushing.\n`);
    });
}
