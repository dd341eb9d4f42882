import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { getCommunityBaselines, updateCommunityBaselines } from '../../src/core/analytics/baselines';
import { getSimilarUsers, recommendFromSimilarUsers } from '../../src/core/analytics/collaborative';
import { exportProfile, importProfiles, type TeamProfile } from '../../src/core/analytics/profiles';
import { all } from '../../src/core/store/statements';
import { SkillStore } from '../../src/core/store/store';
import { runCliInProcess } from '../helpers/cli';
import { ago, plant, tempDir, tempStore, type PlantedInvocation } from '../helpers/store';

const ALICE_HASH = '2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e90';

function runs(user: string, skill: string, n: number, completed: number, phase: string | null = null, session = `${user}-project-secret-session`): PlantedInvocation[] {
  return Array.from({ length: n }, (_, i) => ({ skill, user, session, at: ago.hours(3 - i * 0.01), completed: i < completed, phase: i < 2 ? phase : null }));
}

/** alice: deploy 4 runs, 3 completed, 2 in phase 'execution'; lint 2 of 2; review 1 of 1. bob: other work. */
async function aliceStore() {
  const t = await tempStore();
  await plant(t.store, [...runs('alice', 'deploy', 4, 3, 'execution'), ...runs('alice', 'lint', 2, 2), ...runs('alice', 'review', 1, 1), ...runs('bob', 'bob-only', 3, 3)]);
  return t;
}

function writeProfile(dir: string, name: string, profile: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof profile === 'string' ? profile : JSON.stringify(profile));
  return file;
}

test('exportProfile: hashed id, per-skill counts, rates and phases, nothing else', async () => {
  const { store, close } = await aliceStore();
  try {
    const profile = exportProfile(store, 'alice');
    assert.equal(profile.format, 'session-buddy-team-profile');
    assert.equal(profile.format_version, 1);
    assert.equal(profile.user_hash, ALICE_HASH);
    assert.deepEqual(profile.skills, [
      { skill_name: 'deploy', invocations: 4, completed: 3, completion_rate: 0.75, phases: { execution: 2 } },
      { skill_name: 'lint', invocations: 2, completed: 2, completion_rate: 1, phases: {} },
      { skill_name: 'review', invocations: 1, completed: 1, completion_rate: 1, phases: {} },
    ]);
    const text = JSON.stringify(profile);
    assert.ok(!text.includes('alice'), 'no raw user id');
    assert.ok(!text.includes('secret'), 'no session names');
    assert.ok(!text.includes('bob'), "no other user's data");
  } finally {
    await close();
  }
});

test("importProfiles: teammates' profiles feed baselines and collaborative filtering; re-import is idempotent", async () => {
  const alice = await aliceStore();
  const team = await tempStore();
  const { dir, cleanup } = tempDir();
  try {
    writeProfile(dir, 'alice.json', exportProfile(alice.store, 'alice'));
    // carol (local) completed lint and review and failed deploy twice; alice and dave completed lint and review too.
    await plant(team.store, [...runs('carol', 'lint', 1, 1), ...runs('carol', 'review', 1, 1), ...runs('carol', 'deploy', 2, 0)]);
    const dave: TeamProfile = {
      format: 'session-buddy-team-profile',
      format_version: 1,
      user_hash: 'd'.repeat(64),
      exported_at: '2026-01-10T08:00:00.000Z',
      skills: [
        { skill_name: 'lint', invocations: 3, completed: 3, completion_rate: 1, phases: { verification: 3 } },
        { skill_name: 'review', invocations: 1, completed: 1, completion_rate: 1, phases: {} },
        { skill_name: 'ship', invocations: 5, completed: 4, completion_rate: 0.8, phases: {} },
      ],
    };
    writeProfile(dir, 'dave.json', dave);

    assert.deepEqual(await importProfiles(team.store, [dir]), { imported: 2, skipped: 0 });
    const baselines = new Map(getCommunityBaselines(team.store).map((b) => [b.skill_name, b]));
    const deploy = baselines.get('deploy')!;
    assert.equal(deploy.total_users, 2, 'carol and alice');
    assert.equal(deploy.total_invocations, 6);
    assert.equal(deploy.global_completion_rate, 0.5, "carol's 0 of 2 and alice's 3 of 4");
    assert.equal(deploy.most_common_workflow_phase, 'execution', "alice's phases came along");
    assert.equal(baselines.get('lint')!.total_users, 3);
    assert.equal(baselines.get('lint')!.most_common_workflow_phase, 'verification');

    assert.deepEqual(getSimilarUsers(team.store, 'carol').map((u) => u.user_id).sort(), [ALICE_HASH, 'd'.repeat(64)]);
    const recs = recommendFromSimilarUsers(team.store, 'carol');
    assert.deepEqual(recs.map((r) => [r.skill_name, r.source]), [['ship', 'collaborative_filtering']], 'deploy was tried, so only ship is new');
    assert.equal(recs[0].completion_rate, 0.8);

    const rowCount = () => all<{ n: number }>(team.store.db, 'SELECT COUNT(*) AS n FROM skill_user_interactions')[0].n;
    const before = rowCount();
    assert.deepEqual(await importProfiles(team.store, [path.join(dir, 'alice.json'), path.join(dir, 'dave.json')]), { imported: 0, skipped: 2 });
    assert.equal(rowCount(), before);

    const newer = { ...dave, exported_at: '2026-02-01T08:00:00.000Z', skills: [{ skill_name: 'ship', invocations: 2, completed: 2, completion_rate: 1, phases: {} }] };
    writeProfile(dir, 'dave-newer.json', newer);
    assert.deepEqual(await importProfiles(team.store, [dir]), { imported: 1, skipped: 2 }, 'the newest of two dave profiles replaces the stored one');
    assert.equal(rowCount(), before - 9 + 2);
    assert.equal(getCommunityBaselines(team.store).find((b) => b.skill_name === 'ship')!.total_invocations, 2);
  } finally {
    cleanup();
    await alice.close();
    await team.close();
  }
});

