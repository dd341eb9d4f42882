import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { openDatabaseBytes } from '../../src/core/store/engine';
import { SkillStore } from '../../src/core/store/store';
import { ago, plant, tempDir } from '../helpers/store';

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');
const scratch = tempDir('sb-location-');
after(() => scratch.cleanup());
let counter = 0;
const folder = () => {
  const dir = path.join(scratch.dir, String(counter++));
  fs.mkdirSync(dir);
  return dir;
};

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, SESSION_BUDDY_DB: undefined, ...env } });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

/** Names, sizes and contents of every file in a folder: to prove that nothing changed. */
function snapshotFolder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const file = path.join(dir, String(name));
    const st = fs.statSync(file);
    out[String(name)] = st.isFile() ? fs.readFileSync(file).toString('base64') : 'dir';
  }
  return out;
}

async function plantedStore(dir: string): Promise<string> {
  const db = path.join(dir, 'skills.db');
  const store = await SkillStore.open({ path: db, pollMs: 0 });
  await plant(store, [{ skill: 'pytest-run', at: ago.minutes(5) }]);
  await store.close();
  return db;
}

describe('paths that are not a store are refused and never damaged', () => {
  test('a character device (/dev/null) is refused, by --db and by SESSION_BUDDY_DB, and stays a device', () => {
    for (const run of [cli(['--db', '/dev/null', 'track', '--skill', 'pytest-run']), cli(['track', '--skill', 'pytest-run'], { SESSION_BUDDY_DB: '/dev/null' })]) {
      assert.equal(run.code, 1, run.err);
      assert.equal(run.err.trim().split('\n').length, 1, run.err);
      assert.match(run.err, /\/dev\/null is a character device, not a Session Buddy database file/);
    }
    assert.ok(fs.statSync('/dev/null').isCharacterDevice());
    assert.equal(fs.existsSync('/dev/null.events'), false);
  });

  test('a FIFO is refused at once, without opening it (no hang)', () => {
    const fifo = path.join(folder(), 'skills.db');
    execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    for (const command of [['status'], ['track', '--skill', 'x'], ['sql', 'SELECT 1']]) {
      const run = cli(['--db', fifo, ...command]);
      assert.equal(run.code, 1, `${command[0]}: ${run.err}`);
      assert.match(run.err, /is a FIFO \(named pipe\), not a Session Buddy database file/);
    }
    assert.ok(Date.now() - started < 20_000);
    assert.ok(fs.statSync(fifo).isFIFO());
  });

  test('a socket and a folder are refused, naming the path', async () => {
    const dir = folder();
    const socketPath = path.join(dir, 'sock.db');
    const server = net.createServer().listen(socketPath);
    await new Promise((r) => server.once('listening', r));
    try {
      assert.match(cli(['--db', socketPath, 'status']).err, new RegExp(`${socketPath} is a socket`));
    } finally {
      server.close();
    }
    const run = cli(['--db', dir, 'track', '--skill', 'x']);
    assert.equal(run.code, 1);
    assert.match(run.err, new RegExp(`${dir} is a directory, not a Session Buddy database file`));
  });

  test('a database in a folder that does not exist is not created there', () => {
    const missing = path.join(scratch.dir, 'no-such-folder', 'skills.db');
    const run = cli(['--db', missing, 'track', '--skill', 'x']);
    assert.equal(run.code, 1);
    assert.match(run.err, /the folder .*no-such-folder does not exist/);
    assert.equal(fs.existsSync(path.dirname(missing)), false);
  });

  test('an empty --db or SESSION_BUDDY_DB is a usage error, never the per-user store', () => {
    const home = folder();
    for (const run of [cli(['--db', '', 'track', '--skill', 'x'], { HOME: home, XDG_DATA_HOME: home }), cli(['track', '--skill', 'x'], { SESSION_BUDDY_DB: '', HOME: home, XDG_DATA_HOME: home })]) {
      assert.equal(run.code, 2, run.err);
      assert.match(run.err, /empty/);
    }
    assert.deepEqual(fs.readdirSync(home), [], 'nothing was written to the per-user store');
  });

  test('read-only commands report a damaged snapshot and change nothing; repair moves it aside', async () => {
    const dir = folder();
    const db = await plantedStore(dir);
    fs.truncateSync(db, Math.floor(fs.statSync(db).size / 2) + 100);
    const before = snapshotFolder(dir);
    for (const command of [['status'], ['validate'], ['sql', 'SELECT 1 AS one'], ['metrics'], ['realtime'], ['trend', '--skill', 'pytest-run']]) {
      const run = cli(['--db', db, ...command]);
      assert.match(run.err, /is damaged .*Nothing was changed: `session-buddy repair`/, `${command[0]}: ${run.err}`);
      assert.deepEqual(snapshotFolder(dir), before, `${command[0]} changed nothing on disk`);
    }
    const repaired = cli(['--db', db, 'repair']);
    assert.equal(repaired.code, 0, repaired.err);
    assert.match(repaired.out, /Repaired: the damaged file is kept as .*skills\.db\.corrupt-/);
    const status = JSON.parse(cli(['--db', db, 'status', '--json']).out);
    assert.equal(status.invocations, 1, 'rebuilt from the log');
  });

  test("another application's SQLite file is refused unless migrate --adopt, and left byte for byte", async () => {
    const dir = folder();
    const db = path.join(dir, 'notes.sqlite');
    const foreign = await openDatabaseBytes();
    foreign.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('keep me')");
    fs.writeFileSync(db, foreign.export());
    foreign.close();
    const bytes = fs.readFileSync(db);
    const refused = cli(['--db', db, 'track', '--skill', 'pytest-run']);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /another application's SQLite database \(tables: notes\).*migrate --adopt/);
    assert.deepEqual(fs.readFileSync(db), bytes);
    assert.equal(cli(['--db', db, 'migrate']).code, 1, 'a plain migrate refuses too');
    assert.deepEqual(fs.readFileSync(db), bytes);
    const adopted = cli(['--db', db, 'migrate', '--adopt']);
    assert.equal(adopted.code, 0, adopted.err);
    assert.equal(cli(['--db', db, 'track', '--skill', 'pytest-run']).code, 0);
    const after = await openDatabaseBytes(fs.readFileSync(db));
    assert.equal(after.exec('SELECT body FROM notes')[0].values[0][0], 'keep me');
    after.close();
  });

  test('a database written by a newer version is opened read-only with a message naming that version', async () => {
    const dir = folder();
    const db = await plantedStore(dir);
    const raw = await openDatabaseBytes(fs.readFileSync(db));
    raw.exec("INSERT INTO skill_migrations (version, applied_at, description, success) VALUES ('V99__from_the_future', '2030-01-01T00:00:00.000Z', 'x', 1)");
    fs.writeFileSync(db, raw.export());
    raw.close();
    const before = snapshotFolder(dir);
    const track = cli(['--db', db, 'track', '--skill', 'pytest-run']);
    assert.equal(track.code, 1);
    assert.match(track.err, /written by a newer Session Buddy \(schema V99__from_the_future; this version knows up to V\d+__\w+\): it is open read-only/);
    const metrics = cli(['--db', db, 'metrics', '--json']);
    assert.equal(metrics.code, 0, metrics.err);
    assert.equal(JSON.parse(metrics.out).skills[0].skill_name, 'pytest-run', 'reading still works');
    assert.deepEqual(snapshotFolder(dir), before, 'nothing was written');
  });

  test('SIGTERM ends a long sql query within a second; --timeout stops it by itself', async () => {
    const db = await plantedStore(folder());
    const runaway = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c';
    const timed = cli(['--db', db, 'sql', '--timeout', '1', runaway]);
    assert.equal(timed.code, 1);
    assert.match(timed.err, /ran longer than 1 s and was stopped/);
    const child = spawn(process.execPath, [CLI, '--db', db, 'sql', runaway], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 1500));
    const signalled = Date.now();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    assert.ok(Date.now() - signalled < 1000, `ended ${Date.now() - signalled} ms after SIGTERM`);
  });
});
