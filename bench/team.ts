// npm run bench -- team [events:members ...]   (default 1000000:1000 1000000:10000)
//
// On a throw-away PostgreSQL cluster (durable settings: fsync and synchronous_commit on), per scale:
// - load: the history is generated on the server (sessions of 20 events, 100 skills of falling
//   popularity, 4 months), then the first full roll-up;
// - ingest: 8 member logins push 1,000-row batches at once with the client's own INSERT … unnest;
// - the incremental roll-up of exactly 100,000 new events;
// - similar members and baselines as one of those members (median of 20 calls);
// - a hostile member at the caps: one login inserts today's quota (200,000 rows) over the cap of
//   distinct names (2,000), in sessions of 100 names, through the client's own INSERT; then the
//   roll-up of her rows, and again of 100,000 honest events, and the reads, with her there.
import type { Client } from 'pg';
import { addMember, initTeam } from '../src/core/team/admin';
import { parseTeamServer } from '../src/core/team/connection';
import { insertRows, refreshUntilDone } from '../src/core/team/push';
import type { SharedRow } from '../src/core/team/shared';
import { startPostgres, type TestPostgres } from '../test/helpers/postgres';
import { median, printTable, round, writeResult } from './common';

const PUSHERS = 8;
const BATCH = 1000;
const INGEST_EVENTS = 400_000;
const INCREMENT = 100_000;
const CALLS = 20;
const HOSTILE_ROWS = 200_000;
const HOSTILE_NAMES = 2000;
const HOSTILE_SESSION_NAMES = 100;

interface Scale {
  events: number;
  members: number;
}

interface Result {
  events: number;
  members: number;
  load_seconds: number;
  first_rollup_seconds: number;
  ingest_events_per_second: number;
  rollup_seconds_per_100k: number;
  similar_members_ms: number;
  baselines_ms: number;
  table_mb: number;
}

interface HostileResult {
  events: number;
  members: number;
  hostile_rows: number;
  hostile_names: number;
  hostile_fold_seconds: number;
  rollup_seconds_per_100k: number;
  similar_members_ms: number;
  baselines_ms: number;
}

function parseScales(args: string[]): Scale[] {
  const given = args.length ? args : ['1000000:1000', '1000000:10000'];
  return given.map((a) => {
    const [events, members] = a.split(':').map(Number);
    if (!(events > 0 && members > 0)) throw new Error(`expected events:members, got ${a}`);
    return { events, members };
  });
}