test("a user's own profile is skipped, and imported rows survive a restart", async () => {
  const { store, dbPath, close } = await aliceStore();
  const { dir, cleanup } = tempDir();
  try {
    const own = writeProfile(dir, 'own.json', exportProfile(store, 'alice'));
    assert.deepEqual(await importProfiles(store, [own]), { imported: 0, skipped: 1 });
    const other = writeProfile(dir, 'other.json', { ...exportProfile(store, 'alice'), user_hash: 'e'.repeat(64) });
    assert.deepEqual(await importProfiles(store, [other]), { imported: 1, skipped: 0 });
    // A copy that lost rows (say, an import cut short) is not taken for the stored profile: it is repaired.
    const oneRow = all<{ id: number }>(store.db, 'SELECT id FROM skill_user_interactions WHERE user_id = ? LIMIT 1', ['e'.repeat(64)])[0].id;
    await store.commit([{ t: 'delete', table: 'skill_user_interactions', where: { id: oneRow } }]);
    assert.deepEqual(await importProfiles(store, [other]), { imported: 1, skipped: 0 });
    await store.close();
    const reopened = await SkillStore.open({ path: dbPath, pollMs: 0 });
    try {
      assert.equal(all<{ n: number }>(reopened.db, "SELECT COUNT(*) AS n FROM skill_user_interactions WHERE user_id = ?", ['e'.repeat(64)])[0].n, 7);
      await updateCommunityBaselines(reopened);
      assert.equal(getCommunityBaselines(reopened).find((b) => b.skill_name === 'deploy')!.total_users, 2);
    } finally {
      await reopened.close({ snapshot: false });
    }
  } finally {
    cleanup();
    await close();
  }
});

test('invalid profiles are refused with the file and field named, and nothing is imported', async () => {
  const { store, close } = await tempStore();
  const { dir, cleanup } = tempDir();
  try {
    const good: TeamProfile = {
      format: 'session-buddy-team-profile',
      format_version: 1,
      user_hash: 'a'.repeat(64),
      exported_at: '2026-01-10T08:00:00.000Z',
      skills: [{ skill_name: 'lint', invocations: 2, completed: 1, completion_rate: 0.5, phases: { check: 1 } }],
    };
    const goodFile = writeProfile(dir, 'good.json', good);
    const cases: [string, unknown, RegExp][] = [
      ['broken.json', '{"format": ', /broken\.json: not valid JSON/],
      ['version.json', { ...good, format_version: 2 }, /version\.json: format_version 2 is not supported/],
      ['extra.json', { ...good, email: 'x@example.com' }, /extra\.json: the profile has an unknown field "email"/],
      ['hash.json', { ...good, user_hash: 'alice' }, /hash\.json: user_hash must be a sha256/],
      ['count.json', { ...good, skills: [{ ...good.skills[0], completed: 3 }] }, /count\.json: skills\[0\]\.completed must be an integer from 0 to invocations \(2\)/],
      ['rate.json', { ...good, skills: [{ ...good.skills[0], completion_rate: 50 }] }, /rate\.json: skills\[0\]\.completion_rate must equal completed \/ invocations/],
      ['phases.json', { ...good, skills: [{ ...good.skills[0], phases: { check: 3 } }] }, /phases\.json: skills\[0\]\.phases count 3 invocations/],
      ['time.json', { ...good, exported_at: 'yesterday' }, /time\.json: exported_at must be a UTC timestamp/],
      ['dup.json', { ...good, skills: [good.skills[0], good.skills[0]] }, /dup\.json: skills\[1\]\.skill_name "lint" appears twice/],
    ];
    for (const [name, content, message] of cases) {
      const file = writeProfile(dir, name, content);
      await assert.rejects(importProfiles(store, [goodFile, file]), message);
      fs.rmSync(file);
    }
    await assert.rejects(importProfiles(store, [path.join(dir, 'missing.json')]), /missing\.json: no such file or directory/);
    assert.equal(all<{ n: number }>(store.db, 'SELECT COUNT(*) AS n FROM skill_user_interactions')[0].n, 0, 'the good file was not imported either');
    assert.deepEqual(await importProfiles(store, [dir]), { imported: 1, skipped: 0 });
  } finally {
    cleanup();
    await close();
  }
});

