import { compact } from '../store/compactor';
import { MigrationManager } from '../store/migrations';
import type { SkillStore } from '../store/store';

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
export function plannedMigrations(store: SkillStore, options: Pick<MigrateOptions, 'target'> = {}): string[] {
  return new MigrationManager(store.db).migrate({ target: options.target, dryRun: true }).versions;
}

/** What `rollback` of `steps` migrations would revert. */
export function plannedRollback(store: SkillStore, steps: number): string[] {
  return new MigrationManager(store.db).rollback({ steps, dryRun: true }).versions;
}

/**
 * Applies pending migrations to the snapshot (loaded from disk plus the log, under the lock, after
 * a backup), as the CLI does. Running processes keep their in-memory schema until they reopen.
 */
export async function migrateSnapshot(store: SkillStore, options: MigrateOptions = {}): Promise<SchemaChangeResult> {
  let versions: string[] = [];
  const report = await compact(store.paths, {
    migrate: false,
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
export async function rollbackSnapshot(store: SkillStore, steps: number): Promise<SchemaChangeResult> {
  let versions: string[] = [];
  const report = await compact(store.paths, {
    migrate: false,
    operation: { label: 'before-rollback', needed: (_db, manager) => manager.applied().length > 0, run: (_db, manager) => (versions = manager.rollback({ steps }).versions) },
  });
  return { versions, backup: report.backup };
}
