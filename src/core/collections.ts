/**
 * Array helpers for lists whose length the data decides. Spreading such a list into a call
 * (`push(...items)`, `Math.max(...values)`) puts every element on the stack, and V8 refuses past
 * about 125,000 of them; these loop instead (the lint rule `no-restricted-syntax` points here).
 */

/** Appends every item to `target`, in order; returns `target`. */
export function appendAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const item of items) target.push(item);
  return target;
}

/** The largest value, or `empty` when there is none. */
export function maxOf(values: Iterable<number>, empty = -Infinity): number {
  let max = empty;
  let seen = false;
  for (const value of values) {
    max = seen ? Math.max(max, value) : value;
    seen = true;
  }
  return seen ? max : empty;
}

/** The smallest value, or `empty` when there is none. */
export function minOf(values: Iterable<number>, empty = Infinity): number {
  let min = empty;
  let seen = false;
  for (const value of values) {
    min = seen ? Math.min(min, value) : value;
    seen = true;
  }
  return seen ? min : empty;
}

/** The sum of the values; 0 when there are none. */
export function sumOf(values: Iterable<number>): number {
  let sum = 0;
  for (const value of values) sum += value;
  return sum;
}
