// A team's store in a real workbench: a throw-away PostgreSQL cluster (test/helpers/postgres.ts),
// set up by its owner with the CLI; three teammates (bob, carol, dave) push from their own stores
// with the CLI; the window is alice, with sessionBuddy.team.url and .share on and her password in
// PGPASSWORD. On start the window pushes her runs and pulls the team's aggregates: her
// Recommendations then say what her teammates do, and bob, pulling after her push, counts her too.
// The planted truth: bob, carol and dave each ran pytest-run 4 times (all passed) and ruff-check
// 2 times (all passed); alice ran pytest-run 3 times and never ruff-check. k is the default 3.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { tsImport } from 'tsx/esm/api';
import { ROOT, startWorkbench, waitFor } from './harness.mjs';

const TEST_TIMEOUT = 120_000;
const CLI = path.join(ROOT, 'dist', 'cli.js');
const TEAMMATES = ['bob', 'carol', 'dave'];

let server;
let owner;
let wb;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-e2e-team-'));
const passwords = {};
const teamUrl = (member) => server.url(member, 'team');

function cli(member, args, dbPath = path.join(dir, member, 'skills.db')) {
  const password = member === 'owner' ? server.superuserPassword : passwords[member];
  return execFileSync(process.execPath, [CLI, '--db', dbPath, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PGPASSWORD: password, SESSION_BUDDY_TEAM_URL: '' } });
}

function track(member, skill, times) {
  for (let i = 0; i < times; i++) cli(member, ['track', '--skill', skill, '--duration', '3']);
}

/** The database and every file beside it (log segments, salt, token). */
function copyStore(from, to) {
  for (const name of fs.readdirSync(path.dirname(from)).filter((n) => n.startsWith(path.basename(from)))) {
    fs.cpSync(path.join(path.dirname(from), name), path.join(path.dirname(to), name.replace(path.basename(from), path.basename(to))), { recursive: true });
  }
}

before(async () => {
  const { startPostgres } = await tsImport('../helpers/postgres.ts', import.meta.url);
  server = await startPostgres();
  for (const member of ['owner', 'alice', ...TEAMMATES]) fs.mkdirSync(path.join(dir, member));
  track('alice', 'pytest-run', 3);
  await server.createDatabase('team');
  cli('owner', ['team', 'init', '--url', server.url(server.superuser, 'team')]);
  for (const member of ['alice', ...TEAMMATES]) {
    const out = cli('owner', ['team', 'add-member', member, '--team-url', server.url(server.superuser, 'team')]);
    passwords[member] = out.trim().split('\n').at(-1);
  }
  owner = await server.connect(server.superuser, server.superuserPassword, 'team');
  for (const member of TEAMMATES) {
    track(member, 'pytest-run', 4);
    track(member, 'ruff-check', 2);
  }
  for (const member of TEAMMATES) cli(member, ['team', 'push', '--team-url', teamUrl(member)]);
  await owner.query("SELECT session_buddy.refresh_rollups('0')");
  wb = await startWorkbench({
    suite: 'team',
    settings: { 'workbench.colorTheme': 'Default Dark Modern', 'sessionBuddy.team.url': teamUrl('alice'), 'sessionBuddy.team.share': true },
    env: { PGPASSWORD: passwords.alice },
    prepareStore: ({ dbPath }) => copyStore(path.join(dir, 'alice', 'skills.db'), dbPath),
  });
}, { timeout: 240_000 });

after(async () => {
  await wb?.close();
  await owner?.end();
  server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("the window pushes alice's runs to the team server and pulls the team's baselines", { timeout: TEST_TIMEOUT }, async () => {
  await waitFor(async () => {
    const r = await owner.query("SELECT count(*)::int AS n FROM session_buddy.events WHERE member = 'alice'");
    return r.rows[0].n === 3;
  }, { timeout: 15_000, what: "alice's three runs on the team server" });
  const rows = await wb.waitForRows("SELECT skill_name, total_users, total_invocations, global_completion_rate FROM skill_community_baselines ORDER BY skill_name", (r) => r.length === 2, { timeout: 30_000, what: 'the team baselines in the window\'s store' });
  assert.deepEqual(rows, [
    { skill_name: 'pytest-run', total_users: 3, total_invocations: 12, global_completion_rate: 1 },
    { skill_name: 'ruff-check', total_users: 3, total_invocations: 6, global_completion_rate: 1 },
  ]);
});

test("alice's Recommendations say what her teammates do, and the status bar says the team is synced", { timeout: TEST_TIMEOUT }, async () => {
  await wb.openViewContainer('Session Buddy');
  const view = await wb.webviewFrame('[data-testid="recommendations"]');
  const item = view.locator('[data-testid="recommendation"]', { hasText: 'ruff-check' });
  await item.first().waitFor({ state: 'visible', timeout: 20_000 });
  assert.match(await item.first().innerText(), /Across 3 teammates it completes 100% of the time/);
  await wb.screenshot('team-recommendations');
  await wb.statusItem.hover();
  const tooltip = wb.page.locator('.monaco-hover, .workbench-hover', { hasText: 'synced with' });
  await tooltip.first().waitFor({ state: 'visible', timeout: 10_000 });
});

test('bob, pulling after the roll-up, counts alice among the members', { timeout: TEST_TIMEOUT }, async () => {
  await owner.query("SELECT session_buddy.refresh_rollups('0')");
  cli('bob', ['team', 'pull', '--team-url', teamUrl('bob')]);
  const baselines = JSON.parse(cli('bob', ['baselines', 'show', '--json'])).baselines;
  const pytest = baselines.find((b) => b.skill_name === 'pytest-run');
  assert.deepEqual([pytest?.total_users, pytest?.total_invocations], [4, 15]);
});

test('the window logged no error', () => {
  assert.deepEqual(wb.extensionErrors().map((r) => r.text), []);
});