async function seconds(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

/** The history, generated where it is stored: one member per session, skill k with weight ~ 1/(k+1). */
async function load(owner: Client, scale: Scale): Promise<void> {
  for (const month of ['2026-08-01', '2026-09-01', '2026-10-01', '2026-11-01']) await owner.query('SELECT session_buddy.ensure_month($1)', [month]);
  await owner.query(
    `INSERT INTO session_buddy.events (event_id, member, session_hash, skill_name, invoked_minute, completed, duration_seconds, workflow_phase)
     SELECT g, 'm' || ((g / 20) % $2), md5((g / 20)::text), 'skill-' || floor(power(100, random()) - 1)::int,
            timestamptz '2026-08-01 00:00+00' + ((g * 7) % 172800) * interval '1 minute', random() < 0.85, 1 + 60 * random(), 'execution'
     FROM generate_series(1, $1::bigint) g`,
    [scale.events, scale.members],
  );
}

function batchRows(pusher: number, batch: number, at: string): SharedRow[] {
  return Array.from({ length: BATCH }, (_, i) => ({
    event_id: batch * BATCH + i + 1,
    store_id: pusher.toString(16).padStart(16, '0'),
    session_hash: (pusher * 1e9 + Math.floor((batch * BATCH + i) / 20)).toString(16).padStart(32, '0'),
    // Sessions of 20 invocations over 6 skills, as a working session looks.
    skill_name: `skill-${(Math.floor(i / 20) * 3 + (i % 6) * 7 + pusher) % 40}`,
    invoked_minute: at,
    completed: i % 7 !== 0,
    duration_seconds: 1 + (i % 50),
    workflow_phase: 'execution',
    error_category: null,
  }));
}

/** One member's flood at the caps: every row a name of the flood, each session holding HOSTILE_SESSION_NAMES of them. */
function hostileRows(batch: number, at: string): SharedRow[] {
  return Array.from({ length: BATCH }, (_, i) => {
    const n = batch * BATCH + i;
    return {
      event_id: n + 1,
      store_id: 'f'.repeat(16),
      session_hash: Math.floor(n / HOSTILE_SESSION_NAMES).toString(16).padStart(32, '0'),
      skill_name: `flood-${n % HOSTILE_NAMES}`,
      invoked_minute: at,
      completed: true,
      duration_seconds: 1,
      workflow_phase: null,
      error_category: null,
    };
  });
}

async function hostile(pg: TestPostgres, owner: Client, mallory: { name: string; password: string }): Promise<number> {
  const client = await pg.connect(mallory.name, mallory.password, 'team');
  const now = `${new Date().toISOString().slice(0, 16)}:00.000Z`;
  try {
    await client.query('SELECT session_buddy.ensure_month($1)', [now]);
    for (let b = 0; b < HOSTILE_ROWS / BATCH; b++) await insertRows(client, hostileRows(b, now));
  } finally {
    await client.end();
  }
  return seconds(() => refreshUntilDone(owner));
}

/** 8 members push `total` events at once in 1,000-row batches; returns events per second. */
async function ingest(pg: TestPostgres, pushers: { name: string; password: string }[], total: number, firstBatch: number): Promise<number> {
  const clients = await Promise.all(pushers.map((p) => pg.connect(p.name, p.password, 'team')));
  const perPusher = Math.ceil(total / BATCH / pushers.length);
  try {
    const elapsed = await seconds(() =>
      Promise.all(clients.map(async (client, p) => {
        for (let b = 0; b < perPusher; b++) await insertRows(client, batchRows(p, firstBatch + b, '2026-11-15T12:00:00.000Z'));
      })),
    );
    return (perPusher * pushers.length * BATCH) / elapsed;
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

async function medianMs(client: Client, sql: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const started = performance.now();
    await client.query(sql);
    times.push(performance.now() - started);
  }
  return median(times);
}

async function reads(pg: TestPostgres, member: { name: string; password: string }): Promise<{ similar: number; baselines: number }> {
  const client = await pg.connect(member.name, member.password, 'team');
  try {
    return {
      similar: await medianMs(client, 'SELECT * FROM session_buddy.similar_members(10)'),
      baselines: await medianMs(client, 'SELECT * FROM session_buddy.team_baselines()'),
    };
  } finally {
    await client.end();
  }
}

async function runScale(scale: Scale): Promise<{ result: Result; hostile: HostileResult }> {
  const pg = await startPostgres({ settings: [['fsync', 'on'], ['synchronous_commit', 'on'], ['full_page_writes', 'on'], ['shared_buffers', '256MB'], ['max_wal_size', '4GB']] });
  try {
    await pg.createDatabase('team');
    const ownerServer = parseTeamServer(pg.url(pg.superuser, 'team'), pg.superuserPassword);
    await initTeam(ownerServer);
    const pushers = await Promise.all(Array.from({ length: PUSHERS }, (_, i) => addMember(ownerServer, `pusher${i}`).then((m) => ({ name: m.member, password: m.password }))));
    const mallory = await addMember(ownerServer, 'mallory').then((m) => ({ name: m.member, password: m.password }));
    const owner = await pg.connect(pg.superuser, pg.superuserPassword, 'team');
    try {
      const refresh = () => refreshUntilDone(owner);
      const loadSeconds = await seconds(() => load(owner, scale));
      await owner.query('ANALYZE session_buddy.events');
      const firstRollup = await seconds(refresh);
      const rate = await ingest(pg, pushers, INGEST_EVENTS, 0);
      await refresh();
      await ingest(pg, pushers, INCREMENT, INGEST_EVENTS / BATCH);
      const rollup = await seconds(refresh);
      const honest = await reads(pg, pushers[0]);
      const size = await owner.query<{ bytes: string }>("SELECT sum(pg_total_relation_size(inhrelid))::bigint AS bytes FROM pg_inherits WHERE inhparent = 'session_buddy.events'::regclass");
      const result: Result = {
        events: scale.events,
        members: scale.members,
        load_seconds: round(loadSeconds, 1),
        first_rollup_seconds: round(firstRollup, 1),
        ingest_events_per_second: Math.round(rate),
        rollup_seconds_per_100k: round(rollup, 2),
        similar_members_ms: round(honest.similar, 1),
        baselines_ms: round(honest.baselines, 1),
        table_mb: round(Number(size.rows[0].bytes) / 1048576, 0),
      };
      const hostileFold = await hostile(pg, owner, mallory);
      await ingest(pg, pushers, INCREMENT, (INGEST_EVENTS + INCREMENT) / BATCH);
      const rollupBeside = await seconds(refresh);
      const beside = await reads(pg, pushers[0]);
      return {
        result,
        hostile: {
          events: scale.events,
          members: scale.members,
          hostile_rows: HOSTILE_ROWS,
          hostile_names: HOSTILE_NAMES,
          hostile_fold_seconds: round(hostileFold, 1),
          rollup_seconds_per_100k: round(rollupBeside, 2),
          similar_members_ms: round(beside.similar, 1),
          baselines_ms: round(beside.baselines, 1),
        },
      };
    } finally {
      await owner.end();
    }
  } finally {
    pg.stop();
  }
}

async function main(): Promise<void> {
  const results: Result[] = [];
  const hostileResults: HostileResult[] = [];
  for (const scale of parseScales(process.argv.slice(2))) {
    console.error(`team bench: ${scale.events} events, ${scale.members} members…`);
    const { result, hostile: beside } = await runScale(scale);
    results.push(result);
    hostileResults.push(beside);
  }
  printTable(results.map((r) => ({ ...r })));
  console.log('\nwith a hostile member at the caps (200,000 rows today, 2,000 distinct names):');
  printTable(hostileResults.map((r) => ({ ...r })));
  const goals = { ingest_events_per_second: '>= 40000', rollup_seconds_per_100k: '<= 2, also with a hostile member at the caps', similar_members_ms: '<= 50 at 10,000 members', baselines_ms: '<= 20' };
  console.log(`wrote ${writeResult('team', { pushers: PUSHERS, batch: BATCH, ingest_events: INGEST_EVENTS, goals, results, hostile: hostileResults })}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
