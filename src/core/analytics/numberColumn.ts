/**
 * A growable column of numbers in a typed array. The regression history keeps several numbers per
 * run of every skill for as long as the store is open (skillChangeTracker.ts); in plain arrays a
 * double that is not a small integer is a separate heap object, and a run as an object costs a
 * hundred bytes or more, so a million runs took half a gigabyte. A typed array holds each number
 * in its own width, and its buffer moves between threads in one piece (workerJobs.ts).
 */

export type ColumnArray = Float64Array | Int32Array | Uint8Array;

/** Float64Array, Int32Array or Uint8Array: what the column holds its numbers in. */
export type ColumnArrayType<A extends ColumnArray> = new (length: number) => A;

const INITIAL_CAPACITY = 64;

export class NumberColumn<A extends ColumnArray> {
  private data: A;
  private count: number;

  constructor(private readonly type: ColumnArrayType<A>, values: ArrayLike<number> = []) {
    this.data = new type(Math.max(INITIAL_CAPACITY, values.length));
    this.data.set(values);
    this.count = values.length;
  }

  get length(): number {
    return this.count;
  }

  at(index: number): number {
    return this.data[index];
  }

  push(value: number): void {
    if (this.count === this.data.length) {
      // An eighth more (as CPython's lists grow): still amortised O(1) appends, and a column restored
      // at its exact size gains 12.5 %, not 50 % or 100 %, with the first run appended to it.
      const grown = new this.type(this.data.length + (this.data.length >> 3) + INITIAL_CAPACITY);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.count++] = value;
  }

  /** A copy of exactly the values pushed (structured-cloneable). */
  values(): A {
    return this.data.slice(0, this.count) as A;
  }
}
