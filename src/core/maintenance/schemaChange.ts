import { MigrationManager } from '../store/migrations';
import type { Store } from '../store/storeInterface';

export interface SchemaChangeResult {
  /** Versions applied or reverted, in order. */
  versions: string[];
  backup?: string;
}

export interface MigrateOptions {
  /** Stop at this version (e.g. V3 or V3__add_workflow_correlation); default the latest. */
  target?: string;
  /** Add the store's tables to another application's SQLite file (`migrate --adopt`). */
  adopt?: boolean;
}

/** What `migrate` would apply to the store as it is in memory. */
export function plannedMigrations(store: Store, options: Pick<MigrateOptions, 'target'> = {}): string[] {
  return new MigrationManager(store.db).migrate({ target: options.target, dryRun: true }).versions;
}

/** What `rollback` of `steps` migrations would revert. */
export function plannedRollback(store: Store, steps: number): string[] {
  return new MigrationManager(store.db).rollback({ steps, dryRun: true }).versions;
}

/**
 * Applies pending migrations to the database file (brought up to date with the log, after a
 * backup), as the CLI does. Processes holding an in-memory copy keep its schema until they reopen.
 */
export async function migrateSnapshot(store: Store, options: MigrateOptions = {}): Promise<SchemaChangeResult> {
  let versions: string[] = [];
  const report = await store.rewrite({
    adopt: options.adopt,
    operation: {
      label: 'before-migrate',
      needed: (_db, manager) => manager.pendingCount() > 0,
      run: (_db, manager) => (versions = manager.migrate({ target: options.target }).versions),
    },
  });
  return { versions, backup: report.backup };
}

/** Reverts the newest `steps` migrations of the snapshot, after a backup. */
export async function rollbackSnapshot(store: Store, steps: number): Promise<SchemaChangeResult> {
  let versions: string[] = [];
  const report = await store.rewrite({
    operation: { label: 'before-rollback', needed: (_db, manager) => manager.applied().length > 0, run: (_db, manager) => (versions = manager.rollback({ steps }).versions) },
  });
  return { versions, backup: report.backup };
}
