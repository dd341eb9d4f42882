/**
 * The owner's and the member's housekeeping: create or upgrade the team schema, add a member,
 * report the sync state, leave the team.
 */
import crypto from 'node:crypto';
import type { Store } from '../store/storeInterface';
import { describeFailure, withTeam, type TeamServer } from './connection';
import { refreshUntilDone } from './push';
import { discoverServerMigrations, migrateServer, versionName } from './serverSchema';
import { pendingCount } from './shared';
import { readTeamInfo, teamSyncRow, teamSyncRowsFor, type TeamSyncRow } from './teamInfo';

export interface InitResult {
  applied: string[];
  schema: string;
  team_id: string;
  min_members: number;
  rollups: string;
}

/**
 * Idempotent: applies what is missing, sets k when asked, then folds every pending event into the
 * roll-ups, a rebuild after a member left with --delete included (with no time limit: a rebuild
 * reads every event). The owner needs CREATEROLE.
 */
export async function initTeam(server: TeamServer, options: { minMembers?: number } = {}): Promise<InitResult> {
  return withTeam(server, async (client) => {
    const applied = await migrateServer(client);
    if (options.minMembers !== undefined) {
      // A cell keeps only k + 1 of its members (P2 some_members): a larger k counts them again.
      await client.query("UPDATE session_buddy.rollup_state SET rebuild = true WHERE $1::integer > (SELECT value::integer FROM session_buddy.settings WHERE key = 'min_members')", [options.minMembers]);
      await client.query("UPDATE session_buddy.settings SET value = $1 WHERE key = 'min_members'", [String(options.minMembers)]);
    }
    const rollups = await refreshUntilDone(client);
    const info = await readTeamInfo(client);
    return { applied: applied.map(versionName), schema: versionName(info.schemaVersion), team_id: info.teamId, min_members: info.minMembers, rollups };
  }, { statementTimeoutMs: 0 });
}

/** Creates (or resets) a member's login role; the generated password is returned once and stored nowhere. */
export async function addMember(server: TeamServer, name: string): Promise<{ member: string; password: string }> {
  const password = crypto.randomBytes(18).toString('base64url');
  await withTeam(server, (client) => client.query('SELECT session_buddy.add_member($1, $2)', [name, password]));
  return { member: name, password };
}

export interface TeamStatus {
  server: string;
  member: string;
  reachable: boolean;
  schema: string | null;
  client_schema: string;
  team_id: string | null;
  min_members: number | null;
  pending_events: number | null;
  last_push_at: string | null;
  last_pull_at: string | null;
  server_events: number | null;
  error: string | null;
  last_error: string | null;
  last_error_at: string | null;
}

export async function teamStatus(store: Store, server: TeamServer): Promise<TeamStatus> {
  const known = teamSyncRowsFor(store, server)[0];
  const status: TeamStatus = {
    server: server.label,
    member: server.user,
    reachable: false,
    schema: null,
    client_schema: versionName(discoverServerMigrations().at(-1)?.number),
    team_id: known?.team_id ?? null,
    min_members: null,
    pending_events: null,
    last_push_at: null,
    last_pull_at: null,
    server_events: null,
    error: null,
    last_error: null,
    last_error_at: null,
  };
  try {
    await withTeam(server, async (client) => {
      status.reachable = true;
      const info = await readTeamInfo(client);
      Object.assign(status, { schema: versionName(info.schemaVersion), team_id: info.teamId, min_members: info.minMembers });
      const own = await client.query<{ n: string }>('SELECT count(*) AS n FROM session_buddy.events');
      status.server_events = Number(own.rows[0].n);
    }, { connectTimeoutMs: 5000 });
  } catch (err) {
    status.error = describeFailure(err, server).message;
  }
  if (status.team_id) fillLocal(status, store, teamSyncRow(store, status.team_id));
  return status;
}

function fillLocal(status: TeamStatus, store: Store, row: TeamSyncRow | undefined): void {
  status.pending_events = pendingCount(store, status.team_id!);
  status.last_push_at = row?.last_push_at ?? null;
  status.last_pull_at = row?.last_pull_at ?? null;
  status.last_error = row?.last_error ?? null;
  status.last_error_at = row?.last_error_at ?? null;
}

/**
 * Stops sharing with this team on this machine: the cursor and the teammates' pulled rows go, so
 * nothing of the team stays behind. With `deleteRows` the member's rows on the server go as well.
 */
export async function leaveTeam(store: Store, server: TeamServer, options: { deleteRows?: boolean } = {}): Promise<{ team_id: string; deleted_server_rows: number }> {
  const { teamId, deleted } = await withTeam(server, async (client) => {
    const info = await readTeamInfo(client);
    const removed = options.deleteRows ? await client.query<{ n: string }>('SELECT session_buddy.forget_me() AS n') : undefined;
    return { teamId: info.teamId, deleted: Number(removed?.rows[0].n ?? 0) };
  });
  const row = teamSyncRow(store, teamId);
  const pulled: string[] = JSON.parse(row?.pulled_members ?? '[]') as string[];
  await store.commit([
    ...pulled.map((m) => ({ t: 'delete' as const, table: 'skill_user_interactions' as const, where: { user_id: m } })),
    { t: 'delete', table: 'team_sync', where: { team_id: teamId } },
    { t: 'delete', table: 'team_push_cursor', where: { team_id: teamId } },
  ]);
  return { team_id: teamId, deleted_server_rows: deleted };
}
