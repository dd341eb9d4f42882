import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'pg';
import { addMember, initTeam } from '../../src/core/team/admin';
import { parseTeamServer } from '../../src/core/team/connection';
import { SkillStore } from '../../src/core/store/store';
import { runCliInProcess } from '../helpers/cli';
import { postgresSkip, startPostgres, type TestPostgres } from '../helpers/postgres';
import { plant, tempDir } from '../helpers/store';

const ROOT = path.join(__dirname, '..', '..');
const EVENTS = 30_000;

/** `session-buddy team …` end to end: a real CLI process killed in the middle of a push, then the commands' output. */
describe('session-buddy team', postgresSkip(), () => {
  let pg: TestPostgres;
  let owned: Client;
  let url: string;
  let password: string;
  const dir = tempDir('sb-team-cli-');
  const dbPath = path.join(dir.dir, 'skills.db');
  const savedPassword = process.env.PGPASSWORD;

  before(async () => {
    pg = await startPostgres();
    await pg.createDatabase('team');
    await initTeam(parseTeamServer(pg.url(pg.superuser, 'team'), pg.superuserPassword));
    ({ password } = await addMember(parseTeamServer(pg.url(pg.superuser, 'team'), pg.superuserPassword), 'erin'));
    url = pg.url('erin', 'team');
    owned = await pg.connect(pg.superuser, pg.superuserPassword, 'team');
    const store = await SkillStore.open({ path: dbPath, pollMs: 0 });
    await plant(store, Array.from({ length: EVENTS }, (_, i) => ({ skill: `skill-${i % 7}`, session: `s${i % 50}`, user: 'erin-local', at: `2026-11-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00.000Z` })));
    await store.close();
    process.env.PGPASSWORD = password;
  });

  after(async () => {
    if (savedPassword === undefined) delete process.env.PGPASSWORD;
    else process.env.PGPASSWORD = savedPassword;
    await owned?.end();
    pg?.stop();
    dir.cleanup();
  });

  const serverCount = async (): Promise<{ rows: number; ids: number }> => {
    const r = await owned.query<{ n: string; ids: string }>("SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM session_buddy.events WHERE member = 'erin'");
    return { rows: Number(r.rows[0].n), ids: Number(r.rows[0].ids) };
  };

  test('a push killed midway and repeated sends the rest: nothing lost, nothing doubled', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli', 'main.ts'), '--db', dbPath, 'team', 'push'], {
      cwd: ROOT,
      env: { ...process.env, SESSION_BUDDY_TEAM_URL: url, PGPASSWORD: password },
      stdio: 'ignore',
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    for (;;) {
      const { rows } = await serverCount();
      if (rows > 0) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    await exited;
    const atKill = (await serverCount()).rows;
    assert.ok(atKill > 0 && atKill < EVENTS, `killed midway (${atKill} of ${EVENTS} on the server)`);

    const again = await runCliInProcess(dbPath, ['team', 'push', '--team-url', url]);
    assert.equal(again.code, 0, again.err);
    const [, sent, inserted] = /^Pushed (\d+) invocations? in \d+ batch(?:es)?, (\d+) new/.exec(again.out) ?? [];
    assert.equal(Number(inserted), EVENTS - atKill, 'exactly the missing rows arrive');
    assert.ok(Number(sent) <= EVENTS - atKill + 1000, `resumed from the cursor: resent at most one batch (sent ${sent})`);
    assert.deepEqual(await serverCount(), { rows: EVENTS, ids: EVENTS });
  });

  test('status and preview after the push: nothing pending, and the preview is empty', async () => {
    const status = await runCliInProcess(dbPath, ['team', 'status', '--json', '--team-url', url]);
    assert.equal(status.code, 0, status.err);
    const s = JSON.parse(status.out) as { reachable: boolean; schema: string; pending_events: number; server_events: number; last_push_at: string | null };
    assert.deepEqual([s.reachable, s.schema, s.pending_events, s.server_events], [true, 'P2', 0, EVENTS]);
    assert.match(s.last_push_at ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const preview = await runCliInProcess(dbPath, ['team', 'preview', '--json', '--team-url', url]);
    assert.deepEqual((JSON.parse(preview.out) as { rows: unknown[] }).rows, []);
  });

  test('ci track --team records the stage and pushes it at once', async () => {
    const run = await runCliInProcess(dbPath, ['ci', 'track', '--stage', 'test', '--skill', 'pytest-run', '--status', 'failure', '--error', 'AssertionError', '--duration', '3', '--pipeline', 'web', '--build', '7', '--team', '--team-url', url]);
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /^\d+\n$/);
    assert.match(run.err, /^Pushed 1 invocation in 1 batch, 1 new to the server/);
    const row = await owned.query<{ skill_name: string; completed: boolean; error_category: string; workflow_phase: string }>(
      "SELECT skill_name, completed, error_category, workflow_phase FROM session_buddy.events WHERE member = 'erin' AND event_id = $1",
      [run.out.trim()],
    );
    assert.deepEqual(row.rows, [{ skill_name: 'pytest-run', completed: false, error_category: 'AssertionError', workflow_phase: 'execution' }]);
  });

  test('ci track --team with the server unreachable still records the stage and exits 0', async () => {
    const run = await runCliInProcess(dbPath, ['ci', 'track', '--stage', 'build', '--skill', 'npm-build', '--status', 'success', '--duration', '1', '--pipeline', 'web', '--build', '8', '--team', '--team-url', 'postgresql://erin@no-such-host.invalid/team']);
    assert.equal(run.code, 0, run.err);
    assert.match(run.err, /^session-buddy: team push failed: unknown host "no-such-host\.invalid" in the team URL; the run is recorded and the next push sends it\n$/);
  });

  test('ci import-junit --team pushes the suites, and the run the unreachable server missed', async () => {
    const report = path.join(dir.dir, 'junit.xml');
    fs.writeFileSync(report, '<testsuites><testsuite name="unit" tests="2" failures="1" errors="0" time="2.5"><testcase name="a" time="1"/><testcase name="b" time="1.5"><failure message="x"/></testcase></testsuite></testsuites>');
    const run = await runCliInProcess(dbPath, ['ci', 'import-junit', report, '--skill', 'pytest-run', '--team', '--team-url', url]);
    assert.equal(run.code, 0, run.err);
    assert.match(run.err, /^Pushed 2 invocations in 1 batch, 2 new to the server/);
    assert.deepEqual(await serverCount(), { rows: EVENTS + 3, ids: EVENTS + 3 });
  });

  test('failures are one line on stderr with exit code 1', async () => {
    process.env.PGPASSWORD = 'wrong';
    try {
      const wrong = await runCliInProcess(dbPath, ['team', 'push', '--team-url', url]);
      assert.equal(wrong.code, 1);
      assert.match(wrong.err, /^session-buddy: wrong password for team member "erin" at 127\.0\.0\.1:\d+\/team \(set it in [^\n]+\)\n$/);
    } finally {
      process.env.PGPASSWORD = password;
    }
    delete process.env.PGPASSWORD;
    process.env.PGPASSFILE = path.join(dir.dir, 'no-pgpass');
    try {
      const none = await runCliInProcess(dbPath, ['team', 'push', '--team-url', url]);
      assert.equal(none.code, 1);
      assert.match(none.err, /^session-buddy: no password for team member "erin" at 127\.0\.0\.1:\d+\/team \(set it in [^\n]+\)\n$/);
    } finally {
      delete process.env.PGPASSFILE;
      process.env.PGPASSWORD = password;
    }
    const inUrl = await runCliInProcess(dbPath, ['team', 'status', '--team-url', `postgresql://erin:secret@127.0.0.1:${pg.port}/team`]);
    assert.equal(inUrl.code, 1);
    assert.match(inUrl.err, /^session-buddy: the team URL contains a password; [^\n]+PGPASSWORD[^\n]+\n$/);
    const none = await runCliInProcess(dbPath, ['team', 'push']);
    assert.equal(none.code, 1);
    assert.match(none.err, /no team server: pass --team-url/);
  });
});
