import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { storePaths } from '../store/paths';

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

/** Reads the token file, or undefined when there is none. A damaged file is an error, not a silent regeneration. */
export function readTokenFile(file: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const token = text.trim();
  if (!isWellFormedToken(token)) throw new Error(`${file} does not hold a valid token (delete it to generate a new one)`);
  restrictToOwner(file);
  return token;
}

/** Writes the token with mode 0600 (created that way, so it is never briefly readable by others). */
export function writeTokenFile(file: string, token: string): void {
  if (!isWellFormedToken(token)) throw new Error('refusing to write a malformed token');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${token}\n`, { mode: 0o600, flag: 'w' });
  restrictToOwner(temp);
  fs.renameSync(temp, file);
}

/** The token in the file, created on first use. Two processes racing to create it agree on one. */
export function loadOrCreateToken(file: string): string {
  const existing = readTokenFile(file);
  if (existing) return existing;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const token = generateToken();
  try {
    fs.writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
    restrictToOwner(file);
    return token;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return readTokenFile(file) ?? token;
  }
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

/** A file created by an older version or by hand may be group/world readable: tighten it. */
function restrictToOwner(file: string): void {
  if (process.platform === 'win32') return;
  const mode = fs.statSync(file).mode & 0o777;
  if (mode !== 0o600) fs.chmodSync(file, 0o600);
}

/** Compares without leaking, through timing, how much of a guess was right. */
export function tokensMatch(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = crypto.createHash('sha256').update(expected).digest();
  const b = crypto.createHash('sha256').update(given).digest();
  return crypto.timingSafeEqual(a, b);
}
