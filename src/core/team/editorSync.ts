import type { Store } from '../store/storeInterface';
import { leaveTeam } from './admin';
import { parseTeamServer, withTeam, type TeamServer } from './connection';
import { pullFromTeam } from './pull';
import { pushToTeam, type HeldBack } from './push';
import { pendingCount, pendingRows, type SharedRow } from './shared';
import { readTeamInfo, teamSyncRowsFor } from './teamInfo';

/** The team server as the editor knows it: the URL of the setting, the password of its secret storage. */
export interface TeamServerArgs {
  url: string;
  password?: string;
}

/** What one background sync did, for the status bar's tooltip and the log. */
export interface TeamSyncAnswer {
  label: string;
  /** When it started (ISO 8601 UTC): a window given another window's sync (sharedTeamSyncs.ts) says when that one ran. */
  at: string;
  sent: number;
  heldBack: HeldBack[];
  baselines: number;
}

/** Rows a preview may ask for: the push sends the same rows in batches of this size. */
export const MAX_PREVIEW_ROWS = 1000;

export interface SharedPreview {
  label: string;
  team_id: string;
  rows: SharedRow[];
}

/** The editor's background sync: a push retried a little (the server may be restarting), then a pull. */
export async function syncWithTeam(store: Store, args: TeamServerArgs): Promise<TeamSyncAnswer> {
  const server = parseTeamServer(args.url, args.password);
  const at = new Date().toISOString();
  const pushed = await pushToTeam(store, server, { retry: { retries: 2, baseMs: 2000, maxMs: 20_000 } });
  const pulled = await pullFromTeam(store, server);
  return { label: server.label, at, sent: pushed.sent, heldBack: pushed.held_back, baselines: pulled.baselines.length };
}

/** Runs recorded here that the team server has not received yet (0 when none was ever pushed to it). */
export function unpushedRuns(store: Store, url: string): number {
  const server: TeamServer = parseTeamServer(url);
  const rows = teamSyncRowsFor(store, server);
  return rows.length ? rows.reduce((most, r) => Math.max(most, pendingCount(store, r.team_id)), 0) : pendingCount(store, '');
}

/** The next rows a push would send, exactly as they would be sent. */
export async function previewShared(store: Store, args: TeamServerArgs, limit: number): Promise<SharedPreview> {
  const server = parseTeamServer(args.url, args.password);
  const keys = await withTeam(server, readTeamInfo);
  return { label: server.label, team_id: keys.teamId, rows: pendingRows(store, keys, { limit }) };
}

/** `team leave --delete` for this member: their rows on the server go, and the pulled team rows here. */
export async function leaveTeamDeletingRows(store: Store, args: TeamServerArgs): Promise<number> {
  return (await leaveTeam(store, parseTeamServer(args.url, args.password), { deleteRows: true })).deleted_server_rows;
}
