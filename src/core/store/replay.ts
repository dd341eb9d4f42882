import path from 'node:path';
import type { SqlDatabase } from './sqlDatabase';
import type { LoggedEvent } from './eventSchema';
import { applyEvents, type ApplyOptions, type StoreEvent } from './events';
import { LineChunks, listSegments, SegmentReader, type LogItem, type LogProblem } from './eventLog';
import type { LogState } from './storeState';
import { plural } from '../../shared/words';

/**
 * Applies the event log to a database in the order the events happened, whatever segment holds
 * them: events are ordered by their stamp (the store clock), not by file. A purge ("delete all
 * data") removes every event stamped before it: the database is emptied, every event stamped after
 * it (already applied or not, in any segment) is applied again, and events stamped before it that
 * turn up later are skipped. Used by each process's replica and by the snapshot rebuild alike.
 *
 * The log is streamed: each segment is read a chunk at a time and merged by stamp (each writer's
 * segment is in stamp order), and events are applied a bounded group per transaction, so neither
 * memory nor any single call grows with the number of events waiting in the log.
 */
export interface ReplayOptions extends ApplyOptions {
  /** A segment this replica applies itself as it writes it (its own); read only to rebuild after a purge. */
  own?: string;
  /** Hears the events that changed the database. */
  onApplied?: (events: readonly StoreEvent[]) => void;
  /** Hears invalid lines, events that could not be applied and segments that could not be read. */
  onProblem?: (problem: LogProblem) => void;
  /** Read every segment from its start, whatever was consumed already (repair: applying again changes nothing). */
  fromStart?: boolean;
  /** Skip unreadable bytes of a segment and go on reading it (repair), instead of stopping at them. */
  salvage?: boolean;
  /**
   * Hears, inside each group's transaction, how far every segment is consumed once the group is
   * applied, and the purge horizon: a store that keeps this bookkeeping in the database it applies
   * to writes it there, so that a crash never separates the two. After a purge the segments count
   * as unread from their start until the events stamped after it are applied again.
   */
  recordProgress?: (progress: LogState) => void;
}

export interface ReplayResult {
  replayed: number;
  invalid: number;
  purged: boolean;
  /** The greatest stamp read, for the reader's clock. */
  maxStamp: number;
  /**
   * Segments with bytes that could not be read or events that could not be applied: they must not
   * be removed as if the snapshot held all of them (repair sets them aside).
   */
  damaged: Set<string>;
}

/** Events applied per transaction. */
const APPLY_GROUP = 5000;
const PURGE_MARK = Buffer.from('"t":"purge"');

interface Span {
  name: string;
  file: string;
  from: number;
  to: number;
}

/** Applies the unconsumed part of every segment; updates `state` in place. */
export function replayLog(db: SqlDatabase, eventsDir: string, state: LogState, options: ReplayOptions = {}): ReplayResult {
  const result: ReplayResult = { replayed: 0, invalid: 0, purged: false, maxStamp: 0, damaged: new Set() };
  const spans = listSegments(eventsDir)
    .filter((segment) => segment.name !== options.own)
    // A segment shorter than what was read of it was cut back by its writer after a failed write.
    .map((segment) => ({ name: segment.name, file: segment.file, from: options.fromStart ? 0 : (state.offsets.get(segment.name) ?? 0), to: segment.size }))
    .filter((span) => span.to > span.from);
  if (spans.length === 0) return result;
  const onProblem = (problem: LogProblem) => {
    result.invalid++;
    if (problem.damage) result.damaged.add(path.basename(problem.file));
    options.onProblem?.(problem);
  };
  const scan = findLastPurge(spans, { ...options, onProblem });
  if (scan.purge) {
    for (const span of spans) state.offsets.set(span.name, scan.ends.get(span.name) ?? span.from);
    result.purged = true;
    result.replayed = rebuildAfterPurge(db, eventsDir, state, scan.purge, { ...options, onProblem });
    result.maxStamp = Math.max(scan.purge.s, scan.maxStamp);
    return result;
  }
  const merged = mergeAndApply(db, spans, (event) => event.s >= state.purgeHorizon, { ...options, onProblem }, copyState(state));
  for (const [name, offset] of merged.offsets) state.offsets.set(name, offset);
  result.replayed = merged.applied;
  result.maxStamp = merged.maxStamp;
  return result;
}

