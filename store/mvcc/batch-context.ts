// The state of one applyBatch call, as the request appliers see it: the index and the lease table
// (which the batch's writes change at once), its pending values, and the compactions it made.
import type { StoreDb } from '../db.js';
import { CorruptDataError } from '../errors.js';
import type { StateSpace } from '../keyspace.js';
import type { LeaseTable } from '../lease/lease-table.js';
import type { ApplyContext } from './apply.js';
import type { KeepSet } from './keep-set.js';
import { decodeKv } from './kv-codec.js';
import type { KeyRevision, TreeIndex } from './tree-index.js';
import type { KeyValue } from './types.js';
import type { RequestLimits } from './validate.js';
import type { RecentKvs } from './recent-kvs.js';
import { PendingBatch } from './write-txn.js';

export class BatchContext implements ApplyContext {
  readonly pending = new PendingBatch();
  readonly compactions: { revision: number; keep: KeepSet }[] = [];

  constructor(
    private readonly db: StoreDb,
    private readonly recent: RecentKvs,
    readonly index: TreeIndex,
    readonly space: StateSpace,
    readonly leases: LeaseTable,
    readonly limits: RequestLimits,
    public revision: number,
    public compactRev: number,
    readonly eventsWithPrevKv: boolean,
    private readonly onCompact: (revision: number) => void,
  ) {}

  compact(revision: number): void {
    this.compactRev = revision;
    const keep = this.index.compact(revision);
    this.onCompact(revision);
    this.compactions.push({ revision, keep });
  }

  async fetch(hits: readonly KeyRevision[]): Promise<KeyValue[]> {
    const out: (KeyValue | undefined)[] = new Array(hits.length);
    const missing: number[] = [];
    hits.forEach((h, i) => {
      const kv = this.pending.lookup(h.main, h.sub) ?? this.recent.get(h.main, h.sub);
      if (kv) out[i] = kv;
      else missing.push(i);
    });
    if (missing.length > 0) {
      const fromDisk = await fetchRevisions(this.db, this.space, missing.map((i) => hits[i]!));
      missing.forEach((i, j) => {
        const kv = fromDisk[j]!;
        out[i] = kv;
        this.recent.add(hits[i]!.main, hits[i]!.sub, kv);
      });
    }
    return out as KeyValue[];
  }
}

/** Values of index hits: the recent ones (written or read) from memory, the rest from disk. */
export async function fetchRecentOrStored(recent: RecentKvs, db: StoreDb, space: StateSpace, hits: readonly KeyRevision[]): Promise<KeyValue[]> {
  const out: (KeyValue | undefined)[] = hits.map((h) => recent.get(h.main, h.sub));
  const missing: number[] = [];
  out.forEach((kv, i) => kv === undefined && missing.push(i));
  if (missing.length === 0) return out as KeyValue[];
  const fromDisk = await fetchRevisions(db, space, missing.map((i) => hits[i]!));
  missing.forEach((i, j) => {
    const kv = fromDisk[j]!;
    out[i] = kv;
    recent.add(hits[i]!.main, hits[i]!.sub, kv);
  });
  return out as KeyValue[];
}

/** Loads the values of index hits from disk. */
export async function fetchRevisions(db: StoreDb, space: StateSpace, hits: readonly KeyRevision[]): Promise<KeyValue[]> {
  const values = await db.getMany(hits.map((h) => space.revisionKey(h.main, h.sub)));
  return values.map((v, i) => {
    const h = hits[i]!;
    if (v === undefined) throw new CorruptDataError(`revision ${h.main}.${h.sub} of an indexed key is missing`);
    return decodeKv(h.main, v);
  });
}
