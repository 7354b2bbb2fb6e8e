// The in-memory index over every key: key → KeyIndex for point lookups, plus the keys in order for
// ranges. It holds revisions only; values live in LevelDB, keyed by revision. Like etcd's treeIndex,
// it is rebuilt from LevelDB at startup.
import { KeepSet } from './keep-set.js';
import { KeyIndex, type RevisionHit } from './key-index.js';
import type { KeySpan } from './key-bytes.js';
import { SortedKeys } from './sorted-keys.js';

export interface KeyRevision {
  readonly key: string;
  readonly main: number;
  readonly sub: number;
  /** The key's create revision and version at that revision: what its stored kv holds too. */
  readonly created: number;
  readonly version: number;
}

export class TreeIndex {
  /** Keys not deleted (etcd's keys_total gauge): counted once here, then kept by put and tombstone. */
  private live = 0;

  private constructor(
    private readonly byKey: Map<string, KeyIndex>,
    private readonly order: SortedKeys,
  ) {
    for (const ki of byKey.values()) if (ki.isLive()) this.live++;
  }

  static empty(): TreeIndex {
    return new TreeIndex(new Map(), new SortedKeys());
  }

  /** An index over key indexes built elsewhere (see TreeIndexBuilder). */
  static of(byKey: Map<string, KeyIndex>): TreeIndex {
    return new TreeIndex(byKey, SortedKeys.fromSorted([...byKey.keys()].sort()));
  }

  /** An index over key indexes whose keys, in order, are `sortedKeys` (an index checkpoint). */
  static ofSorted(byKey: Map<string, KeyIndex>, sortedKeys: readonly string[] = [...byKey.keys()]): TreeIndex {
    return new TreeIndex(byKey, SortedKeys.fromSorted(sortedKeys));
  }

  /** Every key with its KeyIndex, in key order. */
  forEach(visit: (key: string, ki: KeyIndex) => void): void {
    this.order.forEach('', null, (key) => visit(key, this.byKey.get(key)!));
  }

  /**
   * The keys after `after` (from the first key when undefined) with their KeyIndex, in key order,
   * until visit returns false: lets a checkpoint be written a slice at a time.
   */
  forEachAfter(after: string | undefined, visit: (key: string, ki: KeyIndex) => boolean): void {
    // A key followed by the byte 0 is the least key greater than it.
    this.order.forEach(after === undefined ? '' : after + '\x00', null, (key) => visit(key, this.byKey.get(key)!));
  }

  /** Keys in the index, deleted ones included until compaction removes them. */
  get size(): number {
    return this.byKey.size;
  }

  /** Keys not deleted. */
  get liveCount(): number {
    return this.live;
  }

  get(key: string, atRev: number): RevisionHit | undefined {
    return this.byKey.get(key)?.get(atRev);
  }

  put(key: string, main: number, sub: number): void {
    let ki = this.byKey.get(key);
    if (ki === undefined) {
      ki = new KeyIndex();
      this.byKey.set(key, ki);
      this.order.insert(key);
    }
    if (!ki.isLive()) this.live++;
    ki.put(main, sub);
  }

  /** Returns false if the key is not live (nothing to delete). */
  tombstone(key: string, main: number, sub: number): boolean {
    const ended = this.byKey.get(key)?.tombstone(main, sub) ?? false;
    if (ended) this.live--;
    return ended;
  }

  /**
   * The revisions live at atRev in the span, in key order: at most `limit` of them (0 = all), while
   * `total` counts every one.
   */
  revisions(span: KeySpan, atRev: number, limit: number): { hits: KeyRevision[]; total: number } {
    const hits: KeyRevision[] = [];
    if (span.single) {
      const hit = this.get(span.start, atRev);
      if (hit) hits.push({ key: span.start, main: hit.main, sub: hit.sub, created: hit.created, version: hit.version });
      return { hits, total: hits.length };
    }
    let total = 0;
    this.order.forEach(span.start, span.end, (key) => {
      const hit = this.byKey.get(key)!.get(atRev);
      if (hit === undefined) return;
      total++;
      if (limit <= 0 || hits.length < limit) hits.push({ key, main: hit.main, sub: hit.sub, created: hit.created, version: hit.version });
    });
    return { hits, total };
  }

  /** Keys live at atRev in the span, in order (what a delete range removes). */
  liveKeys(span: KeySpan, atRev: number): string[] {
    return this.revisions(span, atRev, 0).hits.map((h) => h.key);
  }

  /** Drops history below atRev (see KeyIndex.compact); returns the revisions at or below atRev still needed. */
  compact(atRev: number): KeepSet {
    const keep = new KeepSet();
    const gone: string[] = [];
    for (const [key, ki] of this.byKey) {
      ki.compact(atRev, keep);
      if (ki.isEmpty()) gone.push(key);
    }
    for (const key of gone) {
      this.byKey.delete(key);
      this.order.delete(key);
    }
    return keep;
  }

  /** What compact(atRev) would keep, changing nothing. */
  keep(atRev: number): KeepSet {
    const keep = new KeepSet();
    for (const ki of this.byKey.values()) ki.keep(atRev, keep);
    return keep;
  }
}

/** Builds an index from revision records read in revision order, ordering the keys once at the end. */
export class TreeIndexBuilder {
  private readonly byKey = new Map<string, KeyIndex>();

  put(key: string, main: number, sub: number, created: number, version: number): void {
    let ki = this.byKey.get(key);
    if (ki === undefined) {
      ki = new KeyIndex();
      this.byKey.set(key, ki);
    }
    ki.restorePut(main, sub, created, version);
  }

  /**
   * A tombstone of a key with no live revision is left over from an interrupted compaction (which
   * deletes oldest first); the compaction will remove it, so it is skipped.
   */
  tombstone(key: string, main: number, sub: number): void {
    this.byKey.get(key)?.tombstone(main, sub);
  }

  finish(): TreeIndex {
    return TreeIndex.of(this.byKey);
  }
}
