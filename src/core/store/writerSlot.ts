import fs from 'node:fs';
import path from 'node:path';
import { processIsAlive } from './eventLog';
import { withLock } from './locks';

export const SLOT_COUNT = 32;

export interface WriterSlot {
  slot: number;
  release(): void;
}

/**
 * Claims one of SLOT_COUNT writer slots. A slot is a file holding the owner's pid; a slot whose
 * owner is no longer running is taken over. Claims happen under a lock on the slots folder, so two
 * processes never take the same free or stale slot.
 */
export async function claimWriterSlot(slotsDir: string): Promise<WriterSlot> {
  fs.mkdirSync(slotsDir, { recursive: true, mode: 0o700 });
  return withLock(`${slotsDir}.lock`, { purpose: 'the writer slots', staleMs: 10_000 }, () => {
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      const file = path.join(slotsDir, `slot-${slot}`);
      const owner = readOwner(file);
      if (owner !== undefined && owner !== process.pid && processIsAlive(owner)) continue;
      fs.writeFileSync(file, String(process.pid), { mode: 0o600 });
      return { slot, release: () => releaseSlot(file) };
    }
    throw new Error(`all ${SLOT_COUNT} writer slots in ${slotsDir} are held by running processes`);
  });
}

function readOwner(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function releaseSlot(file: string): void {
  if (readOwner(file) === process.pid) fs.rmSync(file, { force: true });
}

const EPOCH_MS = Date.UTC(2024, 0, 1);
export const SEQ_BITS = 256;

/** The smallest id the store's clock gives at this time: every id made earlier is below it. */
export function firstIdAt(ms: number): number {
  return Math.max(0, ms - EPOCH_MS) * SLOT_COUNT * SEQ_BITS;
}

/**
 * The store's clock: invocation ids and event stamps that are unique across processes without
 * asking anyone: milliseconds since 2024, then the writer slot, then a per-millisecond sequence
 * ((ms * 32 + slot) * 256 + seq), which stays below 2^53 until 2058 and sorts by time. Like a hybrid
 * logical clock it never goes backwards and moves past every stamp it has seen from another
 * process, so an event made after reading another's is always ordered after it.
 */
export class IdGenerator {
  private lastMs = 0;
  private seq = 0;

  constructor(private readonly slot: number, private readonly clock: () => number = Date.now) {
    if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT) throw new RangeError(`writer slot ${slot} out of range`);
  }

  next(): number {
    const now = Math.max(this.clock() - EPOCH_MS, this.lastMs);
    if (now === this.lastMs) {
      this.seq++;
      if (this.seq >= SEQ_BITS) {
        this.lastMs++;
        this.seq = 0;
      }
    } else {
      this.lastMs = now;
      this.seq = 0;
    }
    return (this.lastMs * SLOT_COUNT + this.slot) * SEQ_BITS + this.seq;
  }

  /** Moves the clock past a stamp seen elsewhere, so that the next one is greater. */
  observe(stamp: number): void {
    const ms = Math.floor(stamp / (SLOT_COUNT * SEQ_BITS));
    if (ms < this.lastMs) return;
    this.lastMs = ms;
    this.seq = SEQ_BITS - 1;
  }
}
