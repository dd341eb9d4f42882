import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { loadOrCreateToken, mirrorToken, readTokenFile, tokenFilePath, tokensMatch, writeTokenFile } from '../../src/core/realtime/token';
import { tempDir } from '../helpers/store';

const scratch = tempDir('sb-token-');
after(() => scratch.cleanup());
const posix = process.platform !== 'win32';

describe('real-time token file', () => {
  test('created on first use beside the database, readable by its owner only, and reused', () => {
    const file = tokenFilePath(path.join(scratch.dir, 'data', 'skills.db'));
    assert.equal(file, path.join(scratch.dir, 'data', 'skills.db.token'));
    const token = loadOrCreateToken(file);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');
    if (posix) assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(loadOrCreateToken(file), token);
    assert.notEqual(loadOrCreateToken(path.join(scratch.dir, 'other.token')), token);
  });

  test('a file left readable by others is tightened; a damaged file is an error, not a silent new token', () => {
    const file = path.join(scratch.dir, 'loose.token');
    writeTokenFile(file, 'a'.repeat(40));
    if (posix) {
      fs.chmodSync(file, 0o644);
      assert.equal(readTokenFile(file), 'a'.repeat(40));
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    }
    fs.writeFileSync(file, 'not a token!\n');
    assert.throws(() => loadOrCreateToken(file), /does not hold a valid token \(delete it to generate a new one\)/);
    assert.equal(readTokenFile(path.join(scratch.dir, 'missing.token')), undefined);
  });

  test("the editor's secret wins and is mirrored to the file; without one the file's token is used", () => {
    const file = path.join(scratch.dir, 'mirror', 'skills.db.token');
    const fromFile = mirrorToken(undefined, file);
    assert.equal(readTokenFile(file), fromFile, 'no secret yet: the file is created and its token returned');
    assert.equal(mirrorToken(undefined, file), fromFile);
    const secret = 'c'.repeat(43);
    assert.equal(mirrorToken(secret, file), secret);
    assert.equal(readTokenFile(file), secret, 'the file follows the secret, so the CLI sees the same token');
    fs.writeFileSync(file, 'garbage');
    assert.equal(mirrorToken(secret, file), secret);
    assert.equal(readTokenFile(file), secret, 'a damaged file is rewritten from the secret');
    assert.equal(mirrorToken('short', file), secret, 'a malformed secret is ignored');
  });

  test('tokens are compared in full', () => {
    const token = 'b'.repeat(43);
    assert.equal(tokensMatch(token, token), true);
    assert.equal(tokensMatch(token, `${token}b`), false);
    assert.equal(tokensMatch(token, 'b'.repeat(42)), false);
    assert.equal(tokensMatch(token, undefined), false);
  });
});
