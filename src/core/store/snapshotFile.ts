import fs from 'node:fs';
import path from 'node:path';
import { syncDirectory, temporaryPath } from './atomicFile';
import { writeFullySync } from './eventLog';
import { describeIoError } from './ioErrors';
import { backupPath } from './paths';

/** The snapshot's bytes, or undefined when there is no file yet. */
export function readSnapshot(file: string): Uint8Array | undefined {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw describeIoError(err, 'read', file);
  }
}

/**
 * Replaces the snapshot atomically and only with what was exported: a temporary file in the same
 * folder written in full (short writes continued), fsynced, checked against the exported bytes
 * (size, SQLite header, last page), renamed over the old one, the folder fsynced, and the result
 * checked again at its final path. Any failure leaves the old snapshot in place and removes the
 * temporary file. The replaced file is kept as `previous`, or (a damaged one) moved to `moveAsideTo`
 * only once its replacement is safely written.
 */
export function writeSnapshotAtomic(file: string, bytes: Uint8Array, replaced: { previous?: string; moveAsideTo?: string } = {}): void {
  const temp = temporaryPath(file);
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

/** Copies the database beside itself before a schema change; returns the backup's path. */
export function backupSnapshot(file: string, label: string): string | undefined {
  if (!fs.existsSync(file)) return undefined;
  const target = backupPath(file, label);
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
