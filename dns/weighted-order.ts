// The order answers go out in: random, heavier entries first more often. Each entry draws a key
// -ln(u)/w (an exponential variable of rate w) and the smallest key goes first — a weighted random
// permutation (Efraimidis–Spirakis) in one sort: an entry of weight 2 leads one of weight 1 two
// times in three. Weight 0 entries come last, in random order among themselves.

/** A number in [0, 1). */
export type Random = () => number;

export function weightedOrder<T>(items: readonly T[], weight: (item: T) => number, random: Random = Math.random): T[] {
  if (items.length < 2) return [...items];
  const keyed = items.map((item) => {
    const w = weight(item);
    // 1 - random() is in (0, 1]: its log is finite.
    const draw = -Math.log(1 - random());
    return { item, key: w > 0 ? draw / w : Infinity, tie: random() };
  });
  keyed.sort((a, b) => a.key - b.key || a.tie - b.tie);
  return keyed.map((k) => k.item);
}
