// What Status and the metrics report of the database's size: the bytes its files take (etcd's
// dbSize), and of those the bytes that hold data in use (etcd's dbSizeInUse).
//
// bbolt, under etcd, knows its free pages; LevelDB has none. What it has instead is space held by
// data no longer wanted — versions overwritten or deleted (a compacted history, a generation left
// by a snapshot install) that sit in table files until LevelDB compacts them — and files of its own
// bookkeeping (the manifest, its info logs). So "in use" here is LevelDB's own estimate of the
// table bytes under the live key ranges (approximateSize), plus the write-ahead journal files
// (NNNNNN.log), which hold the latest writes not yet in a table and which that estimate leaves out.
// Defragment (a full compaction) brings the two figures together, as it does in etcd.
//
// The quota's "backend size" (etcd: the bbolt file, which holds only the state) is, for Lodestone,
// the state's own bytes: LevelDB's estimate of the table bytes under the live state generation, plus
// the journal (the latest writes, of the state and of the raft log alike, until LevelDB moves them
// into tables). The raft log's tables, local meta and stale generations are left out: they are not
// the state, and the raft log shrinks on its own after each snapshot. Like bbolt's file, the figure
// grows with every write and does not fall when keys are deleted or compacted (their space is
// still taken in the tables), only once Defragment has LevelDB rewrite the tables without them.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoreDb } from '../store/db.js';
import type { KeyRange } from '../store/keyspace.js';

export interface DbSize {
  /** Bytes of every file in the database folder. */
  readonly total: number;
  /** Bytes holding the live key ranges' data; never more than `total`. */
  readonly inUse: number;
  /** Bytes of the state (see above): what the quota is checked against; never more than `total`. */
  readonly backend: number;
}

/** classic-level has approximateSize; the abstract-level type the store uses does not name it. */
interface SizedDb {
  approximateSize?: (start: Uint8Array, end: Uint8Array) => Promise<number>;
}

export async function measureDb(db: StoreDb, dir: string, live: readonly KeyRange[], state: readonly KeyRange[] = []): Promise<DbSize> {
  const files = await folderFiles(dir);
  let total = 0;
  let journal = 0;
  for (const [name, size] of files) {
    total += size;
    if (/^\d+\.log$/.test(name)) journal += size;
  }
  const sized = db as unknown as SizedDb;
  let tables = 0;
  let stateTables = 0;
  if (typeof sized.approximateSize === 'function') {
    for (const r of live) tables += await sized.approximateSize.call(db, r.gte, r.lt);
    for (const r of state) stateTables += await sized.approximateSize.call(db, r.gte, r.lt);
  }
  // The files and the estimate are read a moment apart (a compaction may run between them).
  return { total, inUse: Math.min(total, tables + journal), backend: Math.min(total, stateTables + journal) };
}

/** The size of each file in `dir` (none if it cannot be read). */
async function folderFiles(dir: string): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return sizes;
  }
  for (const name of names) {
    try {
      const s = await stat(join(dir, name));
      if (s.isFile()) sizes.set(name, s.size);
    } catch {
      // A file LevelDB removed meanwhile (a compaction): it no longer counts.
    }
  }
  return sizes;
}
