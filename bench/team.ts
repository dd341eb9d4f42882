// npm run bench -- team [events:members ...]   (default 1000000:1000 1000000:10000)
//
// On a throw-away PostgreSQL cluster (durable settings: fsync and synchronous_commit on), per scale:
// - load: the history is generated on the server (sessions of 20 events, 100 skills of falling
//   popularity, 4 months), then the first full roll-up;
// - ingest: 8 member logins push 1,000-row batches at once with the client's own INSERT … unnest;
// - the incremental roll-up of exactly 100,000 new events;
// - similar members and baselines as one of those members (median of 20 calls).
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

async function runScale(scale: Scale): Promise<Result> {
  const pg = await startPostgres({ settings: [['fsync', 'on'], ['synchronous_commit', 'on'], ['full_page_writes', 'on'], ['shared_buffers', '256MB'], ['max_wal_size', '4GB']] });
  try {
    await pg.createDatabase('team');
    const ownerServer = parseTeamServer(pg.url(pg.superuser, 'team'), pg.superuserPassword);
    await initTeam(ownerServer);
    const pushers = await Promise.all(Array.from({ length: PUSHERS }, (_, i) => addMember(ownerServer, `pusher${i}`).then((m) => ({ name: m.member, password: m.password }))));
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
      const member = await pg.connect(pushers[0].name, pushers[0].password, 'team');
      let similar: number;
      let baselines: number;
      try {
        similar = await medianMs(member, 'SELECT * FROM session_buddy.similar_members(10)');
        baselines = await medianMs(member, 'SELECT * FROM session_buddy.team_baselines()');
      } finally {
        await member.end();
      }
      const size = await owner.query<{ bytes: string }>("SELECT sum(pg_total_relation_size(inhrelid))::bigint AS bytes FROM pg_inherits WHERE inhparent = 'session_buddy.events'::regclass");
      return {
        events: scale.events,
        members: scale.members,
        load_seconds: round(loadSeconds, 1),
        first_rollup_seconds: round(firstRollup, 1),
        ingest_events_per_second: Math.round(rate),
        rollup_seconds_per_100k: round(rollup, 2),
        similar_members_ms: round(similar, 1),
        baselines_ms: round(baselines, 1),
        table_mb: round(Number(size.rows[0].bytes) / 1048576, 0),
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
  for (const scale of parseScales(process.argv.slice(2))) {
    console.error(`team bench: ${scale.events} events, ${scale.members} members…`);
    results.push(await runScale(scale));
  }
  printTable(results.map((r) => ({ ...r })));
  const goals = { ingest_events_per_second: '>= 40000', rollup_seconds_per_100k: '<= 2', similar_members_ms: '<= 50 at 10,000 members', baselines_ms: '<= 20' };
  console.log(`wrote ${writeResult('team', { pushers: PUSHERS, batch: BATCH, ingest_events: INGEST_EVENTS, goals, results })}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
