/**
 * A store opened "as found" is served only if it needs neither a repair nor a schema upgrade. The
 * store host a command starts on its own (the CLI's, by default) opens it so: a `session-buddy
 * metrics` must not move a damaged file aside, nor upgrade the schema under an older extension still
 * running in other windows. Only `repair`, `migrate` or the editor do either, as before the host.
 */
import { damageNotice } from './compactor';
import type { StorePaths } from './paths';

export class StoreNeedsCareError extends Error {}

export function damagedAsFound(paths: StorePaths, reason: string): StoreNeedsCareError {
  return new StoreNeedsCareError(damageNotice(paths, reason));
}

export function outdatedAsFound(paths: StorePaths, pending: number, latest: string | undefined): StoreNeedsCareError {
  const migrations = pending === 1 ? 'a schema migration' : `${pending} schema migrations`;
  return new StoreNeedsCareError(`The database ${paths.db} has ${migrations} to apply (up to ${latest ?? 'the latest'}), which a store host started by a command does not do: \`session-buddy migrate\` (or opening it in VS Code) applies them after a backup.`);
}
