import type { Database } from 'sql.js';
import { compact, hasSchema, loadSnapshot, replaySegments, type SnapshotReport } from './compactor';
import { applyEvents, type StoreEvent } from './events';
import { SegmentWriter } from './eventLog';
import { MigrationManager } from './migrations';
import { resolveDatabasePath, storePaths, type StorePaths } from './paths';
import { readOffsets } from './storeState';
import { forgetStatements } from './statements';
import { claimWriterSlot, IdGenerator, type WriterSlot } from './writerSlot';

/** Rebuilds the snapshot somewhere (in this thread, or in a worker) and reports what it did. */
export type CompactionRunner = (paths: StorePaths, migrationsDir?: string, segmentGraceMs?: number) => Promise<SnapshotReport>;

export interface StoreOptions {
  /** Database file; default: SESSION_BUDDY_DB, then the per-user path (see paths.ts). */
  path?: string;
  migrationsDir?: string;
  /** 'work' upgrades the schema and accepts writes; 'inspect' does neither (status, sql, validate). */
  mode?: 'work' | 'inspect';
  /** How often other processes' events are picked up (ms); 0 turns polling off. Default 1000. */
  pollMs?: number;
  /** Quiet time after the last write before the snapshot is rebuilt (ms). Default 5000. */
  compactDelayMs?: number;
  /** Upper bound on how long written events wait for a snapshot while writes keep coming (ms). */
  compactMaxDelayMs?: number;
  compactionRunner?: CompactionRunner;
  /** Problems the user should hear about (a damaged file moved aside, a failed snapshot). */
  onMessage?: (message: string) => void;
}

interface Pending {
  events: StoreEvent[];
  line: string;
  resolve: () => void;
  reject: (err: Error) => void;
}

const inlineCompaction: CompactionRunner = (paths, migrationsDir, segmentGraceMs) => compact(paths, { migrate: true, migrationsDir, segmentGraceMs });

/** Other processes read new events every second or so; a purge's snapshot waits until they have. */
export const PURGE_SNAPSHOT_DELAY_MS = 3000;

/**
 * The durable store. The snapshot (a SQLite file) plus an append-only event log beside it are the
 * truth; this object holds an in-memory replica.
 *
 * Writes: `commit` appends the events to this process's log segment and resolves once they are on
 * disk (one fdatasync per group: events that arrive while a write is in flight go in the next
 * group, so the wait is at most one write plus one fdatasync, well under 50 ms), then applies them
 * to the replica. The snapshot is rebuilt later, off the caller's path, from disk plus log.
 *
 * Reads: the replica, which also applies other processes' events within `pollMs`.
 */
export class SkillStore {
  private queue: Pending[] = [];
  private flushing = false;
  private writer: SegmentWriter | undefined;
  private writerReady: Promise<void> | undefined;
  private slotReady: Promise<void> | undefined;
  private slot: WriterSlot | undefined;
  private ids: IdGenerator | undefined;
  private offsets: Map<string, number>;
  private pollTimer: NodeJS.Timeout | undefined;
  private compactTimer: NodeJS.Timeout | undefined;
  private firstUnsnapshottedAt = 0;
  private compacting: Promise<SnapshotReport | undefined> | undefined;
  private listeners = new Set<() => void>();
  private applyListeners = new Set<(events: readonly StoreEvent[]) => void>();
  private closed = false;
  readonly openedInMs: number;

  private constructor(
    readonly db: Database,
    readonly paths: StorePaths,
    readonly report: { messages: string[]; backup?: string; migrated: string[]; movedAside?: string },
    private readonly options: StoreOptions,
    started: number,
  ) {
    this.offsets = readOffsets(db);
    this.openedInMs = performance.now() - started;
  }

