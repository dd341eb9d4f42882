import { checkEvents } from './eventSchema';
import type { StoreEvent } from './events';
import type { StorePaths } from './paths';
import { LogAppender, SEGMENT_ROTATE_BYTES } from './logAppender';

/**
 * This process's own log segment, without the store: for a process that records runs while the
 * store host holds the data. Its commits are checked and fdatasynced before they resolve, exactly
 * as a store's are, so a host that is down or killed loses none of them; they become visible once
 * the host applies the log. Its clock starts past the host's latest stamp, so no event of it falls
 * behind a purge the host has applied.
 */
export class RecordingLog {
  private readonly appender: LogAppender;

  constructor(paths: StorePaths, latestStamp: number) {
    this.appender = new LogAppender(paths.eventsDir, paths.slotsDir, { segmentBytes: SEGMENT_ROTATE_BYTES, onWritten: () => undefined }, latestStamp);
  }

  nextId(): Promise<number> {
    return this.appender.nextId();
  }

  /** Resolves once the events are durably in the log; an invalid event rejects them all and nothing is written. */
  commit(events: StoreEvent[]): Promise<void> {
    checkEvents(events);
    return this.appender.append(events, events.map((e) => JSON.stringify(e)));
  }

  /**
   * Finishes the segment once the writes in flight are done (the next commit begins a new one): a
   * purge waits for every segment begun before it to be finished.
   */
  async endSegment(): Promise<void> {
    await this.appender.drain();
    this.appender.endSegment();
  }

  /** Moves the clock past a stamp the host has written (a purge): what is recorded next comes after it. */
  observe(stamp: number): void {
    this.appender.observe(stamp);
  }

  /** Waits for the writes in flight, finishes the segment and gives the writer slot back. */
  async close(): Promise<void> {
    await this.appender.drain();
    this.appender.close();
  }
}
