import { one } from './statements';
import type { Store } from './storeInterface';

/**
 * Whether the store's data may have changed without an event this process applied: SQLite's
 * data_version moves when another connection commits to the file, and a new database object
 * (a reopened or rebuilt store) holds other data. What is kept from reads is dropped then.
 */
export class OutsideChanges {
  private seen: { db: unknown; version: number } | undefined;

  constructor(private readonly store: Pick<Store, 'db'>) {}

  /** True the first time and whenever the data may have changed outside since the previous call. */
  changed(): boolean {
    const version = one<{ data_version: number }>(this.store.db, 'PRAGMA data_version')?.data_version ?? 0;
    const seen = this.seen;
    if (seen && seen.db === this.store.db && seen.version === version) return false;
    this.seen = { db: this.store.db, version };
    return true;
  }
}
