/**
 * A user's run counts decayed by age, at several half-lives at once (in runs): the model does not
 * choose a decay, it learns how much to trust each one.
 *
 * Decaying every count on every run would cost O(skills); instead each half-life keeps one scale
 * factor, counts are stored divided by it, and a run adds 1/scale to its skill. When the scale
 * gets tiny the stored counts are multiplied back (rare: once per ~700 half-lives).
 */

const RESCALE_BELOW = 1e-150;

export class RecencyCounts {
  private readonly slots = new Map<number, number>();
  private values: Float64Array[];
  private readonly scales: Float64Array;
  private readonly totals: Float64Array;
  private readonly factors: Float64Array;
  private lookup = new Int32Array(64);

  constructor(readonly halfLives: readonly number[]) {
    this.values = halfLives.map(() => new Float64Array(16));
    this.scales = new Float64Array(halfLives.length).fill(1);
    this.totals = new Float64Array(halfLives.length);
    this.factors = Float64Array.from(halfLives, (h) => 2 ** (-1 / h));
  }

  /** The decayed count of `id` at half-life number `band`. */
  value(band: number, id: number): number {
    const slot = this.slots.get(id);
    return slot === undefined ? 0 : this.values[band][slot] * this.scales[band];
  }

  /**
   * Each id's slot (−1: never run), for reading several half-lives with one lookup per id. The
   * array is reused by the next call.
   */
  slotsOf(ids: Int32Array, count: number): Int32Array {
    if (this.lookup.length < count) this.lookup = new Int32Array(count * 2);
    for (let i = 0; i < count; i++) this.lookup[i] = this.slots.get(ids[i]) ?? -1;
    return this.lookup;
  }

  /** The decayed count at half-life number `band` of a slot from slotsOf. */
  valueAt(band: number, slot: number): number {
    return slot < 0 ? 0 : this.values[band][slot] * this.scales[band];
  }

  total(band: number): number {
    return this.totals[band] * this.scales[band];
  }

  add(id: number): void {
    const slot = this.slotOf(id);
    for (let band = 0; band < this.factors.length; band++) {
      this.scales[band] *= this.factors[band];
      const increment = 1 / this.scales[band];
      this.values[band][slot] += increment;
      this.totals[band] += increment;
      if (this.scales[band] < RESCALE_BELOW) this.rescale(band);
    }
  }

  private slotOf(id: number): number {
    const known = this.slots.get(id);
    if (known !== undefined) return known;
    const slot = this.slots.size;
    this.slots.set(id, slot);
    if (slot >= this.values[0].length) this.values = this.values.map((v) => grow(v));
    return slot;
  }

  private rescale(band: number): void {
    const values = this.values[band];
    const scale = this.scales[band];
    for (let i = 0; i < values.length; i++) values[i] *= scale;
    this.totals[band] *= scale;
    this.scales[band] = 1;
  }
}

function grow(values: Float64Array): Float64Array {
  const grown = new Float64Array(values.length * 2);
  grown.set(values);
  return grown;
}
