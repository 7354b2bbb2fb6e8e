// One write transaction: every change it makes shares one main revision (beginRev + 1), the sub
// revision counting changes. Changes go to the index at once (readers of committed state read at an
// older revision and do not see them), to the batch's pending values (so later reads in the same
// batch find them before they reach disk), and to the batch's LevelDB ops.
import type { BatchOp } from '../db.js';
import type { StateSpace } from '../keyspace.js';
import { attachOp, detachOp } from '../lease/lease-records.js';
import type { LeaseTable } from '../lease/lease-table.js';
import { fromKeyString, toKeyString, type KeySpan } from './key-bytes.js';
import { encodeKv, encodeTombstone } from './kv-codec.js';
import type { ReadView } from './read-view.js';
import type { KeyRevision, TreeIndex } from './tree-index.js';
import type { KeyValue, MvccEvent } from './types.js';

/** The changes of an applyBatch call that are not on disk yet. */
export class PendingBatch {
  readonly ops: BatchOp[] = [];
  /** Revision records written (puts and tombstones): what a replay of the batch would read. */
  changes = 0;
  /** main → values by sub; null for a tombstone. */
  private readonly values = new Map<number, (KeyValue | null)[]>();

  record(main: number, sub: number, kv: KeyValue | null): void {
    this.changes++;
    let subs = this.values.get(main);
    if (subs === undefined) this.values.set(main, (subs = []));
    subs[sub] = kv;
  }

  /** The pending value of a revision, or undefined if the revision is not pending. */
  lookup(main: number, sub: number): KeyValue | null | undefined {
    return this.values.get(main)?.[sub];
  }

  /** Every value written (tombstones left out), for the store's cache of recent revisions. */
  forEachValue(fn: (main: number, sub: number, kv: KeyValue) => void): void {
    for (const [main, subs] of this.values) subs.forEach((kv, sub) => kv && fn(main, sub, kv));
  }
}

export interface WriteContext {
  readonly index: TreeIndex;
  readonly space: StateSpace;
  readonly pending: PendingBatch;
  readonly compactRev: number;
  /** The leases, which puts attach keys to and deletes detach them from. */
  readonly leases: LeaseTable;
  /** Values of index hits, pending ones included. */
  fetch(hits: readonly KeyRevision[]): Promise<KeyValue[]>;
}

/** What the ops of a txn run against: a write txn, or the read-only scope of a read-only txn. */
export interface TxnScope {
  /** The revision reads inside the txn see, and the header revision once it ends. */
  readonly rev: number;
  view(): ReadView;
  put(key: Uint8Array, value: Uint8Array, lease: bigint, prev: KeyValue | undefined): KeyValue;
  deleteRange(span: KeySpan, prevKvs: readonly KeyValue[]): number;
}

export class WriteTxn implements TxnScope {
  private changes = 0;
  readonly events: MvccEvent[] = [];

  constructor(
    private readonly ctx: WriteContext,
    readonly beginRev: number,
  ) {}

  get rev(): number {
    return this.changes > 0 ? this.beginRev + 1 : this.beginRev;
  }

  get changed(): boolean {
    return this.changes > 0;
  }

  view(): ReadView {
    const { index, compactRev } = this.ctx;
    return { index, rev: this.rev, compactRev, fetch: (hits) => this.ctx.fetch(hits) };
  }

  /** Writes a new revision of key; `prev` is the kv it replaces, if the caller read it (for the event). */
  put(key: Uint8Array, value: Uint8Array, lease: bigint, prev: KeyValue | undefined): KeyValue {
    const main = this.beginRev + 1;
    const keyStr = toKeyString(key);
    const live = this.ctx.index.get(keyStr, main);
    const kv: KeyValue = {
      key,
      value,
      lease,
      createRevision: live ? live.created : main,
      modRevision: main,
      version: (live?.version ?? 0) + 1,
    };
    const sub = this.changes++;
    this.ctx.pending.ops.push({ type: 'put', key: this.ctx.space.revisionKey(main, sub), value: encodeKv(kv) });
    this.ctx.pending.record(main, sub, kv);
    this.ctx.index.put(keyStr, main, sub);
    this.moveLease(keyStr, key, lease);
    this.events.push(prev ? { type: 'put', kv, prevKv: prev } : { type: 'put', kv });
    return kv;
  }

  /**
   * Deletes the keys of the span live at this txn's revision. `prevKvs`, if the caller read them
   * (a range over the same span at the same revision), go with the events.
   */
  deleteRange(span: KeySpan, prevKvs: readonly KeyValue[]): number {
    return this.deleteKeys(this.ctx.index.liveKeys(span, this.rev), prevKvs);
  }

  /**
   * Deletes the given keys, live at this txn's revision, in the order given (a lease revocation
   * sorts them, as etcd does, so that every member writes the same revisions). `prevKvs` go with the
   * events, in the same order.
   */
  deleteKeys(keys: readonly string[], prevKvs: readonly KeyValue[]): number {
    const main = this.beginRev + 1;
    keys.forEach((keyStr, i) => {
      const key = fromKeyString(keyStr);
      const sub = this.changes++;
      this.ctx.pending.ops.push({ type: 'put', key: this.ctx.space.revisionKey(main, sub), value: encodeTombstone(key) });
      this.ctx.pending.record(main, sub, null);
      this.ctx.index.tombstone(keyStr, main, sub);
      this.moveLease(keyStr, key, 0n);
      const kv: KeyValue = { key, createRevision: 0, modRevision: main, version: 0, value: EMPTY, lease: 0n };
      const prevKv = prevKvs[i];
      this.events.push(prevKv ? { type: 'delete', kv, prevKv } : { type: 'delete', kv });
    });
    return keys.length;
  }

  /** Attaches the key to `lease` (0n: to none), detaching it from the lease it had. */
  private moveLease(keyStr: string, key: Uint8Array, lease: bigint): void {
    const leases = this.ctx.leases;
    const old = leases.leaseOf(keyStr);
    if (old === lease) return;
    if (old !== 0n) {
      leases.detach(keyStr);
      this.ctx.pending.ops.push(detachOp(this.ctx.space, old, key));
    }
    if (lease !== 0n && leases.attach(keyStr, lease)) this.ctx.pending.ops.push(attachOp(this.ctx.space, lease, key));
  }
}

const EMPTY = new Uint8Array(0);
