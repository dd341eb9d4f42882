import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseTeamServer } from '../../src/core/team/connection';
import { explicitTeamServer, explicitTeamUrl } from '../../src/core/team/explicitServer';

describe('a team server written out for another process', () => {
  test('libpq variables fill only what the URL leaves out', () => {
    const env = { PGUSER: 'ann', PGHOST: 'db.example.com', PGPORT: '6543', PGDATABASE: 'team', PGSSLMODE: 'verify-full', PGOPTIONS: '-c search_path=x' };
    const filled = new URL(explicitTeamUrl('postgresql:///', env));
    assert.deepEqual([filled.username, filled.hostname, filled.port, filled.pathname], ['ann', 'db.example.com', '6543', '/team']);
    assert.deepEqual([filled.searchParams.get('sslmode'), filled.searchParams.get('options')], ['verify-full', '-c search_path=x']);
    const kept = new URL(explicitTeamUrl('postgresql://ben@own.example.org:5432/theirs?sslmode=require', env));
    assert.deepEqual([kept.username, kept.hostname, kept.port, kept.pathname, kept.searchParams.get('sslmode')], ['ben', 'own.example.org', '5432', '/theirs', 'require']);
    assert.equal(parseTeamServer(explicitTeamUrl('postgresql://ben@own.example.org/theirs', env)).label, 'own.example.org:6543/theirs');
  });

  test('a socket folder in PGHOST becomes the host parameter', () => {
    const url = explicitTeamUrl('postgresql:///team', { PGHOST: '/var/run/postgresql', PGUSER: 'ann' });
    const parsed = new URL(url);
    assert.deepEqual([parsed.hostname, parsed.searchParams.get('host'), parsed.searchParams.get('user')], ['', '/var/run/postgresql', 'ann']);
    assert.equal(parseTeamServer(url).user, 'ann', 'the member named by the parameter, not by this process\'s PGUSER');
  });

  test('the password: as given, else PGPASSWORD, else the pgpass line of this server', async () => {
    const url = 'postgresql://ann@db.example.com/team';
    assert.equal((await explicitTeamServer(url, 'secret', { PGPASSWORD: 'env' })).password, 'secret');
    assert.equal((await explicitTeamServer(url, undefined, { PGPASSWORD: 'env' })).password, 'env');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-pgpass-'));
    const file = path.join(dir, 'pgpass');
    fs.writeFileSync(file, 'other.example.com:5432:team:ann:wrong\ndb.example.com:5432:team:ann:from-file\n', { mode: 0o600 });
    const saved = { file: process.env.PGPASSFILE, password: process.env.PGPASSWORD };
    process.env.PGPASSFILE = file;
    delete process.env.PGPASSWORD;
    try {
      assert.equal((await explicitTeamServer(url, undefined, {})).password, 'from-file');
      assert.equal((await explicitTeamServer('postgresql://ann@elsewhere.example.com/team', undefined, {})).password, undefined);
    } finally {
      if (saved.file === undefined) delete process.env.PGPASSFILE;
      else process.env.PGPASSFILE = saved.file;
      if (saved.password !== undefined) process.env.PGPASSWORD = saved.password;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
