// The options and results of the client's operations, the same for an embedded node and a remote
// cluster.
import type { KeyRange } from './bytes.js';
import type { KeyValue } from './key-value.js';

export type SortTarget = 'key' | 'version' | 'create' | 'mod' | 'value';
export type SortOrder = 'ascend' | 'descend';

export interface ReadOptions {
  /** Read the state as of this revision (0 or absent: the current one). */
  readonly revision?: number;
  /**
   * Serve the read from the member's local state without confirming it with the leader: faster,
   * and it works without a leader, but it may be stale. Reads are linearizable by default.
   */
  readonly serializable?: boolean;
}

export interface RangeShape {
  /** At most this many keys (0 or absent: no limit); `more` says whether there were more. */
  readonly limit?: number;
  /** The order of the keys; by key, ascending, when absent. */
  readonly sort?: { readonly target?: SortTarget; readonly order?: SortOrder };
  /** Leave the values out. */
  readonly keysOnly?: boolean;
  /** Only count the keys. */
  readonly countOnly?: boolean;
}

export type RangeOptions = KeyRange & ReadOptions & RangeShape;

export interface RangeResult {
  readonly kvs: readonly KeyValue[];
  /** Whether keys beyond `limit` were left out. */
  readonly more: boolean;
  /** The keys in the range, before `limit`. */
  readonly count: number;
  /** The store's revision the read saw. */
  readonly revision: number;
}

export interface WriteOptions {
  /**
   * This write may take effect twice without harm (a put of a fixed value, say): retry it also when
   * a failure leaves it unknown whether it was applied. Without it, a write is retried only when it
   * certainly was not (see the README: "Retries").
   */
  readonly idempotent?: boolean;
}

export interface PutOptions extends WriteOptions {
  /** Attach the key to this lease: it is deleted when the lease ends. */
  readonly lease?: bigint | { readonly id: bigint };
  /** Return the key's previous value. */
  readonly prevKv?: boolean;
}

export interface PutResult {
  readonly revision: number;
  readonly prevKv?: KeyValue;
}

export interface DeleteOptions extends WriteOptions {
  /** Return the deleted keys' values. */
  readonly prevKv?: boolean;
}

export interface DeleteResult {
  readonly revision: number;
  readonly deleted: number;
  readonly prevKvs: readonly KeyValue[];
}

export interface WatchOptions {
  /**
   * Deliver events from this revision on (history first, then live). Absent: events after the
   * watch was created.
   */
  readonly fromRevision?: number;
  /** Give each event the key's previous value. */
  readonly prevKv?: boolean;
  /** Leave out puts, or deletes. */
  readonly filter?: 'noPut' | 'noDelete';
}

export interface WatchEvent {
  readonly type: 'put' | 'delete';
  /** The key after the change; for a delete, the key with an empty value. */
  readonly kv: KeyValue;
  /** The key before the change, when asked for with `prevKv` (and it existed). */
  readonly prevKv?: KeyValue;
  /** The revision of the change (a transaction's changes share one). */
  readonly revision: number;
}

/** Why a lease stopped being kept alive. */
export type LeaseEnd = 'revoked' | 'expired' | 'released' | 'closed';

export interface GrantOptions {
  /** Keep the lease alive until it is revoked or released (true by default). */
  readonly keepAlive?: boolean;
}

export type { Bytes, KeyRange, KeySelector } from './bytes.js';
