import fs from 'node:fs';
import path from 'node:path';
import { fileStamp } from './paths';

/** The snapshot's bytes, or undefined when there is no file yet. */
export function readSnapshot(file: string): Uint8Array | undefined {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Replaces the snapshot atomically: a temporary file in the same folder, fsync, then rename, then
 * fsync of the folder. The replaced file is kept as `previous` (a hard link, so it costs nothing).
 */
export function writeSnapshotAtomic(file: string, bytes: Uint8Array, previous?: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}-${Date.now()}`;
  const fd = fs.openSync(temp, 'w', 0o600);
  try {
    fs.writeSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  if (previous && fs.existsSync(file)) {
    fs.rmSync(previous, { force: true });
    try {
      fs.linkSync(file, previous);
    } catch {
      fs.copyFileSync(file, previous);
    }
  }
  fs.renameSync(temp, file);
  syncDirectory(path.dirname(file));
}

function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some platforms (Windows) cannot fsync a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Copies the database beside itself before a schema change; returns the backup's path. */
export function backupSnapshot(file: string, label: string): string | undefined {
  if (!fs.existsSync(file)) return undefined;
  const target = `${file}.backup-${fileStamp()}-${label.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
  fs.copyFileSync(file, target, fs.constants.COPYFILE_EXCL);
  return target;
}

/** Moves a damaged file out of the way, never overwriting it; returns where it went. */
export function moveAside(file: string): string {
  const target = `${file}.corrupt-${fileStamp()}`;
  fs.renameSync(file, target);
  return target;
}
