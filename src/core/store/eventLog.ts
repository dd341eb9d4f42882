import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseEvent, type StoreEvent } from './events';

/**
 * The event log is a folder of append-only JSON-lines segments, one per writing process, so that
 * writers never interleave. A segment starts with a header line naming its writer and ends with a
 * close line when the writer shuts down cleanly.
 */
interface SegmentHeader {
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
      return [{ name, file, size: st.size, mtimeMs: st.mtimeMs }];
    } catch {
      return [];
    }
  });
}

export interface SegmentRead {
  events: StoreEvent[];
  /** Offset just past the last complete line read. */
  offset: number;
  /** Complete lines that were not valid events (skipped, never fatal). */
  invalid: number;
  closed: boolean;
  header?: SegmentHeader;
}

/**
 * Reads the complete lines of a segment from `offset` on. A line still being written (no newline
 * yet) is left for the next read.
 */
export function readSegment(file: string, offset: number, size?: number): SegmentRead {
  const fd = fs.openSync(file, 'r');
  try {
    const end = size ?? fs.fstatSync(fd).size;
    if (end <= offset) return { events: [], offset, invalid: 0, closed: false };
    const buffer = Buffer.allocUnsafe(end - offset);
    const got = fs.readSync(fd, buffer, 0, buffer.length, offset);
    const chunk = buffer.subarray(0, got);
    const lastNewline = chunk.lastIndexOf(0x0a);
    if (lastNewline < 0) return { events: [], offset, invalid: 0, closed: false };
    const text = chunk.subarray(0, lastNewline).toString('utf8');
    const result: SegmentRead = { events: [], offset: offset + lastNewline + 1, invalid: 0, closed: false };
    for (const line of text.split('\n')) {
      if (!line) continue;
      if (line.startsWith('{"t":"segment"')) {
        result.header = JSON.parse(line) as SegmentHeader;
        continue;
      }
      if (line === CLOSE_LINE.trim()) {
        result.closed = true;
        continue;
      }
      const event = parseEvent(line);
      if (event) result.events.push(event);
      else result.invalid++;
    }
    return result;
  } finally {
    fs.closeSync(fd);
  }
}

/** The header of a segment (its first line), or undefined when unreadable. */
export function readSegmentHeader(file: string): SegmentHeader | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(512);
    const got = fs.readSync(fd, buffer, 0, buffer.length, 0);
    const line = buffer.subarray(0, got).toString('utf8').split('\n')[0];
    return line.startsWith('{"t":"segment"') ? (JSON.parse(line) as SegmentHeader) : undefined;
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
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

const write = (fd: number, buffer: Buffer, offset: number): Promise<number> =>
  new Promise((resolve, reject) => fs.write(fd, buffer, offset, buffer.length - offset, null, (err, n) => (err ? reject(err) : resolve(n))));
const datasync = (fd: number): Promise<void> => new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));

/**
 * This process's own segment. `append` writes a batch of lines with one write and one fdatasync:
 * the lines are on disk when the promise resolves.
 */
export class SegmentWriter {
  readonly name: string;
  readonly file: string;
  private fd: number | undefined;
  private bytes = 0;

  private constructor(eventsDir: string) {
    this.name = `seg-${Date.now().toString(36)}-${process.pid}-${crypto.randomBytes(4).toString('hex')}.jsonl`;
    this.file = path.join(eventsDir, this.name);
  }

  static async create(eventsDir: string, slot: number): Promise<SegmentWriter> {
    fs.mkdirSync(eventsDir, { recursive: true, mode: 0o700 });
    const writer = new SegmentWriter(eventsDir);
    writer.fd = fs.openSync(writer.file, 'a', 0o600);
    const header: SegmentHeader = { t: 'segment', pid: process.pid, slot, started_at: new Date().toISOString() };
    await writer.append(`${JSON.stringify(header)}\n`);
    return writer;
  }

  get size(): number {
    return this.bytes;
  }

  async append(lines: string): Promise<void> {
    const fd = this.fd;
    if (fd === undefined) throw new Error(`event segment ${this.file} is closed`);
    const buffer = Buffer.from(lines, 'utf8');
    let written = 0;
    while (written < buffer.length) written += await write(fd, buffer, written);
    await datasync(fd);
    this.bytes += buffer.length;
  }

  /** Marks the segment finished and closes it. Synchronous so that it also works at process exit. */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      fs.writeSync(fd, CLOSE_LINE);
      fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
}
