// Writes an index checkpoint while the store goes on applying writes. The index is serialized a
// slice at a time, each slice while no write is being applied (so it holds only changes already
// handed to the database), yielding to the event loop in between: with a million keys a single pass
// would stall raft's heartbeats for seconds.
//
// Durability follows from order. Every write goes through writeOps, which keeps the order writes
// were handed in (see db.ts): a chunk is handed in after the revision records it reflects, and the
// marker after every chunk, so no crash keeps a marker without its chunks, or a chunk without the
// revisions it holds.
import { ByteWriter } from '../codec/byte-writer.js';
import { writeOps, type StoreDb } from '../db.js';
import type { StateSpace } from '../keyspace.js';
import { encodeMarker, writeEntry, type CheckpointMarker } from './index-checkpoint.js';
import type { TreeIndex } from './tree-index.js';

export interface CheckpointSizes {
  /** Serialized per turn of the event loop: bounds how long one slice holds the loop. */
  readonly sliceBytes: number;
  /** Size of a chunk record (several slices). */
  readonly chunkBytes: number;
}

/** What the writer needs from the store. */
export interface CheckpointSource {
  readonly db: StoreDb;
  readonly space: StateSpace;
  /** Runs `section` while no write is being applied. */
  locked<T>(section: () => T): Promise<T>;
  /** The index and the position it has reached; called inside `locked`. */
  current(): { readonly index: TreeIndex; readonly applied: number; readonly revision: number };
  /** False once the checkpoint is of no use (the store failed, closed or moved to another generation). */
  wanted(): boolean;
}

/**
 * Writes a checkpoint into the slot `previous` (the one in force) does not use, then its marker,
 * then clears the previous slot. Returns the new marker, or undefined if it stopped because the
 * checkpoint was no longer wanted (the previous one then stays in force).
 */
export async function writeCheckpoint(source: CheckpointSource, previous: CheckpointMarker | undefined, sizes: CheckpointSizes): Promise<CheckpointMarker | undefined> {
  const { db, space } = source;
  const slot = previous ? 1 - previous.slot : 0;
  // With none known to be in force, a marker on disk may be one open could not use, still naming
  // this slot: it goes first, so the chunks written below never sit under it.
  if (!previous) await writeOps(db, [{ type: 'del', key: space.indexCheckpointMarkerKey() }], { sync: true });
  // Left-overs of a write that was interrupted.
  await db.clear(space.indexCheckpointSlot(slot));

  let covers: { applied: number; revision: number } | undefined;
  let after: string | undefined;
  let chunks = 0;
  let w = new ByteWriter(sizes.chunkBytes + sizes.sliceBytes);
  for (;;) {
    const done = await source.locked(() => {
      if (!source.wanted()) return undefined;
      const now = source.current();
      // Every key keeps all its revisions up to here; those written later replay from the revisions.
      covers ??= { applied: now.applied, revision: now.revision };
      const sliceEnd = w.length + sizes.sliceBytes;
      let finished = true;
      now.index.forEachAfter(after, (key, ki) => {
        writeEntry(w, key, ki);
        after = key;
        if (w.length < sliceEnd) return true;
        finished = false;
        return false;
      });
      return finished;
    });
    if (done === undefined || covers === undefined) return undefined;
    if (w.length >= sizes.chunkBytes || (done && w.length > 0)) {
      await writeOps(db, [{ type: 'put', key: space.indexCheckpointKey(slot, chunks++), value: w.finish() }], { sync: true });
      w = new ByteWriter(sizes.chunkBytes + sizes.sliceBytes);
    }
    if (done) break;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (!source.wanted()) return undefined;
  const marker: CheckpointMarker = { ...covers, chunks, slot };
  await writeOps(db, [{ type: 'put', key: space.indexCheckpointMarkerKey(), value: encodeMarker(marker) }], { sync: true });
  // The new marker is on disk: the old chunks are no longer named by anything.
  if (previous) await db.clear(space.indexCheckpointSlot(previous.slot));
  return marker;
}
