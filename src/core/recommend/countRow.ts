/**
 * What followed one context: a count per skill id, kept sorted by count (highest first), and a
 * bounded table of such rows keyed by context.
 *
 * The rows are sorted as they are counted (the counted entry moves up past smaller counts, ties
 * keep their first-seen order), so the top entries of a row with hundreds of successors cost
 * nothing to read: the next-skill model takes only the first few of each row as candidates, which
 * keeps a prediction's cost independent of how many skills a user has ever run.
 *
 * Most rows of long contexts hold one or two skills, so a row finds an id by scanning until it
 * holds INDEX_FROM ids, and only then builds an index: a context tree of a long history has
 * hundreds of thousands of rows, and a Map each was most of its memory and garbage.
 */
const INDEX_FROM = 8;

export class CountRow {
  private readonly ids: number[] = [];
  private readonly counts: number[] = [];
  private positions: Map<number, number> | undefined;
  private sum = 0;
  /** When the table holding this row last counted into it (for pruning). */
  stamp = 0;

  /** All counts added. */
  get total(): number {
    return this.sum;
  }

  /** How many different ids were counted. */
  get distinct(): number {
    return this.ids.length;
  }

  count(id: number): number {
    const position = this.positionOf(id);
    return position < 0 ? 0 : this.counts[position];
  }

  /** The id at rank `rank` (0 = most counted). */
  idAt(rank: number): number {
    return this.ids[rank];
  }

  countAt(rank: number): number {
    return this.counts[rank];
  }

  add(id: number): void {
    let position = this.positionOf(id);
    if (position < 0) {
      position = this.ids.length;
      this.ids.push(id);
      this.counts.push(0);
      if (this.positions) this.positions.set(id, position);
      else if (this.ids.length >= INDEX_FROM) this.positions = new Map(this.ids.map((known, at) => [known, at]));
    }
    this.counts[position] += 1;
    this.sum += 1;
    this.moveUp(position);
  }

  private positionOf(id: number): number {
    if (this.positions) return this.positions.get(id) ?? -1;
    return this.ids.indexOf(id);
  }

  private moveUp(from: number): void {
    let position = from;
    while (position > 0 && this.counts[position - 1] < this.counts[position]) {
      const above = position - 1;
      const id = this.ids[position];
      const count = this.counts[position];
      this.ids[position] = this.ids[above];
      this.counts[position] = this.counts[above];
      this.ids[above] = id;
      this.counts[above] = count;
      this.positions?.set(this.ids[position], position);
      this.positions?.set(id, above);
      position = above;
    }
  }
}

/**
 * Keeps the newest of many timestamped entries: once more than `capacity` are kept, the oldest
 * PRUNE_SHARE of the capacity (and any excess) go in one pass. Pruning in batches makes it O(1)
 * per entry amortised, where moving each used entry to the end of an LRU list cost a Map delete
 * and insert on every count (a third of a replay's time).
 */
export const PRUNE_SHARE = 0.1;

/** The stamp below which entries go so that `keep` of these stamps remain. */
export function pruneCutoff(stamps: number[], keep: number): number {
  stamps.sort((a, b) => a - b);
  return stamps[Math.max(0, stamps.length - keep)];
}

/**
 * Rows by numeric context key, at most `capacity` of them: counting into a row stamps it, and the
 * rows counted into longest ago are dropped when there are too many. Reading does not stamp a row,
 * so asking for predictions never changes what the model keeps.
 */
export class ContextTable {
  private readonly rows = new Map<number, CountRow>();
  private clock = 0;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.rows.size;
  }

  peek(key: number): CountRow | undefined {
    return this.rows.get(key);
  }

  add(key: number, id: number): void {
    let row = this.rows.get(key);
    if (!row) this.rows.set(key, (row = new CountRow()));
    row.add(id);
    row.stamp = ++this.clock;
    if (this.rows.size > this.capacity) this.prune();
  }

  private prune(): void {
    const stamps: number[] = [];
    for (const row of this.rows.values()) stamps.push(row.stamp);
    const cutoff = pruneCutoff(stamps, Math.floor(this.capacity * (1 - PRUNE_SHARE)));
    for (const [key, row] of this.rows) if (row.stamp < cutoff) this.rows.delete(key);
  }
}