/**
 * Empties the database as of `purge` and applies again every event stamped after it, from every
 * segment up to what has been consumed of it (this replica's own segment included).
 */
export function rebuildAfterPurge(db: SqlDatabase, eventsDir: string, state: LogState, purge: LoggedEvent, options: ReplayOptions = {}): number {
  const spans: Span[] = [];
  for (const segment of listSegments(eventsDir)) {
    const end = state.offsets.get(segment.name);
    if (end) spans.push({ name: segment.name, file: segment.file, from: 0, to: end });
  }
  const progress: LogState = { offsets: new Map(state.offsets), purgeHorizon: Math.max(state.purgeHorizon, purge.s) };
  for (const span of spans) progress.offsets.set(span.name, 0);
  applyGroup(db, [{ event: purge, file: eventsDir, at: 0, end: 0 }], options, progress);
  state.purgeHorizon = progress.purgeHorizon;
  return mergeAndApply(db, spans, (event) => event.s > purge.s, options, progress).applied + 1;
}

function copyState(state: LogState): LogState {
  return { offsets: new Map(state.offsets), purgeHorizon: state.purgeHorizon };
}

interface PurgeScan {
  purge?: LoggedEvent;
  /** Where each span's complete lines end. */
  ends: Map<string, number>;
  maxStamp: number;
}

/**
 * The last purge among the spans, found by searching the raw bytes for its mark: a purge changes
 * what every earlier event means, so it must be known before anything is applied.
 */
function findLastPurge(spans: readonly Span[], options: ReplayOptions): PurgeScan {
  const scan: PurgeScan = { ends: new Map(), maxStamp: 0 };
  for (const span of spans) {
    const chunks = new LineChunks(span.file, span.from, span.to, options.salvage ? { onUnreadable: () => undefined } : {});
    try {
      for (let chunk = chunks.next(); chunk; chunk = chunks.next()) {
        for (let mark = chunk.bytes.indexOf(PURGE_MARK); mark >= 0; mark = chunk.bytes.indexOf(PURGE_MARK, mark + 1)) {
          const start = chunk.bytes.lastIndexOf(0x0a, mark) + 1;
          const reader = new SegmentReader(span.file, chunk.at + start, chunk.at + chunk.bytes.indexOf(0x0a, mark) + 1, () => undefined);
          const event = reader.current?.event;
          reader.close();
          if (event?.t === 'purge' && event.s > (scan.purge?.s ?? -1)) scan.purge = event;
        }
      }
    } catch {
      // What cannot be read is reported when the events are read; a purge is looked for in what can.
    } finally {
      chunks.close();
    }
    scan.ends.set(span.name, chunks.offset);
  }
  return scan;
}

interface MergeResult {
  applied: number;
  maxStamp: number;
  /** How far each segment was consumed: read, and applied (or skipped) in full. */
  offsets: Map<string, number>;
}

/** One segment's reader in the merge, and how far its events have been applied. */
interface Cursor {
  span: Span;
  reader: SegmentReader;
  applied: number;
  taken: number;
}

/**
 * Applies, in stamp order, the events of the spans that `keep` accepts, a group per transaction.
 * A segment that cannot be read is reported with its file and reason, and left where it was last
 * applied, so that everything else still applies; a group that cannot be applied at all stops the
 * merge with what was applied before it kept.
 */
