'use strict';
// Preloaded (node --require) into a writer process of the fault suite: makes one call at one write
// point of the store fail, in the way a disk or a crash makes it fail, and leaves everything else
// alone. SB_FAULT = {"point", "kind", "nth", "after"}: the nth call at that point gets the fault;
// SB_FAULT_MARK names a file that records that it fired (written before a kill).
//
// Points (matched by the file a call works on): segment-append, segment-sync, segment-close,
// snapshot-write (the data and the log offsets, one file), snapshot-sync, snapshot-rename,
// dir-sync, backup, segment-delete, slot-write.
// Kinds: enospc and eio (a write stores half its bytes first, as a torn write), short (a write or
// copy stores half and reports success for that half), kill (SIGKILL, after storing half of a
// write, or before/after the call for the others).
// One read point, for a bad region of a disk rather than a one-off fault: segment-read makes every
// read of the segment whose name contains `file` that touches bytes [from, from + bytes) fail with
// EIO, for as long as the process runs (nth is not used).
const fs = require('node:fs');

const spec = process.env.SB_FAULT ? JSON.parse(process.env.SB_FAULT) : undefined;
const markFile = process.env.SB_FAULT_MARK;
const countFile = process.env.SB_FAULT_COUNT;
const real = {};
for (const name of ['openSync', 'closeSync', 'readSync', 'write', 'writeSync', 'fdatasync', 'fdatasyncSync', 'fsyncSync', 'renameSync', 'copyFileSync', 'rmSync', 'writeFileSync', 'truncateSync', 'fstatSync']) {
  real[name] = fs[name];
}

const SEGMENT = /\.events[\\/]seg-[^\\/]+\.jsonl$/;
const TEMP = /\.tmp-\d+-\d+$/;
const BACKUP = /\.backup-[^\\/]+$/;
const SLOT = /[\\/]slots[\\/]slot-\d+$/;
const paths = new Map();
const counts = {};
let seen = 0;
let fired = false;

function hit(point) {
  counts[point] = (counts[point] ?? 0) + 1;
  if (!spec || fired || spec.point !== point) return false;
  seen++;
  if (seen !== spec.nth) return false;
  fired = true;
  if (markFile) real.writeFileSync.call(fs, markFile, `${point} ${spec.kind}\n`);
  return true;
}

function error(kind, syscall) {
  const code = kind === 'eio' ? 'EIO' : 'ENOSPC';
  const err = new Error(`${code}: injected fault, ${syscall}`);
  err.code = code;
  err.syscall = syscall;
  return err;
}

const kill = () => process.kill(process.pid, 'SIGKILL');

/** Writes the first half of a buffer for real: the torn part of a failing or interrupted write. */
function writeHalf(fd, buffer, offset, length, position) {
  const half = Math.floor(length / 2);
  if (half > 0) real.writeSync.call(fs, fd, buffer, offset, half, position);
  return half;
}

fs.openSync = function openSync(file, ...rest) {
  const fd = real.openSync.call(fs, file, ...rest);
  paths.set(fd, String(file));
  return fd;
};
fs.closeSync = function closeSync(fd) {
  paths.delete(fd);
  return real.closeSync.call(fs, fd);
};

const isDirFd = (fd) => {
  try {
    return real.fstatSync.call(fs, fd).isDirectory();
  } catch {
    return false;
  }
};

fs.write = function write(fd, buffer, offset, length, position, callback) {
  if (arguments.length === 6 && SEGMENT.test(paths.get(fd) ?? '') && hit('segment-append')) {
    const half = writeHalf(fd, buffer, offset, length, position);
    if (spec.kind === 'kill') kill();
    if (spec.kind === 'short') return process.nextTick(callback, null, half, buffer);
    return process.nextTick(callback, error(spec.kind, 'write'));
  }
  return real.write.apply(fs, arguments);
};

fs.readSync = function readSync(fd, buffer, offset, length, position) {
  const file = paths.get(fd) ?? '';
  if (spec?.point === 'segment-read' && SEGMENT.test(file) && file.includes(spec.file) && typeof position === 'number') {
    const end = spec.from + (spec.bytes ?? 4096);
    if (position < end && position + length > spec.from) {
      counts['segment-read'] = (counts['segment-read'] ?? 0) + 1;
      throw error('eio', 'read');
    }
  }
  return real.readSync.apply(fs, arguments);
};

fs.writeSync = function writeSync(fd, buffer, offset, length, position) {
  const file = paths.get(fd) ?? '';
  const point = SEGMENT.test(file) ? 'segment-close' : TEMP.test(file) ? 'snapshot-write' : undefined;
  if (point && typeof buffer !== 'string' && hit(point)) {
    const start = offset ?? 0;
    const size = length ?? buffer.length - start;
    const half = writeHalf(fd, buffer, start, size, position);
    if (spec.kind === 'kill') kill();
    if (spec.kind === 'short') return half;
    throw error(spec.kind, 'write');
  }
  return real.writeSync.apply(fs, arguments);
};

function syncFault(point, run) {
  if (spec.kind === 'kill' && !spec.after) kill();
  if (spec.kind === 'kill') {
    run();
    kill();
  }
  throw error(spec.kind, point);
}

fs.fdatasync = function fdatasync(fd, callback) {
  if (SEGMENT.test(paths.get(fd) ?? '') && hit('segment-sync')) {
    if (spec.kind === 'kill') syncFault('fdatasync', () => real.fdatasyncSync.call(fs, fd));
    return process.nextTick(callback, error(spec.kind, 'fdatasync'));
  }
  return real.fdatasync.apply(fs, arguments);
};

fs.fsyncSync = function fsyncSync(fd) {
  const file = paths.get(fd) ?? '';
  const point = TEMP.test(file) ? 'snapshot-sync' : isDirFd(fd) ? 'dir-sync' : undefined;
  if (point && hit(point)) syncFault('fsync', () => real.fsyncSync.call(fs, fd));
  return real.fsyncSync.apply(fs, arguments);
};

fs.renameSync = function renameSync(from, to) {
  if (TEMP.test(String(from)) && hit('snapshot-rename')) syncFault('rename', () => real.renameSync.call(fs, from, to));
  return real.renameSync.apply(fs, arguments);
};

fs.copyFileSync = function copyFileSync(from, to, mode) {
  if (BACKUP.test(String(to)) && hit('backup')) {
    if (spec.kind === 'kill' && !spec.after) kill();
    real.copyFileSync.call(fs, from, to, mode);
    if (spec.kind === 'kill') kill();
    real.truncateSync.call(fs, to, Math.floor(fs.statSync(to).size / 2));
    if (spec.kind === 'short') return undefined;
    throw error(spec.kind, 'copyfile');
  }
  return real.copyFileSync.apply(fs, arguments);
};

fs.rmSync = function rmSync(file) {
  if (SEGMENT.test(String(file)) && hit('segment-delete')) syncFault('unlink', () => real.rmSync.call(fs, file, { force: true }));
  return real.rmSync.apply(fs, arguments);
};

fs.writeFileSync = function writeFileSync(file) {
  if (SLOT.test(String(file)) && hit('slot-write')) syncFault('write', () => real.writeFileSync.apply(fs, arguments));
  return real.writeFileSync.apply(fs, arguments);
};

if (countFile) process.on('exit', () => real.writeFileSync.call(fs, countFile, JSON.stringify(counts)));
