import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../store/atomicFile';
import { storePaths } from '../store/paths';
import { loadOrCreateSecretFile, readSecretFile, type SecretFileKind } from '../store/secretFile';

/** 32 random bytes, URL-safe: usable in a header, a query string and a JSON message alike. */
export function generateToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** Where the CLI keeps the real-time token: beside the database, readable by its owner only. */
export function tokenFilePath(dbPath: string): string {
  return storePaths(dbPath).token;
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,256}$/;

export function isWellFormedToken(value: string): boolean {
  return TOKEN_SHAPE.test(value);
}

const TOKEN_FILE: SecretFileKind = { shape: TOKEN_SHAPE, expected: 'a valid token (delete it to generate a new one)' };

/** Reads the token file, or undefined when there is none. A damaged file is an error, not a silent regeneration. */
export function readTokenFile(file: string): string | undefined {
  return readSecretFile(file, TOKEN_FILE);
}

/** Writes the token with mode 0600 (created that way, so it is never briefly readable by others), atomically. */
export function writeTokenFile(file: string, token: string): void {
  if (!isWellFormedToken(token)) throw new Error('refusing to write a malformed token');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, `${token}\n`);
}

/** The token in the file, created on first use. Two processes racing to create it agree on one. */
export function loadOrCreateToken(file: string): string {
  return loadOrCreateSecretFile(file, TOKEN_FILE, generateToken);
}

/**
 * The editor keeps the token in its secret storage; the file beside the database is the copy the
 * CLI and scripts read. A valid stored secret wins and is written to the file when they differ;
 * without one the file's token (created if needed) is used, and the caller stores it.
 */
export function mirrorToken(secret: string | undefined, file: string): string {
  if (secret === undefined || !isWellFormedToken(secret)) return loadOrCreateToken(file);
  let current: string | undefined;
  try {
    current = readTokenFile(file);
  } catch {
    current = undefined;
  }
  if (current !== secret) writeTokenFile(file, secret);
  return secret;
}

/** Compares without leaking, through timing, how much of a guess was right. */
export function tokensMatch(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = crypto.createHash('sha256').update(expected).digest();
  const b = crypto.createHash('sha256').update(given).digest();
  return crypto.timingSafeEqual(a, b);
}
