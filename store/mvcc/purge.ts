// The physical half of a compaction: deleting from disk the revisions at or below the compaction
// revision that the index no longer reaches. It runs after the compaction is durable, in the
// background and in modest batches; a crash midway is fine: on open the store sees the compaction
// scheduled but not finished and runs this again (deleting what is left is idempotent).
import { writeOps, type BatchOp, type StoreDb } from '../db.js';
import { StateSpace } from '../keyspace.js';
import type { KeepSet } from './keep-set.js';
import { encodeNumber, STORE_META } from './store-meta.js';

const DELETES_PER_BATCH = 10_000;

/**
 * Deletes unreachable revisions ≤ compactRev of `space`, then records the compaction as finished.
 * Stops early (without recording) once `stillWanted` turns false: the store closed or moved to
 * another state generation.
 */
export async function purgeCompacted(
  db: StoreDb,
  space: StateSpace,
  compactRev: number,
  keep: KeepSet,
  stillWanted: () => boolean,
): Promise<boolean> {
  const range = space.revisions(compactRev);
  const it = db.keys({ gte: range.gte, lt: range.lt });
  let ops: BatchOp[] = [];
  try {
    for (;;) {
      if (!stillWanted()) return false;
      const page = await it.nextv(1000);
      if (page.length === 0) break;
      for (const k of page) {
        if (!keep.has(StateSpace.mainOf(k), StateSpace.subOf(k))) ops.push({ type: 'del', key: k });
      }
      if (ops.length >= DELETES_PER_BATCH) {
        if (!stillWanted()) return false;
        await writeOps(db, ops, { sync: false });
        ops = [];
      }
    }
  } finally {
    await it.close();
  }
  if (!stillWanted()) return false;
  ops.push({ type: 'put', key: space.storeMetaKey(STORE_META.compactFinished), value: encodeNumber(compactRev) });
  await writeOps(db, ops, { sync: false });
  return true;
}
