import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { importSessionBuddy } from '../../src/core/importer/sessionBuddyImport';
import { all, one } from '../../src/core/store/statements';
import { SkillStore } from '../../src/core/store/store';
import { SkillTracker } from '../../src/core/tracking/tracker';
import { buildAnchorDb } from '../helpers/anchor';
import { dbIn, tempDir } from '../helpers/store';

const CHILD = path.join(__dirname, '..', 'helpers', 'session-child.ts');
const PROJECT = '/home/user/project';
const run = promisify(execFile);
const scratch = tempDir('sb-salt-');
after(() => scratch.cleanup());

/** The project hash of a new session started in the store at `db` by this process. */
async function projectHash(db: string, projectPath = PROJECT): Promise<string> {
  const store = await SkillStore.open({ path: db, pollMs: 0 });
  try {
    const sessionId = await new SkillTracker(store, 'me').createSession({ projectPath });
    return one<{ project_hash: string }>(store.db, 'SELECT project_hash FROM skill_sessions WHERE session_id = ?', [sessionId])!.project_hash;
  } finally {
    await store.close();
  }
}

async function childHash(db: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', CHILD, db, PROJECT]);
  return stdout.trim();
}

test('the same project hashes differently in two stores, and the same in one store after reopening', async () => {
  const a = dbIn(scratch.dir, 'a');
  const b = dbIn(scratch.dir, 'b');
  const first = await projectHash(a);
  assert.match(first, /^[0-9a-f]{32}$/);
  assert.notEqual(await projectHash(b), first, 'each store has its own salt');
  assert.equal(await projectHash(a), first, 'the salt outlives the process that made it');
  assert.notEqual(await projectHash(a, '/home/user/other'), first);
  if (process.platform !== 'win32') assert.equal(fs.statSync(`${a}.salt`).mode & 0o777, 0o600);
});

test('processes that start on a new store at once agree on one salt', async () => {
  const db = dbIn(scratch.dir, 'shared');
  const hashes = await Promise.all([childHash(db), childHash(db), childHash(db)]);
  assert.match(hashes[0], /^[0-9a-f]{32}$/);
  assert.deepEqual(hashes, [hashes[0], hashes[0], hashes[0]]);
  assert.equal(await projectHash(db), hashes[0], 'and this process uses it too');
});

test('a store opened only for reading creates no salt', async () => {
  const db = dbIn(scratch.dir, 'read');
  await projectHash(db);
  fs.rmSync(`${db}.salt`);
  const store = await SkillStore.open({ path: db, mode: 'read', pollMs: 0 });
  try {
    await assert.rejects(new SkillTracker(store, 'me').createSession({ projectPath: PROJECT }), /opened for reading only/);
  } finally {
    await store.close();
  }
  assert.equal(fs.existsSync(`${db}.salt`), false);
});

test('imported user ids are hashed under the store salt: the same in every import into a store, different in another store', async () => {
  const source = path.join(scratch.dir, 'anchor.db');
  buildAnchorDb(source, { v4: true });
  const usersAfterImport = async (db: string): Promise<string[]> => {
    const store = await SkillStore.open({ path: db, pollMs: 0 });
    try {
      await importSessionBuddy(store, source, 'importer');
      return all<{ user_id: string }>(store.db, "SELECT user_id FROM skill_sessions WHERE session_id IN ('s1', 's2') ORDER BY session_id").map((r) => r.user_id);
    } finally {
      await store.close();
    }
  };
  const a = dbIn(scratch.dir, 'import-a');
  const first = await usersAfterImport(a);
  assert.equal(first.length, 2);
  for (const id of first) assert.match(id, /^anon-[0-9a-f]{16}$/);
  assert.deepEqual(await usersAfterImport(a), first);
  const other = await usersAfterImport(dbIn(scratch.dir, 'import-b'));
  assert.equal(other.length, 2);
  assert.ok(other.every((id) => !first.includes(id)), 'another store, other ids');
});
