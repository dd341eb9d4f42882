import type { Database } from 'sql.js';
import type { LoggedEvent } from './eventSchema';
import { applyEvents, type ApplyOptions, type StoreEvent } from './events';
import { listSegments, readSegment, type LogItem, type LogProblem } from './eventLog';
import type { LogState } from './storeState';

/**
 * Applies the event log to a database in the order the events happened, whatever segment holds
 * them: events are ordered by their stamp (the store clock), not by file. A purge ("delete all
 * data") removes every event stamped before it: the database is emptied, every event stamped after
 * it (already applied or not, in any segment) is applied again, and events stamped before it that
 * turn up later are skipped. Used by each process's replica and by the snapshot rebuild alike.
 */
export interface ReplayOptions extends ApplyOptions {
  /** A segment this replica applies itself as it writes it (its own); read only to rebuild after a purge. */
  own?: string;
  /** Hears the events that changed the database. */
  onApplied?: (events: readonly StoreEvent[]) => void;
  /** Hears invalid lines and events that could not be applied. */
  onProblem?: (problem: LogProblem) => void;
}

export interface ReplayResult {
  replayed: number;
  invalid: number;
  purged: boolean;
  /** The greatest stamp read, for the reader's clock. */
  maxStamp: number;
}

const byStamp = (a: LogItem, b: LogItem) => a.event.s - b.event.s;

/** Applies the unconsumed part of every segment; updates `state` in place. */
export function replayLog(db: Database, eventsDir: string, state: LogState, options: ReplayOptions = {}): ReplayResult {
  const result: ReplayResult = { replayed: 0, invalid: 0, purged: false, maxStamp: 0 };
  const batch: LogItem[] = [];
  for (const segment of listSegments(eventsDir)) {
    if (segment.name === options.own) continue;
    const from = state.offsets.get(segment.name) ?? 0;
    // A segment shorter than what was read of it was cut back by its writer after a failed write.
    if (segment.size <= from) continue;
    const read = readSegment(segment.file, from, segment.size);
    batch.push(...read.items);
    for (const problem of read.problems) options.onProblem?.(problem);
    result.invalid += read.problems.length;
    state.offsets.set(segment.name, read.offset);
  }
  if (batch.length === 0) return result;
  batch.sort(byStamp);
  result.maxStamp = batch[batch.length - 1].event.s;
  const purge = batch.filter((item) => item.event.t === 'purge').at(-1);
  if (purge) {
    result.purged = true;
    result.replayed = rebuildAfterPurge(db, eventsDir, state, purge.event, options);
  } else {
    result.replayed = applyItems(db, batch.filter((item) => item.event.s >= state.purgeHorizon), options);
  }
  return result;
}

/**
 * Empties the database as of `purge` and applies again every event stamped after it, from every
 * segment up to what has been consumed of it (this replica's own segment included).
 */
export function rebuildAfterPurge(db: Database, eventsDir: string, state: LogState, purge: LoggedEvent, options: ReplayOptions = {}): number {
  applyItems(db, [{ event: purge, file: eventsDir, at: 0 }], options);
  state.purgeHorizon = Math.max(state.purgeHorizon, purge.s);
  const later: LogItem[] = [];
  for (const segment of listSegments(eventsDir)) {
    const end = state.offsets.get(segment.name);
    if (!end) continue;
    later.push(...readSegment(segment.file, 0, end).items.filter((item) => item.event.s > purge.s));
  }
  later.sort(byStamp);
  return applyItems(db, later, options) + 1;
}

function applyItems(db: Database, items: LogItem[], options: ReplayOptions): number {
  if (items.length === 0) return 0;
  const { changed, failures } = applyEvents(db, items.map((item) => item.event), options);
  if (changed.length) options.onApplied?.(changed);
  for (const failure of failures) {
    const item = items[failure.index];
    options.onProblem?.({ file: item.file, at: item.at, problem: `could not be applied: ${failure.error}` });
  }
  return items.length;
}
