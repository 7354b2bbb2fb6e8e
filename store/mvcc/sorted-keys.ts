// An ordered set of binary-string keys: a list of sorted chunks, each at most MAX_CHUNK long, with
// each chunk's largest key kept aside for binary search. Inserting shifts one small chunk instead of
// a million-element array, and scanning a range walks chunks in order.

const MAX_CHUNK = 1024;

export class SortedKeys {
  private chunks: string[][] = [];
  private maxes: string[] = [];
  private count = 0;

  /** Builds the set from keys already sorted and distinct (rebuilding the index at startup). */
  static fromSorted(keys: readonly string[]): SortedKeys {
    const s = new SortedKeys();
    const half = MAX_CHUNK / 2;
    for (let i = 0; i < keys.length; i += half) {
      const chunk = keys.slice(i, i + half);
      s.chunks.push(chunk);
      s.maxes.push(chunk[chunk.length - 1]!);
    }
    s.count = keys.length;
    return s;
  }

  get size(): number {
    return this.count;
  }

  insert(key: string): boolean {
    if (this.chunks.length === 0) {
      this.chunks.push([key]);
      this.maxes.push(key);
      this.count = 1;
      return true;
    }
    let ci = this.chunkFor(key);
    if (ci === this.chunks.length) ci--;
    const chunk = this.chunks[ci]!;
    const at = lowerBound(chunk, key);
    if (chunk[at] === key) return false;
    chunk.splice(at, 0, key);
    this.maxes[ci] = chunk[chunk.length - 1]!;
    this.count++;
    if (chunk.length > MAX_CHUNK) {
      const upper = chunk.splice(chunk.length >> 1);
      this.chunks.splice(ci + 1, 0, upper);
      this.maxes.splice(ci, 0, chunk[chunk.length - 1]!);
    }
    return true;
  }

  delete(key: string): boolean {
    const ci = this.chunkFor(key);
    if (ci === this.chunks.length) return false;
    const chunk = this.chunks[ci]!;
    const at = lowerBound(chunk, key);
    if (chunk[at] !== key) return false;
    chunk.splice(at, 1);
    this.count--;
    if (chunk.length === 0) {
      this.chunks.splice(ci, 1);
      this.maxes.splice(ci, 1);
    } else {
      this.maxes[ci] = chunk[chunk.length - 1]!;
    }
    return true;
  }

  /** Visits keys in [start, end) in order (end null: no bound) until visit returns false. */
  forEach(start: string, end: string | null, visit: (key: string) => boolean | void): void {
    let ci = this.chunkFor(start);
    if (ci === this.chunks.length) return;
    let at = lowerBound(this.chunks[ci]!, start);
    for (; ci < this.chunks.length; ci++, at = 0) {
      const chunk = this.chunks[ci]!;
      for (; at < chunk.length; at++) {
        const key = chunk[at]!;
        if (end !== null && key >= end) return;
        if (visit(key) === false) return;
      }
    }
  }

  /** Index of the first chunk whose largest key is ≥ key (chunks.length if none). */
  private chunkFor(key: string): number {
    return lowerBound(this.maxes, key);
  }
}

/** First position in a sorted array whose element is ≥ key. */
function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