test('a large profile is stored exactly, in log lines of bounded size', async () => {
  const { store, close } = await tempStore();
  const { dir, cleanup } = tempDir();
  try {
    const big: TeamProfile = {
      format: 'session-buddy-team-profile',
      format_version: 1,
      user_hash: 'f'.repeat(64),
      exported_at: '2026-03-01T00:00:00.000Z',
      skills: [
        { skill_name: 'build', invocations: 12_000, completed: 9_000, completion_rate: 0.75, phases: { ci: 7_000 } },
        { skill_name: 'test', invocations: 500, completed: 500, completion_rate: 1, phases: {} },
      ],
    };
    await importProfiles(store, [writeProfile(dir, 'big.json', big)]);
    const counts = all<{ skill_name: string; n: number; c: number }>(
      store.db,
      'SELECT skill_name, COUNT(*) AS n, SUM(completed) AS c FROM skill_user_interactions GROUP BY skill_name ORDER BY skill_name',
    );
    assert.deepEqual(counts, [{ skill_name: 'build', n: 12_000, c: 9_000 }, { skill_name: 'test', n: 500, c: 500 }]);
    const build = getCommunityBaselines(store).find((b) => b.skill_name === 'build')!;
    assert.equal(build.most_common_workflow_phase, 'ci');
    const segments = fs.readdirSync(store.paths.eventsDir).map((f) => path.join(store.paths.eventsDir, f)).filter((f) => fs.statSync(f).isFile());
    const longest = Math.max(...segments.flatMap((f) => fs.readFileSync(f, 'utf8').split('\n').map((l) => l.length)));
    assert.ok(longest > 100_000 && longest < 2_000_000, `longest log line ${longest} characters (12,500 rows would take about 2 MB)`);
  } finally {
    cleanup();
    await close();
  }
});

// ---- CLI (src/cli/commands/learning.ts), on a context like the one src/cli/program.ts builds ----

/** The real program, in process. */
const cli = runCliInProcess;

test('CLI: export-profile, import-profiles, taxonomy, dependencies, baselines, recommend-similar', async () => {
  const alice = await aliceStore();
  const team = await tempStore();
  const { dir, cleanup } = tempDir();
  try {
    await alice.store.close();
    const profileFile = path.join(dir, 'alice.json');
    const exported = await cli(alice.dbPath, ['export-profile', '--user', 'alice', '--out', profileFile]);
    assert.equal(exported.code, 0, exported.err);
    assert.equal(JSON.parse(fs.readFileSync(profileFile, 'utf8')).user_hash, ALICE_HASH);

    const sessions: PlantedInvocation[] = [];
    for (let s = 0; s < 6; s++) sessions.push(...runs('carol', 'lint', 1, 1, null, `c${s}`), ...runs('carol', 'review', 1, 1, null, `c${s}`));
    for (let s = 6; s < 12; s++) sessions.push(...runs('carol', 'other', 1, 1, null, `c${s}`));
    await plant(team.store, sessions);
    await team.store.close();

    const imported = await cli(team.dbPath, ['import-profiles', dir]);
    assert.equal(imported.code, 0, imported.err);
    assert.match(imported.out, /Imported 1 profile/);
    assert.equal((await cli(team.dbPath, ['import-profiles', path.join(dir, 'nope.json')])).code, 1);

    const recs = await cli(team.dbPath, ['recommend-similar', '--user', 'carol', '--json']);
    assert.deepEqual(JSON.parse(recs.out).recommendations.map((r: { skill_name: string }) => r.skill_name), ['deploy']);

    assert.match((await cli(team.dbPath, ['taxonomy', 'init'])).out, /categories 6, modalities 4, dependencies 4/);
    assert.match((await cli(team.dbPath, ['dependencies', 'update', '--min-co-occurrence', '5'])).out, /Updated: 1 skill pair seen together in at least 5 of 12 sessions/);
    const deps = JSON.parse((await cli(team.dbPath, ['dependencies', 'show', '--skill', 'review', '--json'])).out);
    assert.deepEqual(deps.dependencies.map((d: { skill_b: string; lift_score: number }) => [d.skill_b, d.lift_score]), [['lint', 2]]);

    const baselines = JSON.parse((await cli(team.dbPath, ['baselines', 'show', '--json'])).out).baselines;
    assert.equal(baselines.find((b: { skill_name: string }) => b.skill_name === 'deploy').total_users, 1);
    assert.equal((await cli(team.dbPath, ['baselines', 'update'])).code, 0);

    assert.equal((await cli(team.dbPath, ['dependencies', 'show', '--skill', 'x', '--limit', 'abc'])).code, 2);
    assert.equal((await cli(team.dbPath, ['dependencies', 'update', '--min-co-occurrence', '0'])).code, 2);
    assert.equal((await cli(team.dbPath, ['dependencies', 'show'])).code, 2, '--skill is required');
  } finally {
    cleanup();
    await alice.close();
    await team.close();
  }
});
