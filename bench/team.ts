// npm run bench -- team [events:members ...] [--push 1000000]   (default 1000000:1000 1000000:10000 --push 1000000;
// scales alone skip the push, --push alone skips the scales)
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
// - push: a Python-tool database of that many runs imported through the log into a new store, then
//   `team push` of all of them at once (the owner raised the member's daily quota to take them),
//   then a second push that finds nothing left.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from 'pg';
import { importSessionBuddy } from '../src/core/importer/sessionBuddyImport';
import { SkillStore } from '../src/core/store/store';
import { addMember, initTeam } from '../src/core/team/admin';
import { parseTeamServer } from '../src/core/team/connection';
import { insertRows, pushToTeam, refreshUntilDone } from '../src/core/team/push';
import type { SharedRow } from '../src/core/team/shared';
import { ANCHOR_ROWS } from '../test/helpers/anchor';
import { startPostgres, type TestPostgres } from '../test/helpers/postgres';
import { MIGRATIONS, median, mib, printTable, pythonToolDatabase, round, writeResult } from './common';

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

interface PushBench {
  runs: number;
  import_seconds: number;
  push_seconds: number;
  runs_per_second: number;
  batches: number;
  on_server: number;
  second_push_seconds: number;
  second_push_sent: number;
  rss_growth_during_push_mib: number;
}

const DURABLE: [string, string][] = [['fsync', 'on'], ['synchronous_commit', 'on'], ['full_page_writes', 'on'], ['shared_buffers', '256MB'], ['max_wal_size', '4GB']];

function parseArgs(args: string[]): { scales: Scale[]; pushes: number[] } {
  const at = args.indexOf('--push');
  const pushes = at < 0 ? [] : (args[at + 1] ?? '').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
  if (at >= 0 && pushes.length === 0) throw new Error(`--push takes a list of run counts, e.g. --push 1000000, not "${args[at + 1] ?? ''}"`);
  const positional = at < 0 ? args : [...args.slice(0, at), ...args.slice(at + 2)];
  if (args.length === 0) return { scales: parseScales(['1000000:1000', '1000000:10000']), pushes: [1_000_000] };
  return { scales: parseScales(positional), pushes };
}

function parseScales(given: string[]): Scale[] {
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
  const pg = await startPostgres({ settings: DURABLE });
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

/** Imports `runs` Python-tool runs into a new store through the log, then pushes them all to a new team. */
async function measurePush(runs: number): Promise<PushBench> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-push-'));
  const pg = await startPostgres({ settings: DURABLE });
  try {
    const source = pythonToolDatabase(dir, runs);
    const store = await SkillStore.open({ path: path.join(dir, 'skills.db'), pollMs: 0, migrationsDir: MIGRATIONS });
    try {
      const importSeconds = await seconds(() => importSessionBuddy(store, source, 'bench-user'));
      await pg.createDatabase('team');
      const ownerServer = parseTeamServer(pg.url(pg.superuser, 'team'), pg.superuserPassword);
      await initTeam(ownerServer);
      const member = await addMember(ownerServer, 'importer');
      const owner = await pg.connect(pg.superuser, pg.superuserPassword, 'team');
      try {
        await owner.query("UPDATE session_buddy.settings SET value = $1 WHERE key = 'member_rows_per_day'", [String(2 * (runs + ANCHOR_ROWS))]);
        const server = parseTeamServer(pg.url(member.member, 'team'), member.password);
        const rssBefore = process.memoryUsage().rss;
        let rssPeak = rssBefore;
        let reported = 0;
        const onBatch = (p: { sent: number; total: number }) => {
          rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
          if (p.sent - reported >= 100_000) console.error(`  pushed ${(reported = p.sent)} of ${p.total}…`);
        };
        let first = { sent: 0, batches: 0 };
        const pushSeconds = await seconds(async () => (first = await pushToTeam(store, server, { onBatch })));
        let second = { sent: 0 };
        const secondSeconds = await seconds(async () => (second = await pushToTeam(store, server)));
        const onServer = await owner.query<{ n: string }>('SELECT count(*) AS n FROM session_buddy.events WHERE member = $1', [member.member]);
        return {
          runs: first.sent,
          import_seconds: round(importSeconds, 1),
          push_seconds: round(pushSeconds, 1),
          runs_per_second: Math.round(first.sent / pushSeconds),
          batches: first.batches,
          on_server: Number(onServer.rows[0].n),
          second_push_seconds: round(secondSeconds, 2),
          second_push_sent: second.sent,
          rss_growth_during_push_mib: mib(rssPeak - rssBefore),
        };
      } finally {
        await owner.end();
      }
    } finally {
      await store.close({ snapshot: false });
    }
  } finally {
    pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { scales, pushes } = parseArgs(process.argv.slice(2));
  const results: Result[] = [];
  const hostileResults: HostileResult[] = [];
  for (const scale of scales) {
    console.error(`team bench: ${scale.events} events, ${scale.members} members…`);
    const { result, hostile: beside } = await runScale(scale);
    results.push(result);
    hostileResults.push(beside);
  }
  if (results.length) {
    printTable(results.map((r) => ({ ...r })));
    console.log('\nwith a hostile member at the caps (200,000 rows today, 2,000 distinct names):');
    printTable(hostileResults.map((r) => ({ ...r })));
  }
  const pushResults: PushBench[] = [];
  for (const runs of pushes) {
    console.error(`team bench: import ${runs} runs through the log, then push them all…`);
    pushResults.push(await measurePush(runs));
  }
  if (pushResults.length) {
    console.log('\nteam push of a store whose runs were all imported through the log, none pushed yet:');
    printTable(pushResults.map((r) => ({ ...r })));
  }
  const goals = { ingest_events_per_second: '>= 40000', rollup_seconds_per_100k: '<= 2, also with a hostile member at the caps', similar_members_ms: '<= 50 at 10,000 members', baselines_ms: '<= 20', push: 'every imported run on the server once; a second push sends none' };
  console.log(`wrote ${writeResult('team', { pushers: PUSHERS, batch: BATCH, ingest_events: INGEST_EVENTS, goals, results, hostile: hostileResults, push: pushResults })}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
