// The key-value records of the revisions most recently written or read, kept in memory: a revision
// record never changes once written, so a read of a key written or read a moment ago (a hot counter,
// a txn's compare target, the value a put with ignore_value keeps, a znode read again) needs no trip
// to LevelDB. Two generations, each within half the bounds: new records and records used again go
// to the young one; when it is full it becomes the old one and the old one is dropped whole. Every
// step is O(1) (a least-recently-used list kept in one Map slows down as its deleted slots pile up).
import type { KeyValue } from './types.js';

/** Enough for a working set of tens of thousands of keys (10,000 znodes are 30,000 keys). */
const DEFAULT_MAX_ENTRIES = 131_072;
const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;
/** What an entry costs besides its key and value bytes (the map's entry, the record, its id). */
const ENTRY_OVERHEAD_BYTES = 160;

export class RecentKvs {
  private young = new Map<string, KeyValue>();
  private old = new Map<string, KeyValue>();
  private youngBytes = 0;
  private oldBytes = 0;

  constructor(
    private readonly maxEntries = DEFAULT_MAX_ENTRIES,
    private readonly maxBytes = DEFAULT_MAX_BYTES,
  ) {}

  add(main: number, sub: number, kv: KeyValue): void {
    this.keep(`${main}.${sub}`, kv);
  }

  get(main: number, sub: number): KeyValue | undefined {
    const key = `${main}.${sub}`;
    const young = this.young.get(key);
    if (young !== undefined) return young;
    const old = this.old.get(key);
    // Used again: it moves to the young generation, and outlives the old one.
    if (old !== undefined) this.keep(key, old);
    return old;
  }

  /** The state was replaced (a snapshot installed): what is kept may not be of it. */
  clear(): void {
    this.young = new Map();
    this.old = new Map();
    this.youngBytes = 0;
    this.oldBytes = 0;
  }

  /** Entries kept (one used again may be counted in both generations), and their estimated bytes. */
  get size(): { readonly entries: number; readonly bytes: number } {
    return { entries: this.young.size + this.old.size, bytes: this.youngBytes + this.oldBytes };
  }

  private keep(key: string, kv: KeyValue): void {
    const before = this.young.get(key);
    if (before !== undefined) this.youngBytes -= sizeOf(before);
    this.young.set(key, kv);
    this.youngBytes += sizeOf(kv);
    if (this.young.size >= this.maxEntries / 2 || this.youngBytes >= this.maxBytes / 2) {
      this.old = this.young;
      this.oldBytes = this.youngBytes;
      this.young = new Map();
      this.youngBytes = 0;
    }
  }
}

function sizeOf(kv: KeyValue): number {
  return kv.key.length + kv.value.length + ENTRY_OVERHEAD_BYTES;
}
