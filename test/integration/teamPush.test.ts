import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'pg';
import { pushToTeam } from '../../src/core/team/push';
import type { InvocationRow } from '../../src/core/store/events';
import { SkillStore } from '../../src/core/store/store';
import { firstIdAt } from '../../src/core/store/writerSlot';
import { SkillTracker } from '../../src/core/tracking/tracker';
import { ANCHOR_ROWS, buildAnchorDb } from '../helpers/anchor';
import { runCliInProcess } from '../helpers/cli';
import { postgresSkip, startPostgres, type TestPostgres } from '../helpers/postgres';
import { tempDir, tempStore } from '../helpers/store';
import { createTeam, type TestTeam } from '../helpers/team';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
/** Past what one call can take (about 125,000 arguments); the benchmark pushes 1,000,000 (npm run bench -- team --push 1000000). */
const IMPORTED_RUNS = 150_000;

/** The built CLI as its own process, as a CI job runs it. */
function cliProcess(db: string, args: string[]): { code: number | null; out: string; err: string } {
  const run = spawnSync(process.execPath, [CLI, '--db', db, ...args], { encoding: 'utf8', timeout: 600_000, env: { ...process.env, SESSION_BUDDY_DB: '', SESSION_BUDDY_HOST: 'off' } });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

/** `team push` is exact: every run confirmed before it started reaches the server, once. */
describe('team push sends every confirmed run', postgresSkip(), () => {
  let pg: TestPostgres;
  let team: TestTeam;
  let owned: Client;
  const scratch = tempDir('sb-team-push-');
  const saved = { password: process.env.PGPASSWORD, passfile: process.env.PGPASSFILE };

  before(async () => {
    pg = await startPostgres();
    team = await createTeam(pg, 'team', ['ann', 'ben', 'cas', 'dee', 'eve']);
    owned = team.owned;
    // The CLI takes passwords from a pgpass file, as a CI job would.
    delete process.env.PGPASSWORD;
    process.env.PGPASSFILE = pg.writePgpass([...team.passwords].map(([user, password]) => ({ user, password })));
  });

  after(async () => {
    for (const [name, value] of [['PGPASSWORD', saved.password], ['PGPASSFILE', saved.passfile]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await owned?.end();
    pg?.stop();
    scratch.cleanup();
  });

  const server = (member: string) => team.server(member);
  const onServer = async (member: string): Promise<number> =>
    Number((await owned.query<{ n: string }>('SELECT count(*) AS n FROM session_buddy.events WHERE member = $1', [member])).rows[0].n);

  function row(id: number, skill: string): InvocationRow {
    return { id, skill_name: skill, invoked_at: new Date().toISOString(), session_id: 'push-test', workflow_path: null, completed: 1, duration_seconds: 1, user_query: null, alternatives_considered: null, selection_rank: null, follow_up_actions: null, error_type: null, workflow_phase: null, workflow_step_id: null };
  }

  test('track, then team push at once, from three members side by side: every run is on the server and the output says so', async () => {
    const tracked = { ann: 6, ben: 5, cas: 6 };
    const outputs = await Promise.all(Object.entries(tracked).map(async ([member, n]) => {
      const db = path.join(scratch.dir, `${member}.db`);
      for (let i = 0; i < n; i++) {
        const run = await runCliInProcess(db, ['track', '--skill', i % 2 ? 'lint' : 'unit-test', '--duration', '2']);
        assert.equal(run.code, 0, run.err);
      }
      return runCliInProcess(db, ['team', 'push', '--team-url', pg.url(member, 'team')]);
    }));
    for (const [i, [member, n]] of Object.entries(tracked).entries()) {
      assert.equal(outputs[i].code, 0, outputs[i].err);
      assert.match(outputs[i].out, new RegExp(`^Pushed ${n} invocations in 1 batch, ${n} new to the server; roll-ups: `), member);
      assert.equal(await onServer(member), n, member);
    }
  });

  test(`${IMPORTED_RUNS} runs imported through the log are all pushed by a team push process in bounded batches, and a second push sends none`, { timeout: 900_000 }, async () => {
    const source = path.join(scratch.dir, 'python-tool.db');
    buildAnchorDb(source, { runs: IMPORTED_RUNS });
    const db = path.join(scratch.dir, 'eve.db');
    const imported = cliProcess(db, ['import-session-buddy', source]);
    assert.equal(imported.code, 0, imported.err);
    const total = IMPORTED_RUNS + ANCHOR_ROWS;
    const push = cliProcess(db, ['team', 'push', '--team-url', pg.url('eve', 'team')]);
    assert.equal(push.code, 0, push.err);
    assert.match(push.out, new RegExp(`^Pushed ${total} invocations in ${Math.ceil(total / 1000)} batches, ${total} new to the server; `));
    assert.doesNotMatch(push.out, /Held back/);
    // Progress comes every 2 s; this push takes longer than that even on a fast machine.
    assert.match(push.err, new RegExp(`team push: \\d+ of ${total} invocations sent`));
    assert.equal(await onServer('eve'), total);
    const again = cliProcess(db, ['team', 'push', '--team-url', pg.url('eve', 'team')]);
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /^Pushed 0 invocations in 0 batches, 0 new to the server; /);
    assert.equal(await onServer('eve'), total);
  });

  test('a run whose id was taken long before its commit (after a later run was pushed) is still sent, once', async () => {
    const local = await tempStore();
    try {
      // Its id is from 20 minutes ago: a run held that long (a debug session, a laptop asleep) before its commit.
      const early = firstIdAt(Date.now() - 20 * 60_000) + 1;
      const taken = await local.store.nextId();
      await local.store.commit([{ t: 'invocation', row: row(await local.store.nextId(), 'later'), user_id: 'dee' }]);
      assert.equal((await pushToTeam(local.store, server('dee'))).sent, 1);
      await local.store.commit([{ t: 'invocation', row: row(taken, 'taken-first'), user_id: 'dee' }, { t: 'invocation', row: row(early, 'held-long'), user_id: 'dee' }]);
      const second = await pushToTeam(local.store, server('dee'));
      assert.deepEqual([second.sent, second.inserted], [2, 2]);
      assert.equal((await pushToTeam(local.store, server('dee'))).sent, 0, 'nothing is sent twice');
      const names = await owned.query<{ skill_name: string }>("SELECT skill_name FROM session_buddy.events WHERE member = 'dee' ORDER BY skill_name");
      assert.deepEqual(names.rows.map((r) => r.skill_name), ['held-long', 'later', 'taken-first']);
    } finally {
      await local.close();
    }
  });

  test("two machines of one member may give two runs the same id: both are kept", async () => {
    const laptop = await tempStore();
    const desktop = await tempStore();
    try {
      const id = await laptop.store.nextId();
      await laptop.store.commit([{ t: 'invocation', row: row(id, 'on-laptop'), user_id: 'dee' }]);
      await desktop.store.commit([{ t: 'invocation', row: row(id, 'on-desktop'), user_id: 'dee' }]);
      await pushToTeam(laptop.store, server('dee'));
      await pushToTeam(desktop.store, server('dee'));
      const kept = await owned.query<{ skill_name: string }>("SELECT skill_name FROM session_buddy.events WHERE member = 'dee' AND event_id = $1 ORDER BY 1", [String(id)]);
      assert.deepEqual(kept.rows.map((r) => r.skill_name), ['on-desktop', 'on-laptop']);
    } finally {
      await laptop.close();
      await desktop.close();
    }
  });

  test('pushes that run while another process tracks: when it is done, one more push leaves nothing behind and nothing doubled', async () => {
    const db = path.join(scratch.dir, 'busy.db');
    const store = await SkillStore.open({ path: db, pollMs: 0 });
    try {
      const tracker = new SkillTracker(store, 'ben-local');
      const session = await tracker.createSession({ source: 'cli' });
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test', 'helpers', 'track-child.ts'), db, '3000'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d));
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      let mine = 0;
      while (!out.includes('done')) {
        await Promise.all(Array.from({ length: 5 }, () => tracker.trackInvocation({ sessionId: session, skillName: 'own-run', completed: true, durationSeconds: 1 })));
        mine += 5;
        await pushToTeam(store, server('ben'));
      }
      await exited;
      await pushToTeam(store, server('ben'));
      store.pullEvents();
      const local = Number(store.db.exec('SELECT count(*) FROM skill_invocation')[0].values[0][0]);
      assert.equal(local, 3000 + mine);
      const counts = await owned.query<{ n: string; keys: string }>("SELECT count(*) AS n, count(DISTINCT (event_id, invoked_minute)) AS keys FROM session_buddy.events WHERE member = 'ben'");
      assert.deepEqual([Number(counts.rows[0].n) - 5, Number(counts.rows[0].keys) - 5], [local, local], 'every run once (besides the 5 of the first test)');
    } finally {
      await store.close({ snapshot: false });
    }
  });
});
