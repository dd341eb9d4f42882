import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MAX_LINE_BYTES, parseEventLine, type LoggedEvent } from './eventSchema';
import { describeIoError, zeroByteWrite } from './ioErrors';

/**
 * The event log is a folder of append-only JSON-lines segments, one per writing process, so that
 * writers never interleave. A segment starts with a header line naming its writer and ends with a
 * close line when the writer shuts down cleanly. Every event line starts with `{"s":`, its stamp.
 */
export interface SegmentHeader {
  t: 'segment';
  pid: number;
  slot: number;
  started_at: string;
}

export interface SegmentInfo {
  name: string;
  file: string;
  size: number;
  mtimeMs: number;
}

const SEGMENT = /^seg-[A-Za-z0-9-]+\.jsonl$/;
const CLOSE_LINE = '{"t":"close"}\n';
const HEADER_START = '{"t":"segment"';
const EVENT_START = '{"s":';

export function listSegments(eventsDir: string): SegmentInfo[] {
  let names: string[];
  try {
    names = fs.readdirSync(eventsDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.filter((n) => SEGMENT.test(n)).sort().flatMap((name) => {
    const file = path.join(eventsDir, name);
    try {
      const st = fs.statSync(file);
      return st.isFile() ? [{ name, file, size: st.size, mtimeMs: st.mtimeMs }] : [];
    } catch {
      return [];
    }
  });
}

/** One event read from the log, with where it was read (for ordering and for messages). */
export interface LogItem {
  event: LoggedEvent;
  /** The segment file, and the byte offset of the event's line in it. */
  file: string;
  at: number;
  /** The offset just past the line. */
  end: number;
}

/** A line that is not a valid event: skipped, and reported once with its file and line number. */
export interface LogProblem {
  file: string;
  /** Byte offset of the line. */
  at: number;
  problem: string;
  /** Part of the segment could not be read or applied: it must be kept (or set aside by repair), not removed. */
  damage?: boolean;
}

/** Bytes read at a time; a longer line grows the buffer up to the longest valid line. */
const READ_CHUNK = 1024 * 1024;
/** Bytes read at a time when salvaging a damaged segment: what one unreadable read costs. */
const SALVAGE_CHUNK = 4096;

export interface LineChunkOptions {
  /** Hears a line longer than MAX_LINE_BYTES, which is skipped. */
  onOverlong?: (at: number, bytes: number) => void;
  /**
   * Salvage: a read that fails is reported here and its bytes are skipped (with the lines they cut
   * into), instead of ending the read with the error. Reads are small, so that little is lost.
   */
  onUnreadable?: (at: number, bytes: number, err: Error) => void;
}

/**
 * A segment's bytes from `from` up to `to`, a chunk of whole lines at a time, so that no read holds
 * more than one chunk whatever the segment's size. A line longer than MAX_LINE_BYTES cannot be a
 * valid event: it is skipped up to its newline and reported. A last line without its newline (still
 * being written, or torn) is left unread: `offset` stays before it.
 */
export class LineChunks {
  /** Offset just past the last complete line handed out (or skipped). */
  offset: number;
  private fd: number | undefined;
  private buffer: Buffer;
  /** After unreadable bytes: what follows up to the next newline is the rest of a damaged line. */
  private resync = false;

  constructor(readonly file: string, from: number, private readonly to: number, private readonly options: LineChunkOptions = {}) {
    this.offset = from;
    this.buffer = Buffer.allocUnsafe(Math.max(1, Math.min(options.onUnreadable ? SALVAGE_CHUNK : READ_CHUNK, to - from)));
  }

  /** The next run of complete lines (each ending with a newline) and the file offset of its first byte. */
  next(): { bytes: Buffer; at: number } | undefined {
    while (this.offset < this.to) {
      const at = this.offset;
      const length = Math.min(this.buffer.length, this.to - at);
      let got: number;
      try {
        got = this.read(this.buffer, at, length);
      } catch (err) {
        if (!this.options.onUnreadable) throw err;
        this.options.onUnreadable(at, length, err as Error);
        this.offset = at + length;
        this.resync = true;
        continue;
      }
      const chunk = this.buffer.subarray(0, got);
      const start = this.resync ? chunk.indexOf(0x0a) + 1 : 0;
      const last = chunk.lastIndexOf(0x0a);
      if (last >= 0) {
        this.resync = false;
        this.offset = at + last + 1;
        if (last + 1 > start) return { bytes: chunk.subarray(start, last + 1), at: at + start };
        continue;
      }
      if (got < this.buffer.length) break;
      if (this.resync) {
        this.offset = at + got;
        continue;
      }
      if (this.buffer.length <= MAX_LINE_BYTES) this.buffer = Buffer.allocUnsafe(Math.min(2 * this.buffer.length, MAX_LINE_BYTES + 1));
      else if (!this.skipOverlong(at)) break;
    }
    this.close();
    return undefined;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private read(into: Buffer, at: number, length: number): number {
    this.fd ??= fs.openSync(this.file, 'r');
    let got = 0;
    while (got < length) {
      const n = fs.readSync(this.fd, into, got, length - got, at + got);
      if (n === 0) break;
      got += n;
    }
    return got;
  }

  /** Moves past a line with no newline within the longest valid line; false when it has no newline at all yet. */
  private skipOverlong(at: number): boolean {
    for (let scan = at + this.buffer.length; scan < this.to; scan += this.buffer.length) {
      const got = this.read(this.buffer, scan, Math.min(this.buffer.length, this.to - scan));
      const newline = this.buffer.subarray(0, got).indexOf(0x0a);
      if (newline >= 0) {
        this.offset = scan + newline + 1;
        this.options.onOverlong?.(at, this.offset - at);
        return true;
      }
    }
    return false;
  }
}

/**
 * Reads a segment's events one at a time, in file order, from `from` up to `to`: the caller holds
 * one chunk of the segment, never all of it. A line that is not a valid event is skipped with its
 * reason; when a torn write left a fragment glued to the front of a valid event, the reader
 * resynchronises at that event's start and reports the fragment.
 */
export class SegmentReader {
  /** The event read last and not yet taken (see `take`). */
  current: LogItem | undefined;
  closed = false;
  header: SegmentHeader | undefined;
  private readonly chunks: LineChunks;
  private bytes: Buffer = Buffer.alloc(0);
  private bytesAt = 0;
  private position = 0;

  /** `salvage`: skip and report unreadable bytes instead of failing (see LineChunkOptions). */
  constructor(readonly file: string, from: number, to: number, private readonly onProblem: (problem: LogProblem) => void, salvage = false) {
    this.chunks = new LineChunks(file, from, to, {
      onOverlong: (at, bytes) => onProblem({ file, at, problem: `line of ${bytes} bytes is longer than ${MAX_LINE_BYTES}` }),
      onUnreadable: salvage ? (at, bytes, err) => onProblem({ file, at, problem: `${bytes} bytes could not be read and were skipped: ${err.message}`, damage: true }) : undefined,
    });
    this.advance();
  }

  /** Offset just past the last complete line read. */
  get offset(): number {
    return this.chunks.offset;
  }

  /** Returns the current event and reads the next one. */
  take(): LogItem | undefined {
    const item = this.current;
    this.advance();
    return item;
  }

  close(): void {
    this.chunks.close();
  }

  private advance(): void {
    this.current = undefined;
    while (!this.current) {
      if (this.position >= this.bytes.length) {
        const chunk = this.chunks.next();
        if (!chunk) return;
        this.bytes = chunk.bytes;
        this.bytesAt = chunk.at;
        this.position = 0;
      }
      const newline = this.bytes.indexOf(0x0a, this.position);
      const line = this.bytes.toString('utf8', this.position, newline);
      const at = this.bytesAt + this.position;
      this.position = newline + 1;
      this.current = this.readLine(line, at, this.bytesAt + this.position);
    }
  }

  private readLine(line: string, at: number, end: number): LogItem | undefined {
    if (!line) return undefined;
    if (line.startsWith(HEADER_START)) {
      this.header = parseHeader(line);
      if (!this.header) this.onProblem({ file: this.file, at, problem: 'unreadable segment header' });
      return undefined;
    }
    if (line === CLOSE_LINE.trimEnd()) {
      this.closed = true;
      return undefined;
    }
    const parsed = parseEventLine(line);
    if ('event' in parsed) return { event: parsed.event, file: this.file, at, end };
    const resync = line.lastIndexOf(EVENT_START);
    const tail = resync > 0 ? parseEventLine(line.slice(resync)) : undefined;
    if (tail && 'event' in tail) {
      this.onProblem({ file: this.file, at, problem: `torn write: skipped ${resync} characters before an event` });
      return { event: tail.event, file: this.file, at: at + Buffer.byteLength(line.slice(0, resync)), end };
    }
    this.onProblem({ file: this.file, at, problem: parsed.problem });
    return undefined;
  }
}

function parseHeader(line: string): SegmentHeader | undefined {
  try {
    const value = JSON.parse(line) as Partial<SegmentHeader>;
    return Number.isInteger(value.pid) && Number.isInteger(value.slot) && typeof value.started_at === 'string' ? (value as SegmentHeader) : undefined;
  } catch {
    return undefined;
  }
}

/** The 1-based line number of the line at `at`: counted only when a problem is reported. */
export function lineNumberAt(file: string, at: number): number {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buffer = Buffer.allocUnsafe(at);
      const got = fs.readSync(fd, buffer, 0, at, 0);
      let lines = 1;
      for (let i = buffer.indexOf(0x0a); i >= 0 && i < got; i = buffer.indexOf(0x0a, i + 1)) lines++;
      return lines;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return 0;
  }
}

/** The header of a segment (its first line), or undefined when unreadable. */
export function readSegmentHeader(file: string): SegmentHeader | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const buffer = Buffer.alloc(512);
    const got = fs.readSync(fd, buffer, 0, buffer.length, 0);
    const line = buffer.subarray(0, got).toString('utf8').split('\n')[0];
    return line.startsWith(HEADER_START) ? parseHeader(line) : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export function segmentIsClosed(file: string, size: number): boolean {
  if (size < CLOSE_LINE.length) return false;
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(CLOSE_LINE.length);
    fs.readSync(fd, buffer, 0, buffer.length, size - CLOSE_LINE.length);
    return buffer.toString('utf8') === CLOSE_LINE;
  } finally {
    fs.closeSync(fd);
  }
}

export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A segment will never grow again: closed by its writer, or its writer is gone. */
export function segmentIsFinished(segment: SegmentInfo): boolean {
  if (segmentIsClosed(segment.file, segment.size)) return true;
  const header = readSegmentHeader(segment.file);
  return !header || !processIsAlive(header.pid);
}

const write = (fd: number, buffer: Buffer, offset: number, position: number): Promise<number> =>
  new Promise((resolve, reject) => fs.write(fd, buffer, offset, buffer.length - offset, position, (err, n) => (err ? reject(err) : resolve(n))));
const datasync = (fd: number): Promise<void> => new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));

