/**
 * What followed one context: a count per skill id, kept sorted by count (highest first), and a
 * bounded table of such rows keyed by context.
 *
 * The rows are sorted as they are counted (the counted entry moves up past smaller counts, ties
 * keep their first-seen order), so the top entries of a row with hundreds of successors cost
 * nothing to read: the next-skill model takes only the first few of each row as candidates, which
 * keeps a prediction's cost independent of how many skills a user has ever run.
 *
 * Most rows of long contexts hold a single skill, and a context tree of a long history has hundreds
 * of thousands of rows, so a row keeps its first skill in two fields, its entries in one array
 * (id, count, id, count…) only from the second skill on, and finds an id by scanning until it
 * holds INDEX_FROM skills, then by an index.
 */
const INDEX_FROM = 8;
const NONE = -1;

export class CountRow {
  private onlyId = NONE;
  private onlyCount = 0;
  private entries: number[] | undefined;
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
    if (this.entries) return this.entries.length / 2;
    return this.onlyId === NONE ? 0 : 1;
  }

  count(id: number): number {
    if (!this.entries) return id === this.onlyId ? this.onlyCount : 0;
    const rank = this.rankOf(this.entries, id);
    return rank < 0 ? 0 : this.entries[2 * rank + 1];
  }

  /** The id at rank `rank` (0 = most counted). */
  idAt(rank: number): number {
    return this.entries ? this.entries[2 * rank] : this.onlyId;
  }

  countAt(rank: number): number {
    return this.entries ? this.entries[2 * rank + 1] : this.onlyCount;
  }

  add(id: number): void {
    this.sum += 1;
    if (!this.entries) {
      if (this.onlyId === NONE || this.onlyId === id) {
        this.onlyId = id;
        this.onlyCount += 1;
        return;
      }
      this.entries = [this.onlyId, this.onlyCount, id, 0];
    }
    let entries = this.entries;
    let rank = this.rankOf(entries, id);
    if (rank < 0) {
      rank = entries.length / 2;
      entries = this.grown(entries, id);
      if (this.positions) this.positions.set(id, rank);
      else if (rank + 1 >= INDEX_FROM) this.buildIndex(entries);
    }
    entries[2 * rank + 1] += 1;
    this.moveUp(entries, rank);
  }

  /**
   * The entries with `id` added at count 0. Until the row is indexed they are copied at their size:
   * an array grown by push reserves room for some 8 more skills, and most rows hold a few (half the
   * rows that come to hold two never hold a third); an indexed row grows in place.
   */
  private grown(entries: number[], id: number): number[] {
    if (this.positions || entries.length + 2 >= 2 * INDEX_FROM) {
      entries.push(id, 0);
      return entries;
    }
    this.entries = entries.concat(id, 0);
    return this.entries;
  }

  private rankOf(entries: number[], id: number): number {
    if (this.positions) return this.positions.get(id) ?? -1;
    for (let at = 0; at < entries.length; at += 2) if (entries[at] === id) return at / 2;
    return -1;
  }

  private buildIndex(entries: number[]): void {
    this.positions = new Map();
    for (let at = 0; at < entries.length; at += 2) this.positions.set(entries[at], at / 2);
  }

  private moveUp(entries: number[], from: number): void {
    let rank = from;
    while (rank > 0 && entries[2 * rank - 1] < entries[2 * rank + 1]) {
      const id = entries[2 * rank];
      const count = entries[2 * rank + 1];
      entries[2 * rank] = entries[2 * rank - 2];
      entries[2 * rank + 1] = entries[2 * rank - 1];
      entries[2 * rank - 2] = id;
      entries[2 * rank - 1] = count;
      this.positions?.set(entries[2 * rank], rank);
      this.positions?.set(id, rank - 1);
      rank--;
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

/**
 * The stamp below which entries go so that `keep` of these stamps remain (at least one): the
 * (n − keep)-th smallest, found by selection (Hoare's quickselect, median-of-three pivots, O(n) on
 * average) rather than by sorting them all. Stamps are distinct; `stamps` is reordered.
 */
export function pruneCutoff(stamps: number[], keep: number): number {
  const k = Math.min(stamps.length - 1, Math.max(0, stamps.length - keep));
  let low = 0;
  let high = stamps.length - 1;
  while (low < high) {
    const pivot = medianOfThree(stamps[low], stamps[(low + high) >> 1], stamps[high]);
    let i = low;
    let j = high;
    while (i <= j) {
      while (stamps[i] < pivot) i++;
      while (stamps[j] > pivot) j--;
      if (i <= j) {
        const swap = stamps[i];
        stamps[i++] = stamps[j];
        stamps[j--] = swap;
      }
    }
    if (k <= j) high = j;
    else if (k >= i) low = i;
    else break;
  }
  return stamps[k];
}

function medianOfThree(a: number, b: number, c: number): number {
  return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
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
