import fs from 'node:fs';
import path from 'node:path';
import { processIsAlive, writeFullySync } from './eventLog';
import { describeIoError } from './ioErrors';

/** Every file written atomically beside the database goes through `<file>.tmp-<pid>-<ms>`. */
const TEMPORARY = /\.tmp-(\d+)-\d+$/;

export function temporaryPath(file: string): string {
  return `${file}.tmp-${process.pid}-${Date.now()}`;
}

/** Makes a rename in `dir` durable (a no-op where folders cannot be opened, i.e. Windows). */
export function syncDirectory(dir: string): void {
  if (process.platform === 'win32') return;
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (err) {
    throw describeIoError(err, 'sync the folder', dir);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Replaces `file` so that a reader sees the old content or the new, never part of either, even
 * after a crash: a temporary file in the same folder, written in full (short writes continued),
 * fsynced, renamed over the file, the folder fsynced. Created with `mode`, by default 0600: what
 * lies beside the database is the user's data or a secret. A failure removes the temporary file.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o600): void {
  const temp = temporaryPath(file);
  try {
    const fd = fs.openSync(temp, 'wx', mode);
    try {
      writeFullySync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw describeIoError(err, 'write', file);
  }
  syncDirectory(path.dirname(file));
}

/**
 * Temporary files beside the database (`<db>…tmp-<pid>-<ms>`: snapshots, the model, the token) left
 * by a process that died while writing one; they may hold a copy of the data, so they are removed
 * on every open, before every snapshot and by Delete All Data. Returns the removed paths.
 */
export function removeStaleTempFiles(db: string): string[] {
  const dir = path.dirname(db);
  const base = path.basename(db);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(TEMPORARY.exec(name)?.[1]);
    if (!name.startsWith(base) || !pid || pid === process.pid || processIsAlive(pid)) continue;
    const target = path.join(dir, name);
    try {
      fs.rmSync(target, { force: true });
      removed.push(target);
    } catch {
      // another process removed it first, or it cannot be removed: the next open tries again
    }
  }
  return removed;
}
