/**
 * Folds the committed frames of a SQLite write-ahead log into the main database image, which is
 * what a checkpoint does. The Python tool keeps its database in WAL mode, and while it runs the
 * newest transactions live only in `skills.db-wal`. Frames count only if their salts match the log
 * header and the running checksum holds, and only up to the last commit frame, as SQLite does.
 */
export function applyWal(db: Uint8Array, wal: Uint8Array): { bytes: Uint8Array; frames: number } {
  if (wal.length < 32) return { bytes: db, frames: 0 };
  const header = new DataView(wal.buffer, wal.byteOffset, wal.byteLength);
  const magic = header.getUint32(0);
  if (magic !== 0x377f0682 && magic !== 0x377f0683) return { bytes: db, frames: 0 };
  const bigEndian = magic === 0x377f0683;
  const pageSize = header.getUint32(8) === 1 ? 65536 : header.getUint32(8);
  const salt1 = header.getUint32(16);
  const salt2 = header.getUint32(20);
  let [s0, s1] = checksum(wal, 0, 24, bigEndian, 0, 0);
  if (s0 !== header.getUint32(24) || s1 !== header.getUint32(28)) return { bytes: db, frames: 0 };

  const frameSize = 24 + pageSize;
  const pending: { page: number; offset: number }[] = [];
  let committed: { page: number; offset: number }[] = [];
  let dbPages = 0;
  for (let offset = 32; offset + frameSize <= wal.length; offset += frameSize) {
    if (header.getUint32(offset + 8) !== salt1 || header.getUint32(offset + 12) !== salt2) break;
    [s0, s1] = checksum(wal, offset, 8, bigEndian, s0, s1);
    [s0, s1] = checksum(wal, offset + 24, pageSize, bigEndian, s0, s1);
    if (s0 !== header.getUint32(offset + 16) || s1 !== header.getUint32(offset + 20)) break;
    pending.push({ page: header.getUint32(offset), offset: offset + 24 });
    const commitSize = header.getUint32(offset + 4);
    if (commitSize > 0) {
      committed = committed.concat(pending.splice(0));
      dbPages = commitSize;
    }
  }
  if (committed.length === 0) return { bytes: db, frames: 0 };
  const out = new Uint8Array(dbPages * pageSize);
  out.set(db.subarray(0, Math.min(db.length, out.length)));
  for (const frame of committed) out.set(wal.subarray(frame.offset, frame.offset + pageSize), (frame.page - 1) * pageSize);
  return { bytes: out, frames: committed.length };
}

function checksum(data: Uint8Array, offset: number, length: number, bigEndian: boolean, s0: number, s1: number): [number, number] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let a = s0;
  let b = s1;
  for (let i = offset; i < offset + length; i += 8) {
    a = (a + view.getUint32(i, !bigEndian) + b) >>> 0;
    b = (b + view.getUint32(i + 4, !bigEndian) + a) >>> 0;
  }
  return [a, b];
}
