import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeFailure, parseTeamServer, resolveTeamUrl, TeamError } from '../../src/core/team/connection';
import { backoffMs } from '../../src/core/team/push';
import { errorCategory, minuteOf, teamSessionHash } from '../../src/core/team/shared';

test('the team URL: flag, then SESSION_BUDDY_TEAM_URL, then the setting; blanks skipped', () => {
  const env = { SESSION_BUDDY_TEAM_URL: 'postgresql://env@h/db' };
  assert.equal(resolveTeamUrl('postgresql://flag@h/db', env, 'postgresql://setting@h/db'), 'postgresql://flag@h/db');
  assert.equal(resolveTeamUrl(undefined, env, 'postgresql://setting@h/db'), 'postgresql://env@h/db');
  assert.equal(resolveTeamUrl('  ', {}, 'postgresql://setting@h/db'), 'postgresql://setting@h/db');
  assert.equal(resolveTeamUrl(undefined, {}, ''), undefined);
});

test('a URL with a password is refused, naming where passwords go; others are parsed without secrets', () => {
  assert.throws(() => parseTeamServer('postgresql://alice:hunter2@db.example.com/team'), (e: Error) => e instanceof TeamError && /secret storage/.test(e.message) && /PGPASSWORD/.test(e.message) && /pgpass/.test(e.message) && !e.message.includes('hunter2'));
  const s = parseTeamServer('postgres://alice@db.example.com:6432/team?sslmode=verify-full');
  assert.deepEqual([s.user, s.label, s.password], ['alice', 'db.example.com:6432/team', undefined]);
  assert.equal(parseTeamServer('postgresql://bob@db.example.com').label, 'db.example.com:5432/bob', 'libpq: the database defaults to the user');
  assert.throws(() => parseTeamServer('mysql://alice@h/db'), /must start with postgresql:\/\//);
  assert.throws(() => parseTeamServer('not a url'), /is not a URL/);
});

test('driver failures become one line each; only an unreachable server is worth a retry', () => {
  const server = parseTeamServer('postgresql://alice@db.example.com/team');
  const cases: [object, RegExp, boolean][] = [
    [{ code: '28P01' }, /^wrong password for team member "alice" at db\.example\.com:5432\/team/, false],
    [{ code: 'ENOTFOUND' }, /^unknown host "db\.example\.com" in the team URL$/, false],
    [{ code: 'ECONNREFUSED' }, /^the team server db\.example\.com:5432\/team is not reachable \(ECONNREFUSED\)$/, true],
    [{ code: '3D000' }, /^the team server has no database team$/, false],
    [new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string'), /^no password for team member "alice" at db\.example\.com:5432\/team \(set it in .*PGPASSWORD/, false],
  ];
  for (const [err, message, transient] of cases) {
    const failure = describeFailure(err, server);
    assert.match(failure.message, message);
    assert.equal(failure.transient, transient, failure.message);
  }
});

test('backoff: full jitter under a doubling cap that stops at maxMs', () => {
  const policy = { retries: 5, baseMs: 100, maxMs: 1000 };
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((a) => backoffMs(a, policy, () => 0.999999)), [100, 200, 400, 800, 1000, 1000]);
  assert.equal(backoffMs(3, policy, () => 0), 0);
  assert.equal(backoffMs(2, policy, () => 0.5), 200);
});

test('what leaves: the minute, one-word error categories, a session hash that depends on both salts', () => {
  assert.equal(minuteOf('2026-12-01T10:07:59.999Z'), '2026-12-01T10:07:00.000Z');
  assert.equal(errorCategory('AssertionError'), 'AssertionError');
  assert.equal(errorCategory('ENOENT'), 'ENOENT');
  assert.equal(errorCategory("ENOENT: no such file, open '/home/me/project/x'"), 'other');
  assert.equal(errorCategory(null), null);
  assert.equal(errorCategory('  '), null);
  const team = { teamId: 't', sessionSalt: 'a'.repeat(64) };
  const h = teamSessionHash(team, 'local-salt', 'session-1');
  assert.match(h, /^[0-9a-f]{32}$/);
  assert.equal(teamSessionHash(team, 'local-salt', 'session-1'), h, 'stable: a session stays one session');
  assert.notEqual(teamSessionHash({ ...team, sessionSalt: 'b'.repeat(64) }, 'local-salt', 'session-1'), h, 'another team sees another id');
  assert.notEqual(teamSessionHash(team, 'other-store', 'session-1'), h, 'the server cannot test a guess without the store salt');
});
