// The key-value records of the revisions most recently written or read, kept in memory: a revision
// record never changes once written, so a read of a key written or read a moment ago (a hot counter,
// a txn's compare target, the value a put with ignore_value keeps, a parent znode) needs no trip to
// LevelDB. Bounded; the longest unused go first.
import type { KeyValue } from './types.js';

const DEFAULT_CAPACITY = 16_384;

export class RecentKvs {
  private readonly byRevision = new Map<string, KeyValue>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  add(main: number, sub: number, kv: KeyValue): void {
    this.byRevision.set(`${main}.${sub}`, kv);
    if (this.byRevision.size > this.capacity) {
      const oldest = this.byRevision.keys().next();
      if (!oldest.done) this.byRevision.delete(oldest.value);
    }
  }

  get(main: number, sub: number): KeyValue | undefined {
    const key = `${main}.${sub}`;
    const kv = this.byRevision.get(key);
    if (kv !== undefined) {
      // Used again: it moves to the back of the queue.
      this.byRevision.delete(key);
      this.byRevision.set(key, kv);
    }
    return kv;
  }

  /** The state was replaced (a snapshot installed): what is kept may not be of it. */
  clear(): void {
    this.byRevision.clear();
  }
}
