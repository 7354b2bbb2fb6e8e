// A consistent snapshot of the replicated state (MVCC revisions, state meta, leases), read through a
// LevelDB snapshot so that writes may go on meanwhile. Iterate it once to get the stream's chunks;
// the LevelDB snapshot is released when the iteration ends, or by close() if it never runs.
import type { StoreDb } from '../db.js';
import type { StateSpace } from '../keyspace.js';
import { SnapshotEncoder, type SnapshotHeader } from './stream-format.js';

type LevelSnapshot = ReturnType<StoreDb['snapshot']>;

export class StateSnapshot implements AsyncIterable<Uint8Array> {
  private used = false;

  constructor(
    private readonly db: StoreDb,
    private readonly levelSnapshot: LevelSnapshot,
    private readonly space: StateSpace,
    readonly header: SnapshotHeader,
    private readonly chunkBytes: number,
  ) {}

  get appliedIndex(): number {
    return this.header.appliedIndex;
  }

  get revision(): number {
    return this.header.revision;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.used) throw new Error('a state snapshot can be read once');
    this.used = true;
    try {
      const encoder = new SnapshotEncoder(this.header, this.chunkBytes);
      for (const range of this.space.replicated()) {
        const it = this.db.iterator({ gte: range.gte, lt: range.lt, snapshot: this.levelSnapshot });
        try {
          for (;;) {
            const page = await it.nextv(1000);
            if (page.length === 0) break;
            for (const [k, v] of page) {
              const chunk = encoder.add(this.space.relative(k), v);
              if (chunk) yield chunk;
            }
          }
        } finally {
          await it.close();
        }
      }
      yield encoder.finish();
    } finally {
      await this.levelSnapshot.close();
    }
  }

  /** Releases the LevelDB snapshot without reading (idempotent). */
  async close(): Promise<void> {
    this.used = true;
    await this.levelSnapshot.close();
  }
}
