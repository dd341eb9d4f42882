import fs from 'node:fs';
import path from 'node:path';
import { listSegments, readSegmentHeader, segmentIsFinished } from '../store/eventLog';
import { isDataCopyName, type StorePaths } from '../store/paths';
import { removeStaleTempFiles } from '../store/atomicFile';
import { PURGE_SNAPSHOT_DELAY_MS } from '../store/store';
import type { Store } from '../store/storeInterface';
import { nowTimestamp } from '../time';

export interface DeleteAllDataResult {
  /** Every file removed: old log segments, backups, damaged copies, the previous snapshot, temporary files, the trained model, the salt. */
  removedFiles: string[];
  /** Log segments still written by a process that did not let go of them in time; removed once it ends. */
  keptFiles: string[];
}

/**
 * Files beside the database that hold copies of its data or something learnt from it (the trained
 * model, the regression history's cached state), and the salt of its hashes (without it, nothing
 * hashed before can be linked to what is recorded after).
 */
function dataCopies(paths: StorePaths): string[] {
  const dir = path.dirname(paths.db);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const files = names.filter((name) => isDataCopyName(paths.db, name)).map((name) => path.join(dir, name));
  return [...files, paths.previous, paths.predictor, paths.salt, paths.historyDir].filter((file) => fs.existsSync(file));
}

/** Segments begun before the purge whose writer is still running and has not closed them. */
function segmentsStillOpen(paths: StorePaths, purgedAt: string): string[] {
  return listSegments(paths.eventsDir)
    .filter((segment) => (readSegmentHeader(segment.file)?.started_at ?? '') < purgedAt && !segmentIsFinished(segment))
    .map((segment) => segment.file);
}

/**
 * Every other running process closes its segment once it has read the purge (within its poll
 * interval); waits for that, at least long enough for processes that only read to see it too.
 */
async function waitForOtherProcesses(paths: StorePaths, purgedAt: string, minMs: number, maxMs: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    const waited = Date.now() - started;
    if (waited >= maxMs || (waited >= minMs && segmentsStillOpen(paths, purgedAt).length === 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Deletes every recorded row, in every process and on disk: a purge event (stamped by the store
 * clock, so it removes every event recorded before it in any process's segment), then, once the
 * other processes have read it and closed their old segments, a snapshot rebuilt without free
 * pages; then the finished segments, backups, damaged copies, previous snapshot, temporary files,
 * trained model and salt beside the database are removed (under the snapshot lock, so no rebuild is
 * writing them meanwhile). Returns every file removed, and any segment a process still holds.
 */
export async function deleteAllData(store: Store, options: { waitForOtherProcessesMs?: number } = {}): Promise<DeleteAllDataResult> {
  const purgedAt = nowTimestamp();
  await store.commit([{ t: 'purge', at: purgedAt }]);
  const minWait = options.waitForOtherProcessesMs ?? PURGE_SNAPSHOT_DELAY_MS;
  await waitForOtherProcesses(store.paths, purgedAt, minWait, minWait + 5000);
  const report = await store.rewrite({ segmentGraceMs: 0, vacuum: true });
  return store.underStoreLock(() => {
    const removedFiles = new Set([...report.removedFiles, ...removeStaleTempFiles(store.paths.db)]);
    for (const file of dataCopies(store.paths)) {
      fs.rmSync(file, { force: true, recursive: true });
      removedFiles.add(file);
    }
    // A file can be removed twice: another window that read the purge may have rebuilt the snapshot
    // (and so written a new .prev) between the rebuild above and this lock.
    return { removedFiles: [...removedFiles], keptFiles: segmentsStillOpen(store.paths, purgedAt) };
  });
}
