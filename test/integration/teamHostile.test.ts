import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'pg';
import { formatPush } from '../../src/cli/commands/team';
import { addMember, initTeam } from '../../src/core/team/admin';
import { parseTeamServer } from '../../src/core/team/connection';
import { pushToTeam, refreshUntilDone } from '../../src/core/team/push';
import { discoverServerMigrations, migrateServer } from '../../src/core/team/serverSchema';
import { postgresSkip, startPostgres, type TestPostgres } from '../helpers/postgres';
import { plant, tempStore } from '../helpers/store';
import { createTeam, type TestTeam } from '../helpers/team';

/**
 * A member who attacks the team store with nothing but their own login and SQL (what psql gives
 * them), and honest members beside them. Every attack must be refused by the server itself, and
 * the honest members' roll-ups must go on as if the attacker were not there.
 */
const HEX = (n: number) => n.toString(16).padStart(32, '0');
const TODAY = () => `${new Date().toISOString().slice(0, 10)}T09:00:00.000Z`;

interface Refused {
  code?: string;
  message: string;
}

describe('a hostile member against the team store', postgresSkip(), () => {
  let pg: TestPostgres;
  let team: TestTeam;
  let owned: Client;
  let passwords: Map<string, string>;

  before(async () => {
    pg = await startPostgres();
    team = await createTeam(pg, 'team', ['alice', 'bob', 'carol', 'mallory']);
    ({ owned, passwords } = team);
  });

  after(async () => {
    await owned?.end();
    pg?.stop();
  });

  async function as<T>(member: string, work: (client: Client) => Promise<T>, database = 'team'): Promise<T> {
    const client = await pg.connect(member, passwords.get(member)!, database);
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  const server = (member: string, database = 'team') => parseTeamServer(pg.url(member, database), passwords.get(member));
  const count = async (sql: string, params: unknown[] = []) => Number((await owned.query<{ n: string }>(sql, params)).rows[0].n);

  /** One row as a member would insert it by hand; `values` overrides any column. */
  function insertOne(client: Client, values: Record<string, unknown>): Promise<unknown> {
    const row = { event_id: 1, session_hash: HEX(1), skill_name: 'lint', invoked_minute: TODAY(), completed: true, duration_seconds: 1, workflow_phase: null, error_category: null, ...values };
    const columns = Object.keys(row);
    return client.query(`INSERT INTO session_buddy.events (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, Object.values(row));
  }

  async function honestPush(member: string, runs: number, database = 'team'): Promise<void> {
    const local = await tempStore();
    try {
      await plant(local.store, Array.from({ length: runs }, (_, i) => ({ skill: i % 2 ? 'lint' : 'test', session: `${member}-s`, user: member, at: TODAY(), duration: 2 })));
      await pushToTeam(local.store, server(member, database));
    } finally {
      await local.close();
    }
  }

  test('NaN, infinite, negative and absurd durations, future or unrounded times, bad names and unknown phases are refused, whoever inserts them', async () => {
    const soon = new Date(Date.now() + 20 * 86_400_000);
    await owned.query('SELECT session_buddy.ensure_month($1)', [soon.toISOString()]);
    const attacks: [string, Record<string, unknown>][] = [
      ['NaN duration', { duration_seconds: 'NaN' }],
      ['infinite duration', { duration_seconds: 'Infinity' }],
      ['1e308 s', { duration_seconds: 1e308 }],
      ['negative duration', { duration_seconds: -1 }],
      ['31 days', { duration_seconds: 31 * 86_400 }],
      ['20 days ahead', { invoked_minute: `${soon.toISOString().slice(0, 16)}:00Z` }],
      ['before 2000', { invoked_minute: '1999-12-31T23:59:00Z' }],
      ['seconds in the minute', { invoked_minute: TODAY().replace(':00.000Z', ':30.000Z') }],
      ['201-character name', { skill_name: 'x'.repeat(201) }],
      ['empty name', { skill_name: '' }],
      ['control character', { skill_name: 'lint\nrm -rf' }],
      ['padded name', { skill_name: ' lint' }],
      ['unknown phase', { workflow_phase: 'exfiltration' }],
      ['error text', { error_category: '/home/alice/secret.ts: boom' }],
      ['session id in clear', { session_hash: 'alice-laptop-session-1' }],
      ['event id 0', { event_id: 0 }],
      ['event id past 2^53', { event_id: '9007199254740993' }],
    ];
    for (const [what, values] of attacks) {
      for (const who of ['mallory', 'owner']) {
        const attempt = who === 'owner' ? insertOne(owned, { ...values, event_id: values.event_id ?? 7 }) : as('mallory', (c) => insertOne(c, values));
        await assert.rejects(attempt, (e: Refused) => e.code === '23514', `${what} by ${who} is refused as a check violation`);
      }
    }
    await as('mallory', (c) => assert.rejects(c.query('SET session_replication_role = replica'), (e: Refused) => e.code === '42501', 'triggers cannot be switched off'));
    assert.equal(await count('SELECT count(*) AS n FROM session_buddy.events'), 0, 'nothing got in');

    await honestPush('alice', 6);
    await honestPush('bob', 4);
    assert.doesNotMatch(await refreshUntilDone(owned), /failed/);
    assert.equal(await count('SELECT sum(runs) AS n FROM session_buddy.skill_totals'), 10, 'every honest run is folded');
  });

  test('a team poisoned before the upgrade: team init moves the impossible rows aside and the roll-ups fold the rest', async () => {
    await pg.createDatabase('poisoned');
    const poisoned = parseTeamServer(pg.url(pg.superuser, 'poisoned'), pg.superuserPassword);
    const client = await pg.connect(pg.superuser, pg.superuserPassword, 'poisoned');
    try {
      await migrateServer(client, discoverServerMigrations().filter((m) => m.number === 1));
      await client.query('SELECT session_buddy.ensure_month($1)', [TODAY()]);
      await client.query(
        `INSERT INTO session_buddy.events (event_id, member, session_hash, skill_name, invoked_minute, completed, duration_seconds)
         SELECT g, 'm' || (g % 4), md5(g::text), 'lint', $1, true, CASE g WHEN 1 THEN 'NaN'::float8 WHEN 2 THEN 1e308 WHEN 3 THEN 1e308 ELSE 2 END
         FROM generate_series(1, 10) g`,
        [TODAY()],
      );
      await assert.rejects(refreshUntilDone(client), 'P1 cannot fold these rows');
      const init = await initTeam(poisoned);
      assert.match(init.rollups, /folded 7 event\(s\)/);
      const aside = await client.query<{ n: string }>('SELECT count(*) AS n FROM session_buddy.events_refused');
      assert.equal(Number(aside.rows[0].n), 3, 'the three impossible rows are kept aside for the owner, not lost');
      const totals = await client.query<{ runs: string }>("SELECT runs FROM session_buddy.skill_totals WHERE skill_name = 'lint'");
      assert.equal(Number(totals.rows[0].runs), 7);
    } finally {
      await client.end();
    }
  });

  test('the name flood is refused at the cap of distinct skill names, with a message that says so', async () => {
    assert.equal(await team.setting('member_skill_names'), 2000, 'the documented default');
    // Each session holds `perSession` of the names (one session of thousands would make every pair).
    const flood = (from: number, n: number, perSession: number) =>
      as('mallory', (c) =>
        c.query(
          `INSERT INTO session_buddy.events (event_id, session_hash, skill_name, invoked_minute, completed, duration_seconds)
           SELECT 1000 + g, lpad(to_hex(g / $4::int), 32, '0'), 'flood-' || g, $3, true, 1 FROM generate_series($1::int, $1::int + $2::int - 1) g`,
          [from, n, TODAY(), perSession],
        ),
      );
    await assert.rejects(flood(0, 5000, 20), (e: Refused) => e.code === '54000' && /2000 distinct skill names/.test(e.message), 'one statement past the cap');
    await flood(0, 2000, 100);
    await assert.rejects(flood(2000, 1, 1), (e: Refused) => e.code === '54000' && /mallory/.test(e.message));
    assert.equal(await count("SELECT count(DISTINCT skill_name) AS n FROM session_buddy.events WHERE member = 'mallory'"), 2000);

    // Mallory at the cap, sessions of 100 names each: the honest members' next fold is as quick as
    // ever, and her names take no room in the others' similarity bit strings.
    assert.doesNotMatch(await refreshUntilDone(owned), /failed/);
    await honestPush('carol', 2);
    const started = performance.now();
    assert.match(await refreshUntilDone(owned), /^folded 2 event\(s\)$/);
    const seconds = (performance.now() - started) / 1000;
    assert.ok(seconds < 2, `folding 2 honest events took ${seconds.toFixed(2)} s`);
    const widest = await count('SELECT max(length(bits)) AS n FROM session_buddy.member_bits');
    assert.ok(widest <= 64, `the bit strings are ${widest} bits wide: only skills two members share take a bit`);
    const perSession = await team.setting('session_pair_skills');
    const pairs = await count("SELECT count(*) AS n FROM session_buddy.skill_pairs WHERE skill_a LIKE 'flood-%'");
    assert.ok(perSession < 100 && pairs <= (20 * perSession * (perSession - 1)) / 2, `co-occurrence counts the first ${perSession} skills of a session (${pairs} pairs)`);
  });

  test("P2's down leaves a working P1 store with every row, and up again holds", async () => {
    await pg.createDatabase('roundtrip');
    const roundtrip = parseTeamServer(pg.url(pg.superuser, 'roundtrip'), pg.superuserPassword);
    await initTeam(roundtrip);
    passwords.set('alice', (await addMember(roundtrip, 'alice')).password);
    await honestPush('alice', 4, 'roundtrip');
    const client = await pg.connect(pg.superuser, pg.superuserPassword, 'roundtrip');
    try {
      const p2 = discoverServerMigrations().find((m) => m.number === 2)!;
      await client.query('BEGIN');
      await client.query(fs.readFileSync(p2.downPath, 'utf8'));
      await client.query('DELETE FROM session_buddy.schema_migrations WHERE version = 2');
      await client.query('COMMIT');
      assert.match((await client.query<{ r: string }>("SELECT session_buddy.refresh_rollups('0') AS r")).rows[0].r, /^folded 4 event\(s\)$/, 'P1 folds again');
      const init = await initTeam(roundtrip);
      assert.deepEqual(init.applied, ['P2']);
      assert.match(init.rollups, /^folded 4 event\(s\)$/);
      const totals = await client.query<{ runs: string }>("SELECT sum(runs) AS runs FROM session_buddy.skill_totals");
      assert.equal(Number(totals.rows[0].runs), 4);
    } finally {
      await client.end();
    }
  });

  test("a member's rows per day are capped; team push sends up to the cap and says how many it held back and why", async () => {
    assert.equal(await team.setting('member_rows_per_day'), 200_000, 'the documented default');
    await owned.query("UPDATE session_buddy.settings SET value = '2100' WHERE key = 'member_rows_per_day'");
    try {
      const local = await tempStore();
      try {
        // Mallory inserted 2,000 rows today already (the flood above); 250 more runs of a skill she has wait.
        await plant(local.store, Array.from({ length: 250 }, (_, i) => ({ skill: 'flood-1', session: 'm-s', user: 'mallory', at: TODAY(), duration: i + 1 })));
        const pushed = await pushToTeam(local.store, server('mallory'));
        assert.equal(pushed.sent, 100);
        assert.deepEqual(pushed.held_back, [{ count: 150, reason: "the team's quota of 2100 rows per member per day is reached; the next push after 00:00 UTC sends them" }]);
        assert.match(formatPush(pushed), /^Pushed 100 invocations in 1 batch, 100 new to the server; roll-ups: [^\n]+\.\nHeld back 150 invocations: the team's quota of 2100 rows per member per day is reached; the next push after 00:00 UTC sends them\.\n$/);
        await assert.rejects(as('mallory', (c) => insertOne(c, { event_id: 99_999, skill_name: 'flood-1' })), (e: Refused) => e.code === '54000' && /2100 rows per member per day/.test(e.message));
      } finally {
        await local.close();
      }
    } finally {
      await owned.query("UPDATE session_buddy.settings SET value = '200000' WHERE key = 'member_rows_per_day'");
    }
  });

  test("forget_me is rate-limited, and a member who leaves never stops the others' roll-ups", async () => {
    await as('bob', (c) => c.query('SELECT session_buddy.forget_me()'));
    await assert.rejects(as('bob', (c) => c.query('SELECT session_buddy.forget_me()')), (e: Refused) => e.code === '54000' && /once per/.test(e.message));
    await honestPush('alice', 2);
    // A minute after the last fold (members fold at most once a minute):
    await owned.query("UPDATE session_buddy.rollup_state SET refreshed_at = now() - interval '1 hour'");
    const outcome = await as('alice', (c) => c.query<{ r: string }>("SELECT session_buddy.refresh_rollups('0') AS r"));
    assert.match(outcome.rows[0].r, /^folded \d+ event\(s\); a rebuild is pending/, 'members go on folding while the owner has yet to rebuild');
  });

  test('a roll-up that fails says so, and the next one resumes where it stopped', async () => {
    await refreshUntilDone(owned);
    await honestPush('carol', 3);
    const before = await count("SELECT runs AS n FROM session_buddy.skill_totals WHERE skill_name = 'lint'");
    await owned.query('ALTER TABLE session_buddy.skill_pairs RENAME TO skill_pairs_moved');
    let failed: string;
    try {
      failed = (await owned.query<{ r: string }>("SELECT session_buddy.refresh_rollups('0') AS r")).rows[0].r;
    } finally {
      await owned.query('ALTER TABLE session_buddy.skill_pairs_moved RENAME TO skill_pairs');
    }
    assert.match(failed, /^failed: .*skill_pairs/);
    const state = await owned.query<{ last_error: string | null }>('SELECT last_error FROM session_buddy.rollup_state');
    assert.match(state.rows[0].last_error ?? '', /skill_pairs/, 'kept for team status');
    assert.equal(await count("SELECT runs AS n FROM session_buddy.skill_totals WHERE skill_name = 'lint'"), before, 'nothing half-folded');
    assert.match(await refreshUntilDone(owned), /^folded 3 event\(s\)$/);
    assert.equal(await count("SELECT runs AS n FROM session_buddy.skill_totals WHERE skill_name = 'lint'"), before + 1);
  });
});

/**
 * k − 1 colluders against the k-th member (k = 3). Carol and Dan collude; Tess is their target.
 * Two worlds differ only in how Tess and Uma split their runs of `secret-tool`: in world A Tess ran
 * it 4 times and completed every run, Uma once and failed; in world B the other way round.
 *
 * While only Tess, Carol and Dan have data, every cell counts at most 2 members other than a
 * colluder: nothing at all is released to them, before or after their own pushes. Once Uma joins,
 * cells count 3 others and are released, and the colluders can subtract themselves: they learn
 * what Tess and Uma did together, which is what k = 3 allows. Everything they read is the same in
 * both worlds (pseudonyms aside, which are unlinkable), so they cannot tell Tess's runs from Uma's.
 */
describe('k − 1 colluders cannot isolate the k-th member', postgresSkip(), () => {
  let pg: TestPostgres;
  const passwords = new Map<string, string>();
  const DAY = '2026-11-20T';

  const runs = {
    carol: [{ skill: 'lint', min: 1 }, { skill: 'secret-tool', min: 2, duration: 7 }, { skill: 'secret-tool', min: 3, completed: false, duration: 1 }],
    dan: [{ skill: 'lint', min: 4 }, { skill: 'secret-tool', min: 5, duration: 9 }],
    many: [{ skill: 'lint', min: 6 }, ...[7, 8, 9, 10].map((min) => ({ skill: 'secret-tool', min, duration: 10 }))],
    one: [{ skill: 'lint', min: 6 }, { skill: 'secret-tool', min: 7, completed: false, duration: 5 }],
  };
  type Run = { skill: string; min: number; completed?: boolean; duration?: number };

  before(async () => {
    pg = await startPostgres();
    for (const world of ['world_a', 'world_b']) {
      await pg.createDatabase(world);
      const owner = parseTeamServer(pg.url(pg.superuser, world), pg.superuserPassword);
      await initTeam(owner);
      // Roles belong to the cluster: adding a member to the second world resets the password, which both then use.
      for (const member of ['tess', 'carol', 'dan', 'uma']) passwords.set(member, (await addMember(owner, member)).password);
    }
  });

  after(() => pg?.stop());

  async function push(world: string, member: string, planted: Run[]): Promise<void> {
    const local = await tempStore();
    try {
      await plant(local.store, planted.map((r) => ({ skill: r.skill, session: `${member}-s`, user: member, at: `${DAY}10:${String(r.min).padStart(2, '0')}:00.000Z`, completed: r.completed, duration: r.duration ?? 2 })));
      await pushToTeam(local.store, parseTeamServer(pg.url(member, world), passwords.get(member)));
    } finally {
      await local.close();
    }
    const owner = await pg.connect(pg.superuser, pg.superuserPassword, world);
    try {
      await refreshUntilDone(owner);
    } finally {
      await owner.end();
    }
  }

  /** Everything a member can read, with pseudonyms replaced by what they stand for (an unlinkable label). */
  async function everything(world: string, member: string): Promise<string> {
    const client = await pg.connect(member, passwords.get(member)!, world);
    try {
      const read = async (sql: string) => (await client.query(sql)).rows as Record<string, unknown>[];
      const neighbours = await read('SELECT * FROM session_buddy.similar_members(100)');
      const skills = await read('SELECT * FROM session_buddy.similar_member_skills(100)');
      const profiles = neighbours
        .map((n) => JSON.stringify({ ...n, member_pseudonym: undefined, skills: skills.filter((s) => s.member_pseudonym === n.member_pseudonym).map((s) => ({ ...s, member_pseudonym: undefined })) }))
        .sort();
      return JSON.stringify({
        baselines: await read('SELECT * FROM session_buddy.team_baselines()'),
        completion: await read('SELECT * FROM session_buddy.team_skill_completion ORDER BY skill_name'),
        days: await read('SELECT * FROM session_buddy.team_skill_days ORDER BY skill_name, day'),
        adoption: await read('SELECT * FROM session_buddy.team_adoption ORDER BY skill_name, day'),
        dependencies: await read('SELECT * FROM session_buddy.team_dependencies(1)'),
        profiles,
      });
    } finally {
      await client.end();
    }
  }

  const nothing = JSON.stringify({ baselines: [], completion: [], days: [], adoption: [], dependencies: [], profiles: [] });

  test('with the target alone beside them, the colluders read nothing, before and after their own pushes', async () => {
    await push('world_a', 'tess', runs.many);
    await push('world_b', 'tess', runs.one);
    for (const world of ['world_a', 'world_b']) {
      await push(world, 'carol', runs.carol);
      await push(world, 'dan', runs.dan);
      for (const colluder of ['carol', 'dan']) assert.equal(await everything(world, colluder), nothing, `${colluder} in ${world}`);
      await push(world, 'carol', [{ skill: 'secret-tool', min: 30, duration: 3 }]);
      assert.equal(await everything(world, 'carol'), nothing, 'her own push releases nothing either');
    }
  });

  test('once a fourth member joins, they learn what the two others did together, never which of them did what', async () => {
    await push('world_a', 'uma', runs.one);
    await push('world_b', 'uma', runs.many);
    for (const colluder of ['carol', 'dan']) {
      const a = await everything('world_a', colluder);
      assert.match(a, /secret-tool/, 'released now: 3 members other than the reader');
      assert.equal(a, await everything('world_b', colluder), `${colluder} reads the same in both worlds`);
    }
  });
});
