import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ensureRuntimeDir, hostPaths, SOCKET_PATH_MAX_BYTES } from '../../src/core/host/hostPaths';
import { tempDir } from '../helpers/store';

const posix = process.platform !== 'win32' ? undefined : 'POSIX socket paths';

test('the socket sits beside the database when its path fits a socket address', { skip: posix }, () => {
  const paths = hostPaths('/home/ada/.local/share/session-buddy/skills.db', {});
  assert.equal(paths.socket, '/home/ada/.local/share/session-buddy/skills.db.host.sock');
  assert.equal(paths.runtimeDir, undefined);
  assert.equal(paths.log, '/home/ada/.local/share/session-buddy/skills.db.host.log');
});

test('a store too deep for a socket address gets a hashed socket in the per-user runtime folder', { skip: posix }, () => {
  const deep = `/home/ada/${'nested-folder/'.repeat(8)}skills.db`;
  assert.ok(Buffer.byteLength(`${deep}.host.sock`) > SOCKET_PATH_MAX_BYTES);
  const withRuntime = hostPaths(deep, { XDG_RUNTIME_DIR: '/run/user/1000' });
  assert.match(withRuntime.socket, /^\/run\/user\/1000\/session-buddy\/[0-9a-f]{16}\.sock$/);
  assert.equal(withRuntime.runtimeDir, '/run/user/1000/session-buddy');
  assert.equal(hostPaths(deep, { XDG_RUNTIME_DIR: '/run/user/1000' }).socket, withRuntime.socket, 'the same store, the same socket');
  assert.notEqual(hostPaths(`${deep}2`, { XDG_RUNTIME_DIR: '/run/user/1000' }).socket, withRuntime.socket, 'another store, another socket');
  const withoutRuntime = hostPaths(deep, {});
  assert.equal(withoutRuntime.runtimeDir, path.join(os.tmpdir(), `session-buddy-${process.getuid?.()}`));
  assert.equal(withRuntime.log, `${deep}.host.log`, 'the log stays beside the store');
});

test('a runtime folder is created 0700, and one that others could write to is tightened', { skip: posix }, () => {
  const { dir, cleanup } = tempDir();
  try {
    const runtime = path.join(dir, 'session-buddy');
    ensureRuntimeDir(runtime);
    assert.equal(fs.statSync(runtime).mode & 0o777, 0o700);
    fs.chmodSync(runtime, 0o777);
    ensureRuntimeDir(runtime);
    assert.equal(fs.statSync(runtime).mode & 0o777, 0o700);
    fs.rmdirSync(runtime);
    fs.writeFileSync(runtime, '');
    assert.throws(() => ensureRuntimeDir(runtime), /not a folder|EEXIST|ENOTDIR/);
  } finally {
    cleanup();
  }
});

test('on Windows the host listens on a named pipe named from the store', () => {
  const paths = hostPaths('C:\\Users\\ada\\AppData\\Roaming\\session-buddy\\skills.db', {}, 'win32');
  assert.match(paths.socket, /^\\\\\.\\pipe\\session-buddy-[0-9a-f]{16}$/);
});