  static async open(options: StoreOptions = {}): Promise<SkillStore> {
    const started = performance.now();
    const paths = storePaths(resolveDatabasePath(options.path));
    const mode = options.mode ?? 'work';
    const report: SkillStore['report'] = { messages: [], migrated: [] };
    let db = await loadSnapshot(paths, report);
    if (mode === 'work' && new MigrationManager(db, options.migrationsDir).pendingCount() > 0) {
      db.close();
      await upgrade(paths, options, report);
      db = await loadSnapshot(paths, report);
    }
    const store = new SkillStore(db, paths, report, options, started);
    if (hasSchema(db)) store.pullEvents();
    for (const message of report.messages) options.onMessage?.(message);
    const pollMs = options.pollMs ?? 1000;
    if (pollMs > 0) {
      store.pollTimer = setInterval(() => store.safePull(), pollMs);
      store.pollTimer.unref();
    }
    return store;
  }

  get mode(): 'work' | 'inspect' {
    return this.options.mode ?? 'work';
  }

  /** Listens for data changes (own writes and other processes' events). */
  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /**
   * Listens for the events that changed this replica (own writes and other processes'), after they
   * are applied: for consumers that keep running totals instead of re-reading the tables.
   */
  onDidApply(listener: (events: readonly StoreEvent[]) => void): { dispose(): void } {
    this.applyListeners.add(listener);
    return { dispose: () => this.applyListeners.delete(listener) };
  }

  /** A new invocation id, unique across every process writing to this store. */
  async nextId(): Promise<number> {
    await this.ensureWriter();
    return this.ids!.next();
  }

  /** Appends events durably, then applies them; resolves once they are on disk and visible. */
  async commit(events: StoreEvent[]): Promise<void> {
    if (this.closed) throw new Error('the store is closed');
    if (this.mode !== 'work') throw new Error('the store was opened for inspection only; it does not accept writes');
    const line = events.map((e) => JSON.stringify(e)).join('\n') + '\n';
    const done = new Promise<void>((resolve, reject) => this.queue.push({ events, line, resolve, reject }));
    if (!this.flushing) void this.flush();
    return done;
  }

  /** Picks up other processes' events now; returns how many were applied. */
  pullEvents(): number {
    const { replayed, purged } = replaySegments(this.db, this.paths.eventsDir, this.offsets, this.writer?.name, (events) => this.emitApplied(events));
    if (purged) this.rotateSegment();
    if (replayed > 0) this.emitChange();
    return replayed;
  }

  /** Rebuilds the snapshot now (waits for queued writes first). */
  async snapshotNow(): Promise<SnapshotReport | undefined> {
    await this.drain();
    return this.runCompaction();
  }

