// etcd's HashKV: a CRC-32C over every revision record up to a revision, skipping what compaction
// removed (history below the compaction revision other than each key's kept latest version). Records
// a pending compaction has not yet deleted from disk are skipped too, so two stores with the same
// history hash equal however far their compactions got.
import type { StoreDb } from '../db.js';
import { StateSpace } from '../keyspace.js';
import { crc32c } from './crc32c.js';
import type { KeepSet } from './keep-set.js';

/**
 * Hashes the revision records of `space` up to `upTo`. The LevelDB iterator (and with it the view
 * of the data) is created synchronously, when this is called.
 */
export async function hashRevisions(
  db: StoreDb,
  space: StateSpace,
  upTo: number,
  compactRev: number,
  keep: KeepSet,
): Promise<number> {
  const range = space.revisions(upTo);
  const it = db.iterator({ gte: range.gte, lt: range.lt });
  let hash = 0;
  try {
    for (;;) {
      const page = await it.nextv(1000);
      if (page.length === 0) return hash;
      for (const [k, v] of page) {
        const main = StateSpace.mainOf(k);
        if (main <= compactRev && !keep.has(main, StateSpace.subOf(k))) continue;
        hash = crc32c(hash, space.relative(k));
        hash = crc32c(hash, v);
      }
    }
  } finally {
    await it.close();
  }
}
