import crypto from 'node:crypto';
import { loadOrCreateSecretFile, type SecretFileKind } from './secretFile';
import type { Store } from './storeInterface';

/**
 * A random salt per store, in a file beside the database (StorePaths.salt, mode 0600) that every
 * process on the store reads, so that a hash of a guessable value (a project folder, an imported
 * user id) still groups equal values within the store but cannot be checked against a guess
 * without that file. It lives outside the snapshot because a new one must be agreed on at once by
 * processes that may all be creating it, which only an exclusive file creation guarantees. Delete
 * All Data removes it: nothing hashed before can be linked to what is recorded after.
 */
const SALT_FILE: SecretFileKind = {
  shape: /^[0-9a-f]{64}$/,
  expected: 'a valid salt (restore it from a backup; a new one would hash projects and imported users differently from the data recorded so far)',
};

/** The store's salt, created on first use; creating it is a write, so a read-only store refuses it as it refuses one. */
export function storeSalt(store: Store): string {
  if (store.readOnlyReason) throw new Error(store.readOnlyReason);
  return saltAt(store.paths.salt);
}

/** The salt in its file (StorePaths.salt), created on first use, for a process that records without opening the store. */
export function saltAt(file: string): string {
  return loadOrCreateSecretFile(file, SALT_FILE, () => crypto.randomBytes(32).toString('hex'));
}

/** A keyed hash (HMAC-SHA256, hex) of the value under a store's salt. */
export function saltedHash(salt: string, value: string): string {
  return crypto.createHmac('sha256', salt).update(value).digest('hex');
}
