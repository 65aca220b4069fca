/** A source of uniform numbers in [0, 1). Protocol code takes one so that tests can seed it. */
export type Random = () => number;

export const systemRandom: Random = Math.random;

/** mulberry32: a tiny, fast, seedable PRNG; good enough for protocol choices in tests. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks up to `count` distinct items at random (partial Fisher–Yates). */
export function pickRandom<T>(items: readonly T[], count: number, random: Random): T[] {
  const copy = items.slice();
  const n = Math.min(count, copy.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}