function mergeAndApply(db: SqlDatabase, spans: readonly Span[], keep: (event: LoggedEvent) => boolean, options: ReplayOptions, progress: LogState): MergeResult {
  const result: MergeResult = { applied: 0, maxStamp: 0, offsets: new Map() };
  const heap = new CursorHeap();
  const cursors: Cursor[] = [];
  for (const span of spans) {
    try {
      const cursor = { span, reader: new SegmentReader(span.file, span.from, span.to, (p) => options.onProblem?.(p), options.salvage), applied: span.from, taken: span.from };
      cursors.push(cursor);
      if (cursor.reader.current) heap.push(cursor);
    } catch (err) {
      options.onProblem?.(unreadable(span.file, span.from, err));
    }
  }
  let group: LogItem[] = [];
  const failed = new Set<Cursor>();
  const flush = (): boolean => {
    for (const cursor of cursors) progress.offsets.set(cursor.span.name, cursor.taken);
    if (group.length > 0 && !applyGroup(db, group, options, progress)) return false;
    result.applied += group.length;
    group = [];
    for (const cursor of cursors) cursor.applied = cursor.taken;
    return true;
  };
  let stopped = false;
  for (let cursor = heap.pop(); cursor && !stopped; cursor = heap.pop()) {
    const item = cursor.reader.current!;
    try {
      cursor.reader.take();
    } catch (err) {
      options.onProblem?.(unreadable(cursor.span.file, item.end, err));
      failed.add(cursor);
    }
    cursor.taken = item.end;
    result.maxStamp = Math.max(result.maxStamp, item.event.s);
    if (keep(item.event)) group.push(item);
    if (cursor.reader.current && !failed.has(cursor)) heap.push(cursor);
    if (group.length >= APPLY_GROUP) stopped = !flush();
  }
  if (!stopped) stopped = !flush();
  for (const cursor of cursors) {
    cursor.reader.close();
    const done = !stopped && !failed.has(cursor) && cursor.reader.current === undefined;
    result.offsets.set(cursor.span.name, done ? Math.max(cursor.reader.offset, cursor.applied) : cursor.applied);
  }
  return result;
}

/**
 * Applies one group; false when it could not be applied at all. Events that fail on their own are
 * reported once per segment and reason, so that a systematic failure is one message, not thousands.
 */
function applyGroup(db: SqlDatabase, items: readonly LogItem[], options: ReplayOptions, progress: LogState): boolean {
  let outcome: ReturnType<typeof applyEvents>;
  const record = options.recordProgress;
  try {
    outcome = applyEvents(db, items.map((item) => item.event), { ...options, beforeCommit: record ? () => record(progress) : undefined });
  } catch (err) {
    reportFailures(items.map((item) => ({ item, error: (err as Error).message })), options);
    return false;
  }
  if (outcome.changed.length) options.onApplied?.(outcome.changed);
  reportFailures(outcome.failures.map((failure) => ({ item: items[failure.index], error: failure.error })), options);
  return true;
}

function reportFailures(failures: readonly { item: LogItem; error: string }[], options: ReplayOptions): void {
  const first = new Map<string, { item: LogItem; error: string; count: number }>();
  for (const failure of failures) {
    const key = `${failure.item.file}\u0000${failure.error}`;
    const seen = first.get(key);
    if (seen) seen.count++;
    else first.set(key, { ...failure, count: 1 });
  }
  for (const { item, error, count } of first.values()) {
    const what = count === 1 ? 'could not be applied' : `and ${plural(count - 1, 'later event')} of this segment could not be applied`;
    options.onProblem?.({ file: item.file, at: item.at, problem: `${what}: ${error}`, damage: true });
  }
}

function unreadable(file: string, at: number, err: unknown): LogProblem {
  return { file, at, problem: `could not be read (\`session-buddy repair\` sets aside what cannot be read): ${(err as Error).message}`, damage: true };
}

/** The cursors ordered by their current event's stamp, ties by segment name (the order files are listed in). */
class CursorHeap {
  private readonly items: Cursor[] = [];

  push(cursor: Cursor): void {
    const items = this.items;
    items.push(cursor);
    for (let i = items.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  pop(): Cursor | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      for (let i = 0; ; ) {
        const left = 2 * i + 1;
        const right = left + 1;
        let least = i;
        if (left < items.length && before(items[left], items[least])) least = left;
        if (right < items.length && before(items[right], items[least])) least = right;
        if (least === i) break;
        [items[i], items[least]] = [items[least], items[i]];
        i = least;
      }
    }
    return top;
  }
}

function before(a: Cursor, b: Cursor): boolean {
  const sa = a.reader.current!.event.s;
  const sb = b.reader.current!.event.s;
  return sa !== sb ? sa < sb : a.span.name < b.span.name;
}
