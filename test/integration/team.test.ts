import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'pg';
import { recommendFromSimilarUsers } from '../../src/core/analytics/collaborative';
import { getCommunityBaselines } from '../../src/core/analytics/baselines';
import { collaborativeCandidates } from '../../src/core/recommend/sources';
import { addMember, initTeam, leaveTeam } from '../../src/core/team/admin';
import { parseTeamServer, type TeamServer } from '../../src/core/team/connection';
import { pullFromTeam, readAggregates, type TeamAggregates } from '../../src/core/team/pull';
import { pushToTeam, refreshUntilDone } from '../../src/core/team/push';
import { pendingRows } from '../../src/core/team/shared';
import { readTeamInfo } from '../../src/core/team/teamInfo';
import { postgresSkip, startPostgres, type TestPostgres } from '../helpers/postgres';
import { runCliInProcess } from '../helpers/cli';
import { plant, tempStore, type PlantedInvocation } from '../helpers/store';
import type { Store } from '../../src/core/store/storeInterface';

/**
 * The team store against a real PostgreSQL: five members, k = 3. The planted history and every
 * expected value below are worked out by hand in the comments (never by the code under test).
 *
 *   alice  s1: lint ✗ (fails), lint 10 s, test 20 s, format 5 s     s2: lint 10 s, lint 10 s, test 20 s, build 30 s
 *   bob    s1: lint 20 s, lint 20 s, test 40 s, test ✗, deploy 50 s, format 5 s
 *   carol  s1: lint 30 s, lint 30 s, build 30 s, format 5 s         s2: build 30 s
 *   dave   s1: lint 10 s, build 30 s
 *   eve    s1: lint 10 s, build 30 s
 *
 * Members per skill: lint 5, build 4 (alice, carol, dave, eve), format 3 (alice, bob, carol),
 * test 2, deploy 1. A cell is released to a reader where it counts k = 3 members besides them:
 * dave sees lint, build and format; test and deploy are nobody's to see.
 */
const DAY = '2026-11-20T';
const RUNS: Record<string, Omit<PlantedInvocation, 'at'>[]> = {
  alice: [
    { skill: 'lint', session: 'a1', completed: false, duration: 3, error: '/home/alice/secret-project/x.ts: boom' },
    { skill: 'lint', session: 'a1', duration: 10 },
    { skill: 'test', session: 'a1', duration: 20 },
    { skill: 'format', session: 'a1', duration: 5 },
    { skill: 'lint', session: 'a2', duration: 10 },
    { skill: 'lint', session: 'a2', duration: 10 },
    { skill: 'test', session: 'a2', duration: 20 },
    { skill: 'build', session: 'a2', duration: 30 },
  ],
  bob: [
    { skill: 'lint', session: 'b1', duration: 20 },
    { skill: 'lint', session: 'b1', duration: 20 },
    { skill: 'test', session: 'b1', duration: 40 },
    { skill: 'test', session: 'b1', completed: false, duration: 2, error: 'AssertionError' },
    { skill: 'deploy', session: 'b1', duration: 50 },
    { skill: 'format', session: 'b1', duration: 5 },
  ],
  carol: [
    { skill: 'lint', session: 'c1', duration: 30 },
    { skill: 'lint', session: 'c1', duration: 30 },
    { skill: 'build', session: 'c1', duration: 30 },
    { skill: 'format', session: 'c1', duration: 5 },
    { skill: 'build', session: 'c2', duration: 30 },
  ],
  dave: [
    { skill: 'lint', session: 'd1', duration: 10 },
    { skill: 'build', session: 'd1', duration: 30 },
  ],
  eve: [
    { skill: 'lint', session: 'e1', duration: 10 },
    { skill: 'build', session: 'e1', duration: 30 },
  ],
};
const MEMBERS = Object.keys(RUNS);

/** Histogram quantiles are within 2.5 % of the exact value (20 logarithmic buckets per factor e). */
function near(actual: number | null, expected: number, what: string): void {
  assert.ok(actual !== null && Math.abs(actual - expected) <= expected * 0.026, `${what}: ${actual} is not within 2.6 % of ${expected}`);
}

