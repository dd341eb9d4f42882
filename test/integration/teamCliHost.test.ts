import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SkillStore } from '../../src/core/store/store';
import { postgresSkip, startPostgres, type TestPostgres } from '../helpers/postgres';
import { plant, tempDir } from '../helpers/store';
import { createTeam, type TestTeam } from '../helpers/team';
import { hostPidOf, killHostOf, runCliSync } from './realtime-test-support';

// `session-buddy team …` and `ci … --team` beside a running store host (the built CLI and host
// script; npm test builds them first): the host runs them on the store it holds, with the URL and
// password of the command's environment, and the command never opens the file.
const ROOT = path.join(__dirname, '..', '..');
const RUNS = 40;
const scratch = tempDir('sb-team-host-');
const db = path.join(scratch.dir, 'skills.db');

/** A preload that makes the command fail at any open of the database: it shows the command never loads the store. */
const neverOpens = { NODE_OPTIONS: `--require ${path.join(ROOT, 'test', 'fixtures', 'preload', 'forbidDatabase.cjs')}`, SB_FORBIDDEN_FILE: db };

describe('session-buddy team beside a running store host', postgresSkip(), () => {
  let pg: TestPostgres;
  let team: TestTeam;
  let url: string;
  let password: string;
  /** The command with the member's password in PGPASSWORD, unless `env` says otherwise (undefined: unset; a child gets no such variable). */
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    runCliSync(['--db', db, ...args], { SESSION_BUDDY_HOST: '', SESSION_BUDDY_TEAM_URL: '', PGPASSWORD: password, PGPASSFILE: path.join(scratch.dir, 'none'), ...neverOpens, ...env });
  const onServer = async () => Number((await team.owned.query<{ n: string }>("SELECT count(*) AS n FROM session_buddy.events WHERE member = 'fay'")).rows[0].n);

  before(async () => {
    pg = await startPostgres();
    team = await createTeam(pg, 'hostteam', ['fay']);
    url = pg.url('fay', 'hostteam');
    password = team.passwords.get('fay')!;
    const seed = await SkillStore.open({ path: db, pollMs: 0 });
    await plant(seed, Array.from({ length: RUNS }, (_, i) => ({ skill: `skill-${i % 4}`, session: `s${i % 5}`, at: `2026-11-${String(1 + (i % 20)).padStart(2, '0')}T10:00:00.000Z` })));
    await seed.close();
    // The host starts with a wrong password and no pgpass file of its own: only what a command sends counts.
    const started = runCliSync(['--db', db, 'metrics', '--json'], { SESSION_BUDDY_HOST: 'on', SESSION_BUDDY_HOST_IDLE_SECONDS: '120', PGPASSWORD: 'not-the-password', PGPASSFILE: path.join(scratch.dir, 'none') });
    assert.equal(started.code, 0, started.err);
    assert.ok(hostPidOf(db), 'the store host runs');
  });

  after(async () => {
    killHostOf(db);
    await team?.owned.end();
    pg?.stop();
    scratch.cleanup();
  });

  test('push, status and preview are run by the host with the command\'s password', async () => {
    const pushed = run(['team', 'push', '--team-url', url]);
    assert.equal(pushed.code, 0, pushed.err);
    assert.match(pushed.out, new RegExp(`^Pushed ${RUNS} invocations in 1 batch, ${RUNS} new to the server; roll-ups: `));
    assert.equal(await onServer(), RUNS);

    const status = run(['team', 'status', '--json', '--team-url', url]);
    assert.equal(status.code, 0, status.err);
    const s = JSON.parse(status.out) as { reachable: boolean; member: string; pending_events: number; server_events: number; last_push_at: string | null };
    assert.deepEqual([s.reachable, s.member, s.pending_events, s.server_events], [true, 'fay', 0, RUNS]);
    assert.match(s.last_push_at ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    const tracked = run(['track', '--skill', 'pytest-run', '--duration', '2']);
    assert.equal(tracked.code, 0, tracked.err);
    const preview = run(['team', 'preview', '--json', '--team-url', url]);
    assert.equal(preview.code, 0, preview.err);
    const shown = JSON.parse(preview.out) as { team_id: string; rows: { skill_name: string }[] };
    assert.match(shown.team_id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(shown.rows.map((r) => r.skill_name), ['pytest-run'], 'the run the host applied from the command\'s log is the next to send');
  });

  test('a password from the command\'s pgpass file reaches the server through the host', async () => {
    const pgpass = pg.writePgpass([{ user: 'fay', password, database: 'hostteam' }]);
    const pulled = run(['team', 'pull', '--team-url', url], { PGPASSWORD: undefined, PGPASSFILE: pgpass });
    assert.equal(pulled.code, 0, pulled.err);
    assert.match(pulled.out, /^Pulled \d+ baselines?, \d+ similar members?, \d+ dependenc(y|ies)\.\n$/);
  });

  test('ci track --team records through the host and the host pushes it', async () => {
    const before = await onServer();
    const ci = run(['ci', 'track', '--stage', 'test', '--skill', 'jest-run', '--status', 'success', '--duration', '3', '--pipeline', 'web', '--build', '9', '--team', '--team-url', url]);
    assert.equal(ci.code, 0, ci.err);
    assert.match(ci.out, /^\d+\n$/);
    assert.match(ci.err, /^Pushed 2 invocations in 1 batch, 2 new to the server/, 'the stage and the run tracked before it');
    assert.equal(await onServer(), before + 2);
  });

  test('the server\'s refusal is one line with exit 1; leave --delete removes the member\'s rows', async () => {
    const wrong = run(['team', 'push', '--team-url', url], { PGPASSWORD: 'wrong' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /^session-buddy: wrong password for team member "fay" at 127\.0\.0\.1:\d+\/hostteam \(set it in [^\n]+\)\n$/);

    const left = run(['team', 'leave', '--delete', '--team-url', url]);
    assert.equal(left.code, 0, left.err);
    assert.match(left.out, new RegExp(`^Left team [0-9a-f-]{36}; ${RUNS + 2} of your rows deleted on the server\\.`));
    assert.equal(await onServer(), 0);
  });
});
