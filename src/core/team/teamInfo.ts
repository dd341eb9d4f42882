/**
 * What a client knows about its team: the server's settings (read once per connection, after the
 * schema check) and the local row of team_sync (last push and pull, last error; the push cursors
 * are in team_push_cursor, see shared.ts).
 */
import type { Client } from 'pg';
import { all, one } from '../store/statements';
import type { Store } from '../store/storeInterface';
import { nowTimestamp } from '../time';
import type { TeamServer } from './connection';
import { checkServerSchema } from './serverSchema';
import type { TeamKeys } from './shared';

export interface TeamInfo extends TeamKeys {
  schemaVersion: number;
  /** k: aggregates appear only where at least this many members contribute. */
  minMembers: number;
}

export interface TeamSyncRow {
  team_id: string;
  server: string;
  /** The cursor before V11 (ids up to it were sent); now the floor of every writer's cursor. */
  pushed_through_id: number;
  last_push_at: string | null;
  last_pull_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  pulled_members: string | null;
}

export async function readTeamInfo(client: Client): Promise<TeamInfo> {
  const schemaVersion = await checkServerSchema(client);
  const rows = await client.query<{ key: string; value: string }>("SELECT key, value FROM session_buddy.settings WHERE key IN ('team_id', 'session_salt', 'min_members')");
  const settings = new Map(rows.rows.map((r) => [r.key, r.value]));
  return { schemaVersion, teamId: settings.get('team_id') ?? '', sessionSalt: settings.get('session_salt') ?? '', minMembers: Number(settings.get('min_members') ?? 3) };
}

export function teamSyncRow(store: Store, teamId: string): TeamSyncRow | undefined {
  return one<TeamSyncRow>(store.db, 'SELECT * FROM team_sync WHERE team_id = ?', [teamId]);
}

/** The rows of the teams last seen at this server (normally one). */
export function teamSyncRowsFor(store: Store, server: TeamServer): TeamSyncRow[] {
  return all<TeamSyncRow>(store.db, 'SELECT * FROM team_sync WHERE server = ? ORDER BY team_id', [server.label]);
}

/** Keeps the failure for `team status` and the status bar, on the team rows known for this server. */
export async function recordTeamError(store: Store, server: TeamServer, message: string): Promise<void> {
  const rows = teamSyncRowsFor(store, server);
  if (rows.length === 0 || store.readOnlyReason) return;
  const at = nowTimestamp();
  await store.commit([{ t: 'upsert', table: 'team_sync', key: ['team_id'], rows: rows.map((r) => ({ team_id: r.team_id, server: r.server, last_error: message, last_error_at: at })) }]);
}