/**
 * This process's own segment. `append` writes a batch of lines with positional writes (every byte
 * counted, short writes continued) and one fdatasync: the lines are on disk when it resolves. A
 * failed append cuts the segment back to its last confirmed line and retires the segment (the
 * next append goes to a new one), so a torn line can never be glued to a later event.
 */
export class SegmentWriter {
  readonly name: string;
  readonly file: string;
  private fd: number | undefined;
  private bytes = 0;
  private failed = false;

  private constructor(eventsDir: string, private readonly sync: boolean) {
    this.name = `seg-${Date.now().toString(36)}-${process.pid}-${crypto.randomBytes(4).toString('hex')}.jsonl`;
    this.file = path.join(eventsDir, this.name);
  }

  /** `sync: false` (a throw-away store, such as an evaluation's) skips the fdatasync: nothing there must survive a crash. */
  static async create(eventsDir: string, slot: number, sync = true): Promise<SegmentWriter> {
    fs.mkdirSync(eventsDir, { recursive: true, mode: 0o700 });
    const writer = new SegmentWriter(eventsDir, sync);
    try {
      writer.fd = fs.openSync(writer.file, 'wx', 0o600);
    } catch (err) {
      throw describeIoError(err, 'create the event segment', writer.file);
    }
    const header: SegmentHeader = { t: 'segment', pid: process.pid, slot, started_at: new Date().toISOString() };
    await writer.append(`${JSON.stringify(header)}\n`);
    return writer;
  }

