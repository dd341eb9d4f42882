/**
 * Large, append-only state kept in files instead of in memory. The regression history keeps every
 * run of every skill and both fitted detectors so that a new run is appended, not refitted
 * (skillChangeTracker.ts): some 150 bytes a run, 143 MB of a store host's memory at a million runs,
 * though a minute's update only needs the few skills that have new runs. Here each value's typed
 * arrays are columns in files of their own and the rest (a few hundred numbers) stays in memory;
 * `get` reads a value back, `append` adds only what its columns gained since, so a skill that runs
 * every minute costs its new runs' bytes on disk, not its whole history.
 *
 * The files are this process's cache, not data: a folder per process under the store's
 * `<db>.history`, removed on dispose, and by the next process that finds its owner gone. Anything
 * missing or short reads back as undefined and the caller starts afresh.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { processIsAlive } from '../store/eventLog';

type Column = Float64Array | Int32Array | Uint8Array;
const COLUMN_TYPES = { Float64Array, Int32Array, Uint8Array } as const;
type ColumnTypeName = keyof typeof COLUMN_TYPES;

/** Where a column was in the value, in the in-memory part. */
interface ColumnMark {
  readonly shelvedColumn: number;
  readonly type: ColumnTypeName;
}

/** A value on the shelf: written by `put`, or by another thread or process (`shelveValue`) and handed over. */
export interface ShelvedEntry {
  folder: string;
  /** The value with each column replaced by its mark (structured-cloneable). */
  skeleton: unknown;
  /** Each column's length in the files. */
  lengths: number[];
}

/** Writes `value`'s columns into `folder` (which must not exist yet); throws when they could not be written (and leaves nothing). */
export function shelveValue(folder: string, value: object): ShelvedEntry {
  const { skeleton, columns } = split(value);
  fs.mkdirSync(folder);
  try {
    columns.forEach((column, i) => fs.writeFileSync(path.join(folder, String(i)), bytesOf(column)));
  } catch (err) {
    fs.rmSync(folder, { recursive: true, force: true });
    throw err;
  }
  return { folder, skeleton, lengths: columns.map((c) => c.length) };
}

export class ColumnShelf<T extends object> {
  private readonly entries = new Map<string, ShelvedEntry>();
  private created = false;
  private slots = 0;
  private readonly folder: string;

  /** `root`: the store's `<db>.history`; nothing is created until the first value is kept. */
  constructor(private readonly root: string) {
    this.folder = path.join(root, `${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  }

  /** Keeps `value`, replacing what was kept under `key`; false when it could not be written (nothing is kept then). */
  put(key: string, value: T): boolean {
    this.delete(key);
    try {
      this.prepare();
      this.entries.set(key, shelveValue(path.join(this.folder, String(this.slots++)), value));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Where another thread or process may shelve values for this shelf to take: `shelveValue` into
   * `${prefix}${name}`, each name once, then `take` here. When the folder cannot be made, the
   * writer's shelveValue fails and says why.
   */
  writerPrefix(): string {
    try {
      this.prepare();
    } catch {
      // Reported by the writer, whose every shelveValue then fails.
    }
    return path.join(this.folder, `w${this.slots++}-`);
  }

  /** Keeps under `key` a value shelved into a folder of `writerPrefix` (replacing what was kept). */
  take(key: string, entry: ShelvedEntry): void {
    if (path.dirname(entry.folder) !== this.folder) throw new RangeError(`${entry.folder} is not a folder of this shelf`);
    this.delete(key);
    this.entries.set(key, entry);
  }

  /**
   * Keeps `value`, which is what was kept under `key` with its columns grown at their ends (and
   * anything else changed): only the new elements are written. A value whose columns did not only
   * grow is put whole. False when it could not be written (nothing is kept under `key` then).
   */
  append(key: string, value: T): boolean {
    const entry = this.entries.get(key);
    const { skeleton, columns } = split(value);
    if (!entry || !onlyGrown(entry.lengths, columns)) return this.put(key, value);
    try {
      columns.forEach((column, i) => {
        if (column.length > entry.lengths[i]) fs.appendFileSync(path.join(entry.folder, String(i)), bytesOf(column.subarray(entry.lengths[i])));
        entry.lengths[i] = column.length;
      });
    } catch {
      this.delete(key);
      return false;
    }
    entry.skeleton = skeleton;
    return true;
  }

  /** What was kept under `key`, read back; undefined when nothing is, or its files are gone or short. */
  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    try {
      return join(entry.skeleton, (mark) => readColumn(path.join(entry.folder, String(mark.shelvedColumn)), mark.type, entry.lengths[mark.shelvedColumn])) as T;
    } catch {
      this.delete(key);
      return undefined;
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    fs.rmSync(entry.folder, { recursive: true, force: true });
  }

  dispose(): void {
    this.entries.clear();
    fs.rmSync(this.folder, { recursive: true, force: true });
  }

  /** Creates this process's folder on first use, and removes those of processes that are gone. */
  private prepare(): void {
    if (this.created && fs.existsSync(this.folder)) return;
    fs.mkdirSync(this.folder, { recursive: true, mode: 0o700 });
    this.created = true;
    for (const name of fs.readdirSync(this.root)) {
      const pid = Number(name.split('-')[0]);
      if (Number.isSafeInteger(pid) && pid > 0 && !processIsAlive(pid)) fs.rmSync(path.join(this.root, name), { recursive: true, force: true });
    }
  }
}

function isColumn(value: unknown): value is Column {
  return value instanceof Float64Array || value instanceof Int32Array || value instanceof Uint8Array;
}

function isMark(value: unknown): value is ColumnMark {
  return typeof value === 'object' && value !== null && 'shelvedColumn' in value;
}

/** The value with its columns taken out (in the order met), and the columns. */
function split(value: object): { skeleton: unknown; columns: Column[] } {
  const columns: Column[] = [];
  const skeleton = replaceParts(value, (part) => {
    if (!isColumn(part)) return part;
    columns.push(part);
    return { shelvedColumn: columns.length - 1, type: part.constructor.name as ColumnTypeName } satisfies ColumnMark;
  });
  return { skeleton, columns };
}

function join(skeleton: unknown, column: (mark: ColumnMark) => Column): unknown {
  return replaceParts(skeleton, (part) => (isMark(part) ? column(part) : part));
}

/** `value` rebuilt with each part that `replace` changes replaced (plain arrays and objects are walked into). */
function replaceParts(value: unknown, replace: (part: unknown) => unknown): unknown {
  const replaced = replace(value);
  if (replaced !== value) return replaced;
  if (Array.isArray(value)) return value.map((v) => replaceParts(v, replace));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceParts(v, replace)]));
  return value;
}

function onlyGrown(lengths: readonly number[], columns: readonly Column[]): boolean {
  return lengths.length === columns.length && columns.every((c, i) => c.length >= lengths[i]);
}

function bytesOf(column: Column): Uint8Array {
  return new Uint8Array(column.buffer, column.byteOffset, column.byteLength);
}

/** Reads a column straight into its typed array; throws when the file does not hold exactly `length` elements. */
function readColumn(file: string, type: ColumnTypeName, length: number): Column {
  const column = new COLUMN_TYPES[type](length);
  const bytes = bytesOf(column);
  const fd = fs.openSync(file, 'r');
  try {
    if (fs.fstatSync(fd).size !== bytes.length) throw new Error(`${file}: not ${length} elements`);
    let read = 0;
    while (read < bytes.length) {
      const n = fs.readSync(fd, bytes, read, bytes.length - read, read);
      if (n === 0) throw new Error(`${file}: ends early`);
      read += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return column;
}
