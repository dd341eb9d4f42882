import { SegmentWriter } from './eventLog';
import type { StoreEvent } from './events';
import { claimWriterSlot, IdGenerator, type WriterSlot } from './writerSlot';

interface Pending {
  events: StoreEvent[];
  /** Each event's JSON, made when it was committed; its stamp is added when the group is written. */
  json: string[];
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * A segment is ended and a new one begun once it holds this much: every segment stays small enough
 * to read in pieces and to remove once it is in the snapshot, however long its writer runs.
 */
export const SEGMENT_ROTATE_BYTES = 64 * 1024 * 1024;

export interface AppenderOptions {
  /** Size at which the segment is ended and a new one begun. */
  segmentBytes: number;
  /** false: no fdatasync (a throw-away store); default true. */
  durable?: boolean;
  /**
   * Hears each group once it is on disk, before its commits resolve, with the segment that holds
   * it (as it is after the write) and each event's stamp.
   */
  onWritten(events: StoreEvent[], stamps: number[], segment: SegmentWriter): void;
}

/**
 * This process's side of the event log: its writer slot, its clock and its own segment. Committed
 * events are appended in groups: events that arrive while a write is in flight go in the next
 * group, so a commit waits for at most one write plus one fdatasync. A failed write rejects its
 * group, touches nothing confirmed, and ends the segment (the next group begins a new one).
 */
export class LogAppender {
  private queue: Pending[] = [];
  private flushing = false;
  private writer: SegmentWriter | undefined;
  private writerReady: Promise<void> | undefined;
  private slotReady: Promise<void> | undefined;
  private slot: WriterSlot | undefined;
  private ids: IdGenerator | undefined;
  private latest: number;

  constructor(private readonly eventsDir: string, private readonly slotsDir: string, private readonly options: AppenderOptions, firstStamp = 0) {
    this.latest = firstStamp;
  }

  /** The segment being written, if one is. */
  get segment(): SegmentWriter | undefined {
    return this.writer;
  }

  /** The greatest stamp written or seen. */
  get latestStamp(): number {
    return this.latest;
  }

  /** Moves this process's clock past a stamp read from the log. */
  observe(stamp: number): void {
    if (stamp <= this.latest) return;
    this.latest = stamp;
    this.ids?.observe(stamp);
  }

  async nextId(): Promise<number> {
    await this.ensureWriter();
    return this.ids!.next();
  }

  /** Resolves once the events are on disk; `json` holds each event's JSON. */
  append(events: StoreEvent[], json: string[]): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.queue.push({ events, json, resolve, reject }));
    if (!this.flushing) void this.flush();
    return done;
  }

  /** Waits until every queued group is written (or failed). */
  async drain(): Promise<void> {
    while (this.flushing || this.queue.length > 0) {
      if (!this.flushing) await this.flush();
      else await new Promise((r) => setImmediate(r));
    }
  }

  /** Ends the segment (the next write begins a new one), so that it can be removed once applied. */
  endSegment(): void {
    if (!this.writer) return;
    this.writer.close();
    this.writer = undefined;
    this.writerReady = undefined;
  }

  /** Ends the segment and gives the writer slot back. */
  close(): void {
    this.writer?.close();
    this.slot?.release();
  }

  private async ensureWriter(): Promise<void> {
    this.slotReady ??= claimWriterSlot(this.slotsDir).then((slot) => {
      this.slot = slot;
      this.ids = new IdGenerator(slot.slot);
      this.ids.observe(this.latest);
    });
    await this.slotReady;
    this.writerReady ??= SegmentWriter.create(this.eventsDir, this.slot!.slot, this.options.durable !== false).then(
      (writer) => {
        this.writer = writer;
      },
      (err: Error) => {
        this.writerReady = undefined;
        throw err;
      },
    );
    return this.writerReady;
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        let stamps: number[];
        try {
          await this.ensureWriter();
          stamps = [];
          let lines = '';
          for (const pending of batch) {
            for (const json of pending.json) {
              const stamp = this.ids!.next();
              stamps.push(stamp);
              lines += `{"s":${stamp},${json.slice(1)}\n`;
            }
          }
          await this.writer!.append(lines);
        } catch (err) {
          if (this.writer?.retired) this.endSegment();
          for (const p of batch) p.reject(err as Error);
          continue;
        }
        const writer = this.writer!;
        this.latest = Math.max(this.latest, stamps.at(-1) ?? 0);
        this.options.onWritten(batch.flatMap((p) => p.events), stamps, writer);
        if (writer.size >= this.options.segmentBytes) this.endSegment();
        for (const p of batch) p.resolve();
      }
    } finally {
      this.flushing = false;
    }
  }
}
