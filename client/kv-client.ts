// The one interface of the client, whether it talks to a node in its own process (openNode) or to a
// cluster over gRPC (connect).
import type { Bytes, KeyRange, KeySelector } from './bytes.js';
import type { KeyValue } from './key-value.js';
import type { TxnBuilder } from './txn-builder.js';
import type {
  DeleteOptions,
  DeleteResult,
  GrantOptions,
  LeaseEnd,
  PutOptions,
  PutResult,
  RangeOptions,
  RangeResult,
  ReadOptions,
  WatchEvent,
  WatchOptions,
} from './types.js';

export interface KvClient {
  /** The key's current value (or as of `revision`); undefined when it does not exist. */
  get(key: Bytes, options?: ReadOptions): Promise<KeyValue | undefined>;
  /** The keys of a prefix or of [from, to), sorted and limited as asked. */
  range(options: RangeOptions): Promise<RangeResult>;
  put(key: Bytes, value: Bytes, options?: PutOptions): Promise<PutResult>;
  /** Deletes one key, or every key of a prefix or range. */
  delete(target: KeySelector, options?: DeleteOptions): Promise<DeleteResult>;
  /** A transaction: compares, then the operations of the branch they choose, in one revision. */
  txn(): TxnBuilder;
  /** Grants a lease of `ttl` seconds (raised to the cluster's minimum), kept alive for you. */
  grant(ttl: number, options?: GrantOptions): Promise<Lease>;
  /** Revokes a lease: it ends, and every key attached to it is deleted. */
  revoke(lease: bigint | Lease): Promise<void>;
  /** Renews a lease once, whoever holds it: its TTL in seconds, 0 when it no longer exists. */
  keepAliveOnce(lease: bigint): Promise<number>;
  /**
   * Watches a key, a prefix or a range. Resolves once the watch is in place: every change after
   * that (or from `fromRevision`) is delivered, in order, once.
   */
  watch(target: KeySelector, options?: WatchOptions): Promise<Watch>;
  /** Ends watches and keepalives (leases are left to expire) and lets go of connections. */
  close(): Promise<void>;
}

export interface Lease {
  readonly id: bigint;
  /** The TTL granted, in seconds. */
  readonly ttl: number;
  /** Resolves when the lease stops being kept alive, with the reason. */
  readonly ended: Promise<LeaseEnd>;
  /** Revokes the lease: it ends and its keys are deleted. */
  revoke(): Promise<void>;
  /** Stops keeping the lease alive; it expires after its TTL. */
  release(): void;
}

/**
 * Changes to the watched keys as an async iterator, in revision order, never repeated. One
 * consumer: iterate it once. Breaking out of the loop closes the watch.
 */
export interface Watch extends AsyncIterable<WatchEvent> {
  /** The revision of the last event handed out (or the revision the watch started after). */
  readonly revision: number;
  /**
   * False while the watch has lost its stream and is opening another (the cluster is unreachable);
   * it resumes where it left off. Always true for an embedded node.
   */
  readonly connected: boolean;
  /** Called with `connected` each time it changes. Returns the unsubscribe. */
  onConnection(listener: (connected: boolean) => void): () => void;
  close(): Promise<void>;
}

export type { KeyRange };