  /** Bytes confirmed on disk. */
  get size(): number {
    return this.bytes;
  }

  /** A write failed: this segment takes no more lines. */
  get retired(): boolean {
    return this.failed;
  }

  async append(lines: string): Promise<void> {
    const fd = this.fd;
    if (fd === undefined) throw new Error(`event segment ${this.file} is closed`);
    const buffer = Buffer.from(lines, 'utf8');
    try {
      let written = 0;
      while (written < buffer.length) {
        const n = await write(fd, buffer, written, this.bytes + written);
        if (n <= 0) throw zeroByteWrite();
        written += n;
      }
      if (this.sync) await datasync(fd);
    } catch (err) {
      this.retire();
      throw describeIoError(err, 'append to the event segment', this.file);
    }
    this.bytes += buffer.length;
  }

  /** Marks the segment finished and closes it. Synchronous so that it also works at process exit. */
  close(): void {
    this.finish();
  }

  /** A failed append: this segment takes no more lines; it is cut back and finished. */
  private retire(): void {
    this.failed = true;
    this.finish();
  }

  /**
   * Cuts the segment back to its last confirmed line and ends it with the close line, so that it
   * counts as finished and can be removed (after Delete All Data too) while this process runs on.
   * Tried twice: a failure of the first try (a full disk, a passing I/O error) must not keep a
   * finished segment, and its bytes, alive until the process ends.
   */
  private finish(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          fs.ftruncateSync(fd, this.bytes);
          writeFullySync(fd, Buffer.from(CLOSE_LINE), this.bytes);
          fs.fdatasyncSync(fd);
          return;
        } catch {
          // A segment without its close line is finished once this process has ended, and the
          // reader leaves an unterminated tail alone.
        }
      }
    } finally {
      fs.closeSync(fd);
    }
  }
}

/** Writes every byte of `buffer` at `position` (or the current position), continuing short writes. */
export function writeFullySync(fd: number, buffer: Uint8Array, position?: number): void {
  let written = 0;
  while (written < buffer.length) {
    const n = fs.writeSync(fd, buffer, written, buffer.length - written, position === undefined ? null : position + written);
    if (n <= 0) throw zeroByteWrite();
    written += n;
  }
}
