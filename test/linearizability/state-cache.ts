import type { Bitset } from './bitset.js';

/**
 * Lowe's memoization: the configurations (linearized set, model state) the search has reached.
 * Reaching one again means repeating a search that already failed, so the search skips it.
 */
export class StateCache<S> {
  private readonly buckets = new Map<number, { linearized: Bitset; state: S }[]>();
  private count = 0;

  constructor(private readonly equal: (a: S, b: S) => boolean) {}

  get size(): number {
    return this.count;
  }

  /** Records the configuration; false if it was already there. Keeps a copy of `linearized`. */
  add(linearized: Bitset, state: S): boolean {
    const bucket = this.buckets.get(linearized.hash);
    if (bucket === undefined) {
      this.buckets.set(linearized.hash, [{ linearized: linearized.clone(), state }]);
    } else {
      for (const seen of bucket) {
        if (seen.linearized.equals(linearized) && this.equal(seen.state, state)) return false;
      }
      bucket.push({ linearized: linearized.clone(), state });
    }
    this.count++;
    return true;
  }
}
