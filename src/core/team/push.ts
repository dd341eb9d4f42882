/**
 * Push: the local event log is the outbox. Each batch (1,000 rows by default) is one
 * `INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING`, and only after the server confirmed it
 * does its writer's cursor move (shared.ts), through the store's own event log. A push stopped
 * anywhere (a crash, a lost server) resends at most its last batch, which the server ignores:
 * nothing lost, nothing doubled. A server that is down is retried with exponential backoff and
 * full jitter, so that a whole team coming back does not arrive at once.
 */
import type { Client } from 'pg';
import type { Store } from '../store/storeInterface';
import { nowTimestamp } from '../time';
import { describeFailure, withTeam, type TeamServer } from './connection';
import { pendingCount, pendingInSlot, pushCursors, WRITER_SLOTS, type PendingRun, type SharedRow } from './shared';
import { readTeamInfo, recordTeamError, type TeamInfo } from './teamInfo';

const INSERT_SQL = `INSERT INTO session_buddy.events
    (event_id, store_id, session_hash, skill_name, invoked_minute, completed, duration_seconds, workflow_phase, error_category)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::boolean[], $7::double precision[], $8::text[], $9::text[])
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
  retry?: RetryPolicy;
  /** Hears each confirmed batch (the CLI prints progress). */
  onBatch?: (progress: PushProgress) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** How far a push is: rows sent and new to the server, of those pending when it started (or more, when runs came in meanwhile). */
export interface PushProgress {
  sent: number;
  inserted: number;
  total: number;
}

/** Runs a push did not send, and why: the quota's wait for tomorrow, or what the server never takes. */
export interface HeldBack {
  count: number;
  reason: string;
}

export interface PushResult {
  team_id: string;
  /** Rows sent, and how many of them the server did not have yet. */
  sent: number;
  inserted: number;
  held_back: HeldBack[];
  batches: number;
  retries: number;
  rollups: string;
}

/** Full jitter: a uniform wait between 0 and the capped exponential step. */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  return Math.round(random() * Math.min(policy.maxMs, policy.baseMs * 2 ** attempt));
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Sends every run this store had confirmed when the push started (other processes' runs too:
 * their log is read first), and those confirmed while it runs, one writer slot at a time in the
 * order each writer recorded them. Within the member's quotas: see PushPlan.
 */
export async function pushToTeam(store: Store, server: TeamServer, options: PushOptions = {}): Promise<PushResult> {
  const policy = options.retry ?? DEFAULT_RETRY;
  const result: PushResult = { team_id: '', sent: 0, inserted: 0, held_back: [], batches: 0, retries: 0, rollups: '' };
  store.pullEvents();
  for (let attempt = 0; ; attempt++) {
    try {
      await withTeam(server, async (client) => {
        const info = await readTeamInfo(client);
        result.team_id = info.teamId;
        const plan = new PushPlan(await readQuota(client), Date.now());
        const waiting = await sendPending(store, client, info, server, plan, options, result);
        result.held_back = plan.heldBack(waiting);
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

/** The member's standing against the team's quotas (session_buddy.my_quota()). */
export interface MemberQuota {
  rowsToday: number;
  rowsPerDay: number;
  skillNames: string[];
  skillNamesCap: number;
}

async function readQuota(client: Client): Promise<MemberQuota> {
  const result = await client.query<{ rows_today: string; rows_per_day: string; skill_names: string[]; skill_names_cap: number }>('SELECT * FROM session_buddy.my_quota()');
  const q = result.rows[0];
  return { rowsToday: Number(q.rows_today), rowsPerDay: Number(q.rows_per_day), skillNames: q.skill_names, skillNamesCap: q.skill_names_cap };
}

/** The server refuses a time before this, or more than a day after its clock. */
const EARLIEST_MINUTE = '2000-01-01T00:00:00.000Z';
const FUTURE_MS = 86_400_000;

/**
 * What a push sends, within what the server takes: a run the server would never take (its time,
 * or a new skill name past the member's cap of distinct names) is passed over, so that it does not
 * hold back the runs after it; once today's rows quota is used up the push stops, and the rest
 * waits for a later push. A run passed over or waiting is counted, with its reason.
 */
export class PushPlan {
  private readonly names: Set<string>;
  private readonly latest: string;
  private rowsLeft: number;
  private outOfTime = 0;
  private pastNamesCap = 0;

  constructor(private readonly quota: MemberQuota, now: number) {
    this.names = new Set(quota.skillNames);
    this.rowsLeft = quota.rowsPerDay - quota.rowsToday;
    this.latest = new Date(now + FUTURE_MS).toISOString();
  }

  admit(row: SharedRow): 'send' | 'pass' | 'wait' {
    if (row.invoked_minute < EARLIEST_MINUTE || row.invoked_minute > this.latest) {
      this.outOfTime++;
      return 'pass';
    }
    if (!this.names.has(row.skill_name) && this.names.size >= this.quota.skillNamesCap) {
      this.pastNamesCap++;
      return 'pass';
    }
    if (this.rowsLeft <= 0) return 'wait';
    this.names.add(row.skill_name);
    this.rowsLeft--;
    return 'send';
  }

  heldBack(waiting: number): HeldBack[] {
    const held: HeldBack[] = [];
    if (waiting > 0) held.push({ count: waiting, reason: `the team's quota of ${this.quota.rowsPerDay} rows per member per day is reached; the next push after 00:00 UTC sends them` });
    if (this.pastNamesCap > 0) held.push({ count: this.pastNamesCap, reason: `the team's cap of ${this.quota.skillNamesCap} distinct skill names per member is reached: runs of other skills are not shared` });
    if (this.outOfTime > 0) held.push({ count: this.outOfTime, reason: 'invoked before 2000 or more than a day ahead of this clock: not shared' });
    return held;
  }
}

