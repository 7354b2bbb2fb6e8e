// Finds the items whose key span contains a key, for routing events to watchers without comparing
// every event with every watcher. Single keys are a map lookup. Ranges go into a stabbing table:
// the distinct range bounds cut the key space into slices, and each slice lists the ranges covering
// it, so a key costs one binary search. The table is rebuilt lazily, on the first lookup after the
// set of ranges changed (watchers come and go far less often than events arrive).
import type { KeySpan } from '../mvcc/key-bytes.js';

interface RangeEntry<T> {
  readonly start: string;
  /** null: no upper bound. */
  readonly end: string | null;
  readonly item: T;
}

export class SpanIndex<T> {
  private readonly exact = new Map<string, T[]>();
  private readonly ranges = new Map<T, RangeEntry<T>>();
  /** Slice i covers [bounds[i], bounds[i + 1]); the last one has no upper bound. */
  private bounds: string[] = [];
  private covering: T[][] = [];
  private stale = false;

  add(span: KeySpan, item: T): void {
    if (span.single) {
      const items = this.exact.get(span.start);
      if (items) items.push(item);
      else this.exact.set(span.start, [item]);
      return;
    }
    // An empty range ([a, a) or reversed) contains no key.
    if (span.end !== null && span.end <= span.start) return;
    this.ranges.set(item, { start: span.start, end: span.end, item });
    this.stale = true;
  }

  delete(span: KeySpan, item: T): void {
    if (span.single) {
      const items = this.exact.get(span.start);
      if (!items) return;
      const i = items.indexOf(item);
      if (i >= 0) items.splice(i, 1);
      if (items.length === 0) this.exact.delete(span.start);
      return;
    }
    if (this.ranges.delete(item)) this.stale = true;
  }

  /** Calls visit with each item whose span contains key, single keys first. */
  forEach(key: string, visit: (item: T) => void): void {
    const items = this.exact.get(key);
    if (items) for (const item of items) visit(item);
    if (this.ranges.size === 0) return;
    if (this.stale) this.rebuild();
    const slice = lastAtOrBelow(this.bounds, key);
    if (slice < 0) return;
    for (const item of this.covering[slice]!) visit(item);
  }

  private rebuild(): void {
    const points = new Set<string>();
    for (const r of this.ranges.values()) {
      points.add(r.start);
      if (r.end !== null) points.add(r.end);
    }
    this.bounds = [...points].sort();
    this.covering = this.bounds.map(() => []);
    for (const r of this.ranges.values()) {
      const first = lastAtOrBelow(this.bounds, r.start);
      const last = r.end === null ? this.bounds.length : lastAtOrBelow(this.bounds, r.end);
      for (let i = first; i < last; i++) this.covering[i]!.push(r.item);
    }
    this.stale = false;
  }
}

/** Index of the last element ≤ key in a sorted array, -1 if none. */
function lastAtOrBelow(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
