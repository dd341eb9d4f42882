import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseEventLine, type LoggedEvent } from './eventSchema';
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
}

/** A line that is not a valid event: skipped, and reported once with its file and line number. */
export interface LogProblem {
  file: string;
  /** Byte offset of the line. */
  at: number;
  problem: string;
}

export interface SegmentRead {
  items: LogItem[];
  /** Offset just past the last complete line read. */
  offset: number;
  problems: LogProblem[];
  closed: boolean;
  header?: SegmentHeader;
}

/**
 * Reads the complete lines of a segment from `offset` up to `end` (default: its size). A line still
 * being written (no newline yet) is left for the next read. A line that is not a valid event is
 * skipped with its reason; when a torn write left a fragment glued to the front of a valid event,
 * the reader resynchronises at that event's start and reports the fragment.
 */
export function readSegment(file: string, offset: number, end?: number): SegmentRead {
  const fd = fs.openSync(file, 'r');
  try {
    const size = end ?? fs.fstatSync(fd).size;
    const result: SegmentRead = { items: [], offset, problems: [], closed: false };
    if (size <= offset) return result;
    const buffer = Buffer.allocUnsafe(size - offset);
    const got = fs.readSync(fd, buffer, 0, buffer.length, offset);
    const chunk = buffer.subarray(0, got);
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline >= 0; newline = chunk.indexOf(0x0a, start)) {
      readLine(chunk.toString('utf8', start, newline), file, offset + start, result);
      start = newline + 1;
    }
    result.offset = offset + start;
    return result;
  } finally {
    fs.closeSync(fd);
  }
}

function readLine(line: string, file: string, at: number, into: SegmentRead): void {
  if (!line) return;
  if (line.startsWith(HEADER_START)) {
    const header = parseHeader(line);
    if (header) into.header = header;
    else into.problems.push({ file, at, problem: 'unreadable segment header' });
    return;
  }
  if (line === CLOSE_LINE.trimEnd()) {
    into.closed = true;
    return;
  }
  const parsed = parseEventLine(line);
  if ('event' in parsed) {
    into.items.push({ event: parsed.event, file, at });
    return;
  }
  const resync = line.lastIndexOf(EVENT_START);
  const tail = resync > 0 ? parseEventLine(line.slice(resync)) : undefined;
  if (tail && 'event' in tail) {
    into.items.push({ event: tail.event, file, at: at + Buffer.byteLength(line.slice(0, resync)) });
    into.problems.push({ file, at, problem: `torn write: skipped ${resync} characters before an event` });
    return;
  }
  into.problems.push({ file, at, problem: parsed.problem });
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

  private constructor(eventsDir: string) {
    this.name = `seg-${Date.now().toString(36)}-${process.pid}-${crypto.randomBytes(4).toString('hex')}.jsonl`;
    this.file = path.join(eventsDir, this.name);
  }

  static async create(eventsDir: string, slot: number): Promise<SegmentWriter> {
    fs.mkdirSync(eventsDir, { recursive: true, mode: 0o700 });
    const writer = new SegmentWriter(eventsDir);
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
      await datasync(fd);
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
