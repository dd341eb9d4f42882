import fs from 'node:fs';
import path from 'node:path';
import { LineChunks, listSegments, segmentIsFinished } from './eventLog';
import type { StorePaths } from './paths';

/**
 * When a log segment may leave the log: once the database file durably holds every event in it,
 * its writer has finished it, and other processes have had time to read its tail. A segment with
 * parts that could not be read or applied is kept until repair sets it aside.
 */

/** A segment that is fully in the database and will never grow again may go after this long. */
export const SEGMENT_GRACE_MS = 60_000;

/** Moves finished damaged segments out of the log, into `<events>/damaged/`, for the user to look at. */
export function setAsideDamaged(paths: StorePaths, damaged: readonly string[]): string[] {
  const moved: string[] = [];
  const folder = path.join(paths.eventsDir, 'damaged');
  for (const segment of listSegments(paths.eventsDir)) {
    if (!damaged.includes(segment.name) || !segmentIsFinished(segment)) continue;
    fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
    const target = path.join(folder, segment.name);
    fs.renameSync(segment.file, target);
    moved.push(target);
  }
  return moved;
}

export function dropMissingSegments(paths: StorePaths, offsets: Map<string, number>): void {
  const present = new Set(listSegments(paths.eventsDir).map((s) => s.name));
  for (const name of [...offsets.keys()]) if (!present.has(name)) offsets.delete(name);
}

/** No complete line follows `from`: what is there is a write that never completed. A tail that cannot be read is not known to be torn. */
function tailIsTorn(file: string, from: number, size: number): boolean {
  const tail = new LineChunks(file, from, size);
  try {
    return tail.next() === undefined;
  } catch {
    return false;
  } finally {
    tail.close();
  }
}

export function deleteFinishedSegments(paths: StorePaths, offsets: Map<string, number>, graceMs: number, damaged: ReadonlySet<string>): string[] {
  const removed: string[] = [];
  const now = Date.now();
  for (const segment of listSegments(paths.eventsDir)) {
    if (damaged.has(segment.name)) continue;
    const consumed = offsets.get(segment.name) ?? 0;
    if (now - segment.mtimeMs < graceMs) continue;
    if (!segmentIsFinished(segment)) continue;
    // What follows the last complete line of a finished segment is a write that never completed.
    if (consumed < segment.size && !tailIsTorn(segment.file, consumed, segment.size)) continue;
    fs.rmSync(segment.file, { force: true });
    removed.push(segment.file);
  }
  return removed;
}
