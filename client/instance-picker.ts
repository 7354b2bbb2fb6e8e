// Spreading requests over a service's instances by their weights (the passing weight, or the
// warning one: registry/healthy-selection.ts weightFor):
//   - smooth weighted round-robin, as nginx's upstreams: each pick adds every instance's weight to
//     its running score, takes the highest, and takes the total off the winner's score. Over a
//     cycle of (sum of weights) picks each instance is picked exactly its weight's times, spread
//     out rather than in runs (weights 5, 1, 1 give a a b a c a a).
//   - weighted random: each pick independent, an instance's chance its share of the total.
// An instance of weight 0 is never picked; with none above 0 a pick is undefined.

/** What is picked from: a name and a weight. */
export interface Weighted {
  readonly instance: string;
  readonly weight: number;
}

export class SmoothRoundRobin {
  /** Each instance's running score, kept across changes of the set (a new one starts at 0). */
  private readonly scores = new Map<string, number>();

  pick<T extends Weighted>(candidates: readonly T[]): T | undefined {
    let total = 0;
    let best: T | undefined;
    let bestScore = Number.NEGATIVE_INFINITY;
    const live = new Set<string>();
    for (const c of candidates) {
      if (c.weight <= 0) continue;
      live.add(c.instance);
      const score = (this.scores.get(c.instance) ?? 0) + c.weight;
      this.scores.set(c.instance, score);
      total += c.weight;
      if (score > bestScore) {
        best = c;
        bestScore = score;
      }
    }
    for (const id of [...this.scores.keys()]) if (!live.has(id)) this.scores.delete(id);
    if (best) this.scores.set(best.instance, bestScore - total);
    return best;
  }
}

export function pickWeightedRandom<T extends Weighted>(candidates: readonly T[], random: () => number = Math.random): T | undefined {
  let total = 0;
  for (const c of candidates) if (c.weight > 0) total += c.weight;
  if (total <= 0) return undefined;
  let point = random() * total;
  for (const c of candidates) {
    if (c.weight <= 0) continue;
    point -= c.weight;
    if (point < 0) return c;
  }
  // Rounding at the very top of the range: the last one that can be picked.
  return [...candidates].reverse().find((c) => c.weight > 0);
}