describe('team store on PostgreSQL', postgresSkip(), () => {
  let pg: TestPostgres;
  let owner: TeamServer;
  let owned: Client;
  const servers = new Map<string, TeamServer>();
  const stores = new Map<string, { store: Store; dbPath: string; close(): Promise<void> }>();

  before(async () => {
    pg = await startPostgres();
    await pg.createDatabase('team');
    owner = parseTeamServer(pg.url(pg.superuser, 'team'), pg.superuserPassword);
    await initTeam(owner);
    owned = await pg.connect(pg.superuser, pg.superuserPassword, 'team');
    // Roll-ups fold 4 events per run here, so every figure below is also the sum of many small folds.
    await owned.query("UPDATE session_buddy.settings SET value = '4' WHERE key = 'rollup_chunk_events'");
    for (const member of MEMBERS) {
      const { password } = await addMember(owner, member);
      servers.set(member, parseTeamServer(pg.url(member, 'team'), password));
      const local = await tempStore();
      await plant(local.store, RUNS[member].map((r, i) => ({ ...r, user: `${member}-local`, at: `${DAY}10:0${i}:30.000Z` })));
      stores.set(member, local);
    }
  });

  after(async () => {
    for (const s of stores.values()) await s.close();
    await owned?.end();
    pg?.stop();
  });

  const store = (member: string) => stores.get(member)!.store;
  const server = (member: string) => servers.get(member)!;
  const forceRefresh = async () => assert.doesNotMatch(await refreshUntilDone(owned), /more pending/);
  async function asMember<T>(member: string, work: (client: Client) => Promise<T>): Promise<T> {
    const client = await pg.connect(member, server(member).password!, 'team');
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }
  const aggregatesOf = (member: string): Promise<TeamAggregates> => asMember(member, async (c) => readAggregates(c, (await readTeamInfo(c)).teamId));

  test('init is idempotent: a second run applies nothing', async () => {
    const again = await initTeam(owner);
    assert.deepEqual(again.applied, []);
    assert.equal(again.schema, 'P2');
    assert.equal(again.min_members, 3);
  });

  test('an owner that is no superuser (CREATEROLE, owns the database) sets up a team of its own', async () => {
    await owned.query("CREATE ROLE teamowner LOGIN CREATEROLE PASSWORD 'owner-pw'");
    await owned.query('CREATE DATABASE team2 OWNER teamowner');
    const second = parseTeamServer(pg.url('teamowner', 'team2'), 'owner-pw');
    assert.equal((await initTeam(second)).schema, 'P2');
    const { password } = await addMember(second, 'zed');
    const zed = await tempStore();
    try {
      await plant(zed.store, [{ skill: 'lint', at: `${DAY}08:00:00.000Z` }]);
      const pushed = await pushToTeam(zed.store, parseTeamServer(pg.url('zed', 'team2'), password));
      assert.equal(pushed.inserted, 1);
    } finally {
      await zed.close();
    }
  });

  test('the preview is exactly what a push sends, and carries no error text, paths or raw session ids', async () => {
    const keys = await asMember('alice', readTeamInfo);
    const rows = pendingRows(store('alice'), keys);
    assert.equal(rows.length, 8);
    assert.deepEqual(Object.keys(rows[0]).sort(), ['completed', 'duration_seconds', 'error_category', 'event_id', 'invoked_minute', 'session_hash', 'skill_name', 'store_id', 'workflow_phase']);
    assert.match(rows[0].store_id, /^[0-9a-f]{16}$/);
    assert.equal(rows[0].invoked_minute, `${DAY}10:00:00.000Z`, 'truncated to the minute');
    assert.equal(rows[0].error_category, 'other', 'a message with a path is not a category');
    assert.ok(!JSON.stringify(rows).includes('secret-project'));
    assert.ok(!rows.some((r) => r.session_hash === 'a1' || r.session_hash === 'a2'));
    assert.equal(new Set(rows.map((r) => r.session_hash)).size, 2, 'two sessions stay two');
  });

  test('three members push at once, a fourth reads the baselines and neighbours worked out by hand', async () => {
    const pushed = await Promise.all(['alice', 'bob', 'carol'].map((m) => pushToTeam(store(m), server(m))));
    assert.deepEqual(pushed.map((p) => p.inserted), [8, 6, 5]);
    for (const m of ['dave', 'eve']) await pushToTeam(store(m), server(m));
    await forceRefresh();
    const dave = await aggregatesOf('dave');

    // Only skills with 3 members besides dave: test (2) and deploy (1) are absent.
    assert.deepEqual(dave.baselines.map((b) => b.skill_name), ['build', 'format', 'lint']);
    const lint = dave.baselines.find((b) => b.skill_name === 'lint')!;
    // lint: alice 4 runs (one failed), bob 2, carol 2, dave 1, eve 1 = 10 runs, 9 completed.
    assert.equal(lint.members, 5);
    assert.equal(lint.runs, 10);
    assert.equal(lint.completion_rate, 9 / 10);
    // Completed durations 10 10 10 10 10 20 20 30 30: the median (5th of 9) is 10, the p90 (9th) 30.
    near(lint.median_seconds, 10, 'lint median');
    near(lint.p90_seconds, 30, 'lint p90');
    // Dave completes 1/1; alice 3/4, bob, carol and eve 1: all four others are at most dave's rate.
    assert.equal(lint.my_percentile, 100);
    const build = dave.baselines.find((b) => b.skill_name === 'build')!;
    // build: alice 1, carol 2, dave 1, eve 1, all completed.
    assert.deepEqual([build.members, build.runs, build.completion_rate], [4, 5, 1]);
    near(build.median_seconds, 30, 'build median');

    // Dave's completed set {lint, build}. eve the same: 1; carol {lint, build, format}: 2/3; alice
    // {lint, test, format, build}: 2/4; bob {lint, test, deploy, format}: 1/5.
    assert.deepEqual(dave.similar_members.map((m) => [m.similarity, m.common_skills, m.skill_count]), [[1, 2, 2], [2 / 3, 2, 3], [0.5, 2, 4], [0.2, 1, 4]]);
    assert.ok(dave.similar_members.every((m) => /^[0-9a-f]{64}$/.test(m.member_pseudonym)), 'pseudonyms, not names');
    // Neighbours' totals only for the skills released to dave: nobody's test or deploy leaves the server.
    assert.deepEqual([...new Set(dave.neighbour_skills.map((s) => s.skill_name))].sort(), ['build', 'format', 'lint']);

    // Sessions: a1 {lint, test, format}, a2 {lint, test, build}, b1 {lint, test, deploy, format},
    // c1 {lint, build, format}, c2 {build}, d1 {lint, build}, e1 {lint, build}: N = 7, n(lint) = 6,
    // n(build) = 5, n(format) = 3. build∧lint in a2, c1, d1, e1 = 4 (4 members) → lift
    // 4·7/(5·6) = 14/15; format∧lint in a1, b1, c1 = 3 (alice, bob, carol) → 3·7/(3·6) = 7/6;
    // build∧format only in c1 (below 2 sessions); lint∧test in a1, a2, b1, but of 2 members only.
    const lift = Object.fromEntries(dave.dependencies.map((d) => [`${d.skill_a}+${d.skill_b}`, [d.co_occurrence_count, d.lift_score]]));
    assert.deepEqual(Object.keys(lift).sort(), ['build+lint', 'format+lint']);
    assert.equal(lift['build+lint'][0], 4);
    assert.ok(Math.abs(lift['build+lint'][1] - 14 / 15) < 1e-9);
    assert.ok(Math.abs(lift['format+lint'][1] - 7 / 6) < 1e-9);

    // Alice's percentile on lint: her 3/4 is below the four others' 1: 0.
    const alice = await aggregatesOf('alice');
    assert.equal(alice.baselines.find((b) => b.skill_name === 'lint')!.my_percentile, 0);
    // Format has 3 members, alice among them: only 2 besides her, so she does not see it.
    assert.deepEqual(alice.baselines.map((b) => b.skill_name), ['build', 'lint']);
  });

  test("pulled aggregates reach the local baselines and collaborative recommendations", async () => {
    await pullFromTeam(store('dave'), server('dave'));
    const baselines = getCommunityBaselines(store('dave'));
    const lint = baselines.find((b) => b.skill_name === 'lint')!;
    assert.deepEqual([lint.total_users, lint.total_invocations, lint.global_completion_rate], [5, 10, 9 / 10]);
    // format: carol and alice (dave's two nearest with 2 skills in common) complete it; dave never ran it.
    const recommended = recommendFromSimilarUsers(store('dave'), 'dave-local');
    assert.equal(recommended[0]?.skill_name, 'format');
    assert.equal(recommended[0]?.source, 'collaborative_filtering');
    // Bob shares only lint with dave among the visible skills (below the 2 common skills needed), so 2 neighbours.
    const [candidate] = collaborativeCandidates(store('dave'), 'dave-local', 1);
    assert.equal(candidate.reason, '2 teammates with a history like yours run it; they complete it 100% of the time.');
  });

  test('from the CLI: dave pulls, and baselines show and recommend-similar answer with his teammates', async () => {
    const saved = process.env.PGPASSWORD;
    process.env.PGPASSWORD = server('dave').password;
    try {
      const pull = await runCliInProcess(stores.get('dave')!.dbPath, ['team', 'pull', '--team-url', pg.url('dave', 'team')]);
      assert.equal(pull.code, 0, pull.err);
      assert.match(pull.out, /^Pulled 3 baselines, 4 similar members, 2 dependencies\.\n$/);
    } finally {
      if (saved === undefined) delete process.env.PGPASSWORD;
      else process.env.PGPASSWORD = saved;
    }
    const shown = await runCliInProcess(stores.get('dave')!.dbPath, ['baselines', 'show', '--json']);
    const lint = (JSON.parse(shown.out) as { baselines: { skill_name: string; total_users: number; total_invocations: number }[] }).baselines.find((b) => b.skill_name === 'lint')!;
    assert.deepEqual([lint.total_users, lint.total_invocations], [5, 10]);
    const similar = await runCliInProcess(stores.get('dave')!.dbPath, ['recommend-similar', '--user', 'dave-local', '--json']);
    assert.equal((JSON.parse(similar.out) as { recommendations: { skill_name: string }[] }).recommendations[0]?.skill_name, 'format');
  });

  test('a member reads only their own raw rows and cannot write as another member', async () => {
    await asMember('alice', async (alice) => {
      const own = await alice.query<{ n: string; members: string }>('SELECT count(*) AS n, count(DISTINCT member) AS members FROM session_buddy.events');
      assert.deepEqual([Number(own.rows[0].n), Number(own.rows[0].members)], [8, 1]);
      await assert.rejects(alice.query('SELECT * FROM session_buddy.member_skill'), (e: { code?: string; message: string }) => e.code === '42501' && /permission denied for table member_skill/.test(e.message));
      await assert.rejects(
        alice.query("INSERT INTO session_buddy.events (event_id, member, session_hash, skill_name, invoked_minute, completed) VALUES (1, 'bob', 'x', 'lint', '2026-11-20T10:00:00Z', true)"),
        (e: { code?: string; message: string }) => e.code === '42501' && /permission denied for table events/.test(e.message),
      );
      const partition = (await owned.query<{ name: string }>("SELECT inhrelid::regclass::text AS name FROM pg_inherits WHERE inhparent = 'session_buddy.events'::regclass LIMIT 1")).rows[0].name;
      await assert.rejects(alice.query(`SELECT count(*) FROM ${partition}`), (e: { code?: string }) => e.code === '42501');
      await assert.rejects(alice.query('SELECT * FROM session_buddy.private_settings'), (e: { code?: string }) => e.code === '42501');
    });
    // The owner sees that nothing of bob's changed.
    const bob = await owned.query<{ n: string }>("SELECT count(*) AS n FROM session_buddy.events WHERE member = 'bob'");
    assert.equal(Number(bob.rows[0].n), 6);
  });

  test('the owner lowers k to 2: test appears, deploy (1 member) stays hidden', async () => {
    await initTeam(owner, { minMembers: 2 });
    try {
      const names = (await aggregatesOf('dave')).baselines.map((b) => b.skill_name);
      assert.deepEqual(names, ['build', 'format', 'lint', 'test']);
    } finally {
      await initTeam(owner, { minMembers: 3 });
    }
  });

  test('server down, then up: the push retries with backoff and every event arrives once', async () => {
    await plant(store('bob'), Array.from({ length: 2500 }, (_, i) => ({ skill: 'lint', session: 'b-outage', user: 'bob-local', at: `2026-11-21T11:${String(i % 60).padStart(2, '0')}:00.000Z` })));
    pg.pause();
    let restarted = false;
    const pushing = pushToTeam(store('bob'), server('bob'), {
      retry: { retries: 20, baseMs: 100, maxMs: 400 },
      sleep: async (ms) => {
        await new Promise((r) => setTimeout(r, ms));
        if (!restarted) {
          restarted = true;
          pg.start();
        }
      },
    });
    const result = await pushing;
    await owned.end().catch(() => undefined);
    owned = await pg.connect(pg.superuser, pg.superuserPassword, 'team');
    assert.ok(result.retries >= 1, 'it had to retry');
    assert.equal(result.sent, 2500);
    const counts = await owned.query<{ n: string; ids: string }>("SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM session_buddy.events WHERE member = 'bob'");
    assert.deepEqual([Number(counts.rows[0].n), Number(counts.rows[0].ids)], [2506, 2506]);
  });

  test('wrong password, unknown host, a newer server schema, a password in the URL: one clear message each; local work goes on', async () => {
    const wrong = parseTeamServer(pg.url('alice', 'team'), 'not-the-password');
    await assert.rejects(pushToTeam(store('alice'), wrong), /^Error: wrong password for team member "alice" at 127\.0\.0\.1:\d+\/team \(set it in .*PGPASSWORD.*pgpass/);
    const nowhere = parseTeamServer('postgresql://alice@no-such-host.invalid:5432/team', 'x');
    await assert.rejects(pushToTeam(store('alice'), nowhere, { retry: { retries: 0, baseMs: 1, maxMs: 1 } }), /^Error: unknown host "no-such-host\.invalid" in the team URL$/);
    assert.throws(() => parseTeamServer(`postgresql://alice:hunter2@127.0.0.1:${pg.port}/team`), /contains a password; remove it from the URL and put it in .*secret storage.*PGPASSWORD.*pgpass/);
    await owned.query("INSERT INTO session_buddy.schema_migrations (version, name, checksum) VALUES (99, 'future', 'x')");
    try {
      await assert.rejects(pushToTeam(store('alice'), server('alice')), /^Error: the team server's schema is P99, newer than this Session Buddy knows \(P2\): update Session Buddy/);
    } finally {
      await owned.query('DELETE FROM session_buddy.schema_migrations WHERE version = 99');
    }
    await plant(store('alice'), [{ skill: 'lint', session: 'a3', user: 'alice-local', at: '2026-11-22T09:00:00.000Z' }]);
    const keys = await asMember('alice', readTeamInfo);
    assert.equal(pendingRows(store('alice'), keys).length, 1, 'recorded locally, waiting for the next push');
  });

  test('leave --delete removes the member’s rows on the server and the pulled rows here', async () => {
    const left = await leaveTeam(store('dave'), server('dave'), { deleteRows: true });
    assert.equal(left.deleted_server_rows, 2);
    const rows = await owned.query<{ n: string }>("SELECT count(*) AS n FROM session_buddy.events WHERE member = 'dave'");
    assert.equal(Number(rows.rows[0].n), 0);
    const profiles = store('dave').db.exec("SELECT count(*) FROM skill_user_interactions WHERE session_id LIKE 'profile:%'")[0].values[0][0];
    assert.equal(profiles, 0);
    // Members do not run the rebuild (it reads every event); they go on folding, and the owner's next init rebuilds.
    await owned.query("UPDATE session_buddy.rollup_state SET refreshed_at = now() - interval '1 hour'");
    const byMember = await asMember('alice', (c) => c.query<{ r: string }>("SELECT session_buddy.refresh_rollups('0') AS r"));
    assert.match(byMember.rows[0].r, /^folded \d+ event\(s\).*; a rebuild is pending \(the owner runs session-buddy team init\)$/);
    assert.equal((await aggregatesOf('alice')).baselines.find((b) => b.skill_name === 'lint')!.members, 5, 'not rebuilt yet');
    const init = await initTeam(owner);
    assert.match(init.rollups, /^\d+ runs, last: folded \d+ event\(s\)$/, 'the rebuild went in chunks of whole transactions');
    // After the rebuild lint has 4 members: dave is gone.
    const lint = (await aggregatesOf('alice')).baselines.find((b) => b.skill_name === 'lint')!;
    assert.equal(lint.members, 4);
  });
});