/**
 * Sends each writer slot's pending runs in batches; after the server confirms a batch, that
 * slot's cursor moves to the batch's last run (passed-over runs included). Returns how many runs
 * wait for the quota (0 when everything went).
 */
async function sendPending(store: Store, client: Client, info: TeamInfo, server: TeamServer, plan: PushPlan, options: PushOptions, result: PushResult): Promise<number> {
  const pendingAtStart = options.onBatch ? result.sent + pendingCount(store, info.teamId) : 0;
  for (const slot of WRITER_SLOTS) {
    for (;;) {
      const runs = pendingInSlot(store, info, pushCursors(store, info.teamId), slot, options.batchSize ?? 1000);
      if (runs.length === 0) break;
      const { send, through, stopped } = admitRuns(plan, runs);
      if (send.length > 0) {
        await ensureMonths(client, send);
        result.inserted += await insertRows(client, send);
        result.sent += send.length;
        result.batches++;
      }
      if (through !== undefined) await moveCursor(store, info, server, slot, through);
      if (send.length > 0) options.onBatch?.({ sent: result.sent, inserted: result.inserted, total: Math.max(pendingAtStart, result.sent) });
      if (stopped) return pendingCount(store, info.teamId);
    }
  }
  return 0;
}

function admitRuns(plan: PushPlan, runs: readonly PendingRun[]): { send: SharedRow[]; through: number | undefined; stopped: boolean } {
  const send: SharedRow[] = [];
  let through: number | undefined;
  for (const run of runs) {
    const verdict = plan.admit(run.row);
    if (verdict === 'wait') return { send, through, stopped: true };
    through = run.stamp;
    if (verdict === 'send') send.push(run.row);
  }
  return { send, through, stopped: false };
}

async function moveCursor(store: Store, info: TeamInfo, server: TeamServer, slot: number, stamp: number): Promise<void> {
  await store.commit([
    { t: 'upsert', table: 'team_push_cursor', key: ['team_id', 'writer_slot'], rows: [{ team_id: info.teamId, writer_slot: slot, pushed_stamp: stamp }] },
    { t: 'upsert', table: 'team_sync', key: ['team_id'], rows: [{ team_id: info.teamId, server: server.label, last_push_at: nowTimestamp(), last_error: null, last_error_at: null }] },
  ]);
}

/** The server creates a month's partition on first use; each in its own statement, outside the insert's transaction. */
async function ensureMonths(client: Client, rows: readonly SharedRow[]): Promise<void> {
  const months = [...new Set(rows.map((r) => `${r.invoked_minute.slice(0, 7)}-01T00:00:00.000Z`))];
  for (const month of months) await client.query('SELECT session_buddy.ensure_month($1::timestamptz)', [month]);
}

export async function insertRows(client: Client, rows: readonly SharedRow[]): Promise<number> {
  const result = await client.query(INSERT_SQL, [
    rows.map((r) => String(r.event_id)),
    rows.map((r) => r.store_id),
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
