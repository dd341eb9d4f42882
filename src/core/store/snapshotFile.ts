import fs from 'node:fs';
import path from 'node:path';
import { processIsAlive, writeFullySync } from './eventLog';
import { describeIoError } from './ioErrors';
import { fileStamp } from './paths';

/** The snapshot's bytes, or undefined when there is no file yet. */
export function readSnapshot(file: string): Uint8Array | undefined {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw describeIoError(err, 'read', file);
  }
}

/** Where a snapshot is written before it is renamed into place: `<db>.tmp-<pid>-<ms>`. */
const tempName = (file: string) => `${file}.tmp-${process.pid}-${Date.now()}`;
const TEMP = /\.tmp-(\d+)-\d+$/;

/**
 * Replaces the snapshot atomically and only with what was exported: a temporary file in the same
 * folder written in full (short writes continued), fsynced, checked against the exported bytes
 * (size, SQLite header, last page), renamed over the old one, the folder fsynced, and the result
 * checked again at its final path. Any failure leaves the old snapshot in place and removes the
 * temporary file. The replaced file is kept as `previous`, or (a damaged one) moved to `moveAsideTo`
 * only once its replacement is safely written.
 */
export function writeSnapshotAtomic(file: string, bytes: Uint8Array, replaced: { previous?: string; moveAsideTo?: string } = {}): void {
  const temp = tempName(file);
  try {
    const fd = fs.openSync(temp, 'wx', 0o600);
    try {
      writeFullySync(fd, bytes, 0);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    verifyWritten(temp, bytes);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw describeIoError(err, 'write the snapshot', temp);
  }
  try {
    if (replaced.moveAsideTo && fs.existsSync(file)) fs.renameSync(file, replaced.moveAsideTo);
    else if (replaced.previous) keepPrevious(file, replaced.previous);
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw describeIoError(err, 'replace the snapshot', file);
  }
  syncDirectory(path.dirname(file));
  verifyWritten(file, bytes);
}

function keepPrevious(file: string, previous: string): void {
  if (!fs.existsSync(file)) return;
  fs.rmSync(previous, { force: true });
  try {
    fs.linkSync(file, previous);
  } catch {
    fs.copyFileSync(file, previous);
  }
}

export class SnapshotVerificationError extends Error {}

/** The file holds exactly what was exported: its size, its first 100 bytes and its last 4 KiB. */
export function verifyWritten(file: string, bytes: Uint8Array): void {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (size !== bytes.length) throw new SnapshotVerificationError(`${file} has ${size} bytes on disk, ${bytes.length} were exported`);
    for (const [start, length] of [[0, Math.min(100, size)], [Math.max(0, size - 4096), Math.min(4096, size)]]) {
      const disk = Buffer.alloc(length);
      fs.readSync(fd, disk, 0, length, start);
      if (!disk.equals(Buffer.from(bytes.buffer, bytes.byteOffset + start, length))) {
        throw new SnapshotVerificationError(`${file} differs from the exported database at bytes ${start}-${start + length}`);
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Makes a rename durable. Windows cannot open a folder for fsync; its renames are durable as they are. */
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
 * Temporary snapshot files left by a process that died while writing one; they hold a copy of the
 * data, so they are removed (on every open and before every snapshot). Returns the removed paths.
 */
export function removeStaleTempFiles(file: string): string[] {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}.tmp-`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(TEMP.exec(name)?.[1]);
    if (pid === process.pid || (pid > 0 && processIsAlive(pid))) continue;
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

/** Copies the database beside itself before a schema change; returns the backup's path. */
export function backupSnapshot(file: string, label: string): string | undefined {
  if (!fs.existsSync(file)) return undefined;
  const target = `${file}.backup-${fileStamp()}-${label.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
  try {
    fs.copyFileSync(file, target, fs.constants.COPYFILE_EXCL);
    const fd = fs.openSync(target, 'r');
    try {
      fs.fsyncSync(fd);
      const [copied, original] = [fs.fstatSync(fd).size, fs.statSync(file).size];
      if (copied !== original) throw new SnapshotVerificationError(`the backup has ${copied} bytes, the database ${original}`);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    fs.rmSync(target, { force: true });
    throw describeIoError(err, 'write the backup', target);
  }
  return target;
}