  /**
   * Flushes queued events, ends this writer's segment, rebuilds the snapshot when this process
   * wrote something since the last one, and frees the database.
   */
  async close(options: { snapshot?: boolean } = {}): Promise<SnapshotReport | undefined> {
    if (this.closed) return undefined;
    await this.drain();
    this.closed = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.compactTimer);
    await this.compacting;
    const wrote = this.firstUnsnapshottedAt > 0;
    this.writer?.close();
    this.slot?.release();
    let report: SnapshotReport | undefined;
    if (wrote && options.snapshot !== false) report = await this.runCompaction(true);
    forgetStatements(this.db);
    this.db.close();
    return report;
  }

  private async ensureWriter(): Promise<void> {
    this.slotReady ??= claimWriterSlot(this.paths.slotsDir).then((slot) => {
      this.slot = slot;
      this.ids = new IdGenerator(slot.slot);
    });
    await this.slotReady;
    this.writerReady ??= SegmentWriter.create(this.paths.eventsDir, this.slot!.slot).then((writer) => {
      this.writer = writer;
    });
    return this.writerReady;
  }

  /**
   * After "delete all data" this process starts a new segment, so that the old one, which holds
   * the deleted events, is finished and the next snapshot can remove it from disk.
   */
  private rotateSegment(): void {
    if (!this.writer) return;
    this.writer.close();
    this.writer = undefined;
    this.writerReady = undefined;
    clearTimeout(this.compactTimer);
    this.compactTimer = setTimeout(() => void this.runCompaction(false, { segmentGraceMs: 0 }), PURGE_SNAPSHOT_DELAY_MS);
    this.compactTimer.unref();
  }

  private async drain(): Promise<void> {
    while (this.flushing || this.queue.length > 0) {
      if (!this.flushing) await this.flush();
      else await new Promise((r) => setImmediate(r));
    }
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          await this.ensureWriter();
          await this.writer!.append(batch.map((p) => p.line).join(''));
        } catch (err) {
          for (const p of batch) p.reject(err as Error);
          continue;
        }
        this.offsets.set(this.writer!.name, this.writer!.size);
        const events = batch.flatMap((p) => p.events);
        try {
          this.emitApplied(applyEvents(this.db, events));
        } catch (err) {
          // The events are durable; the replica could not apply them. Report, do not lose them.
          this.options.onMessage?.(`Recorded events could not be applied in memory: ${(err as Error).message}`);
        }
        for (const p of batch) p.resolve();
        this.afterWrite();
        if (events.some((e) => e.t === 'purge')) this.rotateSegment();
      }
    } finally {
      this.flushing = false;
    }
  }

  private afterWrite(): void {
    this.emitChange();
    const now = Date.now();
    if (this.firstUnsnapshottedAt === 0) this.firstUnsnapshottedAt = now;
    const delay = this.options.compactDelayMs ?? 5000;
    const maxDelay = this.options.compactMaxDelayMs ?? 30_000;
    const due = Math.min(now + delay, this.firstUnsnapshottedAt + maxDelay);
    clearTimeout(this.compactTimer);
    this.compactTimer = setTimeout(() => void this.runCompaction(), Math.max(0, due - now));
    this.compactTimer.unref();
  }

  private async runCompaction(final = false, options: { segmentGraceMs?: number } = {}): Promise<SnapshotReport | undefined> {
    if (this.compacting) await this.compacting;
    if (this.closed && !final) return undefined;
    const runner = this.options.compactionRunner ?? inlineCompaction;
    const startedAt = Date.now();
    this.compacting = runner(this.paths, this.options.migrationsDir, options.segmentGraceMs)
      .then((report) => {
        if (this.firstUnsnapshottedAt <= startedAt) this.firstUnsnapshottedAt = 0;
        for (const message of report.messages) this.options.onMessage?.(message);
        return report;
      })
      .catch((err: Error) => {
        this.options.onMessage?.(`Could not write the snapshot ${this.paths.db}: ${err.message}. Events stay safe in ${this.paths.eventsDir}.`);
        return undefined;
      })
      .finally(() => {
        this.compacting = undefined;
      });
    return this.compacting;
  }

  private safePull(): void {
    try {
      this.pullEvents();
    } catch (err) {
      this.options.onMessage?.(`Could not read events from ${this.paths.eventsDir}: ${(err as Error).message}`);
    }
  }

  private emitApplied(events: readonly StoreEvent[]): void {
    if (events.length === 0) return;
    for (const listener of this.applyListeners) {
      try {
        listener(events);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  private emitChange(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        // a listener's failure is its own
      }
    }
  }
}

/**
 * Opening for work upgrades an older (or new) database to the latest schema, after a backup, under
 * the snapshot lock, so that every process sees the same schema.
 */
async function upgrade(paths: StorePaths, options: StoreOptions, report: SkillStore['report']): Promise<void> {
  const result = await compact(paths, { migrate: true, migrationsDir: options.migrationsDir });
  report.backup = result.backup;
  report.migrated = result.migrated;
  report.messages.push(...result.messages);
  if (result.backup) report.messages.push(`Upgraded ${paths.db} to ${result.migrated.at(-1)}; the previous version is saved as ${result.backup}.`);
}
