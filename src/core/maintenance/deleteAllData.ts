import fs from 'node:fs';
import path from 'node:path';
import { compact, withSnapshotLock } from '../store/compactor';
import { PURGE_SNAPSHOT_DELAY_MS, type SkillStore } from '../store/store';
import { nowTimestamp } from '../time';

export interface DeleteAllDataResult {
  /** Copies of the database beside it that were removed (backups, damaged files, the previous snapshot, models). */
  removedFiles: string[];
}

/** Files beside the database that hold copies of its data or something learnt from it. */
function dataCopies(dbPath: string): string[] {
  const dir = path.dirname(dbPath);
  const base = path.basename(dbPath);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const copy = (name: string) =>
    name.startsWith(`${base}.backup-`) || name.startsWith(`${base}.corrupt-`) || name === `${base}.prev` || name === `${base}.predictor.json`;
  return names.filter(copy).map((name) => path.join(dir, name));
}

/**
 * Deletes every recorded row: a purge event, so every process and the snapshot forget them, and
 * every writer starts a new log segment; once the other processes have read it, the snapshot is
 * rebuilt with VACUUM, because SQLite keeps deleted rows' bytes in free pages, and the finished
 * segments that held the deleted events are removed; then
 * the backups, damaged copies, previous snapshot and trained model beside the database are removed
 * (under the snapshot lock, so no compaction is writing them meanwhile).
 */
export async function deleteAllData(store: SkillStore, options: { waitForOtherProcessesMs?: number } = {}): Promise<DeleteAllDataResult> {
  await store.commit([{ t: 'purge', at: nowTimestamp() }]);
  await new Promise((resolve) => setTimeout(resolve, options.waitForOtherProcessesMs ?? PURGE_SNAPSHOT_DELAY_MS));
  await compact(store.paths, {
    migrate: false,
    segmentGraceMs: 0,
    operation: { label: 'before-purge', needed: () => true, run: (db) => db.exec('VACUUM') },
  });
  return withSnapshotLock(store.paths, () => {
    const removedFiles: string[] = [];
    for (const file of dataCopies(store.paths.db)) {
      fs.rmSync(file, { force: true, recursive: true });
      removedFiles.push(file);
    }
    return { removedFiles };
  });
}
