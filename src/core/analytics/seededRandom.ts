/** A uniform generator on [0, 1). */
export type Random = () => number;

/**
 * Mulberry32: a small, fast generator with a 32-bit state. Analytics that sample or shuffle use it
 * with a fixed seed so that the same data always gives the same result (and failures reproduce).
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Fisher–Yates shuffle of a copy. */
export function shuffled<T>(items: readonly T[], random: Random): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Which of `length` positions a uniform choice of `count` distinct ones takes (1 = taken), so that a
 * caller streaming the items keeps only those; every position when `count` covers them all.
 */
export function chosenPositions(length: number, count: number, random: Random): Uint8Array {
  const chosen = new Uint8Array(length);
  if (count >= length) return chosen.fill(1);
  // Floyd's algorithm: exactly `count` draws, no rejection loop.
  for (let j = length - count; j < length; j++) {
    const t = Math.floor(random() * (j + 1));
    if (chosen[t]) chosen[j] = 1;
    else chosen[t] = 1;
  }
  return chosen;
}
