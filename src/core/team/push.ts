/**
 * Push: the local event log is the outbox. Each batch (1,000 rows by default) is one
 * `INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING`, and only after the server confirmed it
 * does the cursor move, through the store's own event log. A push stopped anywhere (a crash, a
 * lost server) resends at most its last batch, which the server ignores: nothing lost, nothing
 * doubled. A server that is down is retried with exponential backoff and full jitter, so that a
 * whole team coming back does not arrive at once.
 */
import type { Client } from 'pg';
import type { Store } from '../store/storeInterface';
import { nowTimestamp } from '../time';
import { describeFailure, withTeam, type TeamServer } from './connection';
import { pendingRows, recentlyPushedRows, type SharedRow } from './shared';
import { readTeamInfo, recordTeamError, type TeamInfo } from './teamInfo';

const INSERT_SQL = `INSERT INTO session_buddy.events
    (event_id, session_hash, skill_name, invoked_minute, completed, duration_seconds, workflow_phase, error_category)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::boolean[], $6::double precision[], $7::text[], $8::text[])
  ON CONFLICT DO NOTHING`;

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 6, baseMs: 1000, maxMs: 60_000 };

export interface PushOptions {
  batchSize?: number;
  settleMs?: number;
  retry?: RetryPolicy;
  /** Hears each confirmed batch (the CLI prints progress; tests stop a push midway). */
  onBatch?: (sent: number, inserted: number) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface PushResult {
  team_id: string;
  /** Rows sent, and how many of them the server did not have yet. */
  sent: number;
  inserted: number;
  /** Runs behind the cursor that the server did not have: late arrivals (see LATE_WINDOW_MS). */
  late: number;
  batches: number;
  retries: number;
  rollups: string;
}

/** Full jitter: a uniform wait between 0 and the capped exponential step. */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  return Math.round(random() * Math.min(policy.maxMs, policy.baseMs * 2 ** attempt));
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function pushToTeam(store: Store, server: TeamServer, options: PushOptions = {}): Promise<PushResult> {
  const policy = options.retry ?? DEFAULT_RETRY;
  const result: PushResult = { team_id: '', sent: 0, inserted: 0, late: 0, batches: 0, retries: 0, rollups: '' };
  for (let attempt = 0; ; attempt++) {
    try {
      await withTeam(server, async (client) => {
        const info = await readTeamInfo(client);
        result.team_id = info.teamId;
        await sendLateRows(store, client, info, result);
        await sendBatches(store, client, info, server, options, result);
        result.rollups = await refreshQuietly(client);
      });
      return result;
    } catch (err) {
      const failure = describeFailure(err, server);
      if (!failure.transient || attempt >= policy.retries) {
        await recordTeamError(store, server, failure.message);
        throw failure;
      }
      result.retries++;
      await (options.sleep ?? sleepFor)(backoffMs(attempt, policy, options.random));
    }
  }
}

async function sendBatches(store: Store, client: Client, info: TeamInfo, server: TeamServer, options: PushOptions, result: PushResult): Promise<void> {
  for (;;) {
    const rows = pendingRows(store, info, { limit: options.batchSize ?? 1000, settleMs: options.settleMs });
    if (rows.length === 0) return;
    await ensureMonths(client, rows);
    const inserted = await insertRows(client, rows);
    await store.commit([
      {
        t: 'upsert',
        table: 'team_sync',
        key: ['team_id'],
        rows: [{ team_id: info.teamId, server: server.label, pushed_through_id: rows[rows.length - 1].event_id, last_push_at: nowTimestamp(), last_error: null, last_error_at: null }],
      },
    ]);
    result.sent += rows.length;
    result.inserted += inserted;
    result.batches++;
    options.onBatch?.(result.sent, result.inserted);
  }
}

/** The rows just behind the cursor again, before the new ones: the server inserts only those it lacks. */
async function sendLateRows(store: Store, client: Client, info: TeamInfo, result: PushResult): Promise<void> {
  const rows = recentlyPushedRows(store, info);
  if (rows.length === 0) return;
  await ensureMonths(client, rows);
  result.late = await insertRows(client, rows);
}

/** The server creates a month's partition on first use; each in its own statement, outside the insert's transaction. */
async function ensureMonths(client: Client, rows: readonly SharedRow[]): Promise<void> {
  const months = [...new Set(rows.map((r) => `${r.invoked_minute.slice(0, 7)}-01T00:00:00.000Z`))];
  for (const month of months) await client.query('SELECT session_buddy.ensure_month($1::timestamptz)', [month]);
}

export async function insertRows(client: Client, rows: readonly SharedRow[]): Promise<number> {
  const result = await client.query(INSERT_SQL, [
    rows.map((r) => String(r.event_id)),
    rows.map((r) => r.session_hash),
    rows.map((r) => r.skill_name),
    rows.map((r) => r.invoked_minute),
    rows.map((r) => r.completed),
    rows.map((r) => r.duration_seconds),
    rows.map((r) => r.workflow_phase),
    rows.map((r) => r.error_category),
  ]);
  return result.rowCount ?? 0;
}

/** Folds new events into the roll-ups when this client wins the lock and a minute has passed; else returns at once. */
export async function refreshRollups(client: Client, minIntervalSeconds = 60): Promise<string> {
  const result = await client.query<{ outcome: string }>('SELECT session_buddy.refresh_rollups(make_interval(secs => $1)) AS outcome', [minIntervalSeconds]);
  return result.rows[0].outcome;
}

/** The roll-ups are the server's housekeeping: one that fails (a time limit, a lock) never fails the push or pull around it. */
export async function refreshQuietly(client: Client): Promise<string> {
  try {
    return await refreshRollups(client);
  } catch (err) {
    return `not refreshed (${(err as Error).message})`;
  }
}

/** Folds the whole backlog, a chunk per call (the owner's `team init`, the benchmark). */
export async function refreshUntilDone(client: Client): Promise<string> {
  const outcomes: string[] = [];
  do outcomes.push(await refreshRollups(client, 0));
  while (outcomes[outcomes.length - 1].endsWith('more pending'));
  return outcomes.length === 1 ? outcomes[0] : `${outcomes.length} runs, last: ${outcomes[outcomes.length - 1]}`;
}
