// What the Lease service needs from a member. rpc/ declares it; cluster/ implements it. Lease IDs
// are etcd's int64, as bigint. Whatever may wait (consensus, the leader) takes the client's
// CallOptions, as in KvBackend.
import type { CallOptions } from './call-options.js';

export interface LeaseGrantResult {
  readonly id: bigint;
  /** The TTL granted: the one asked for, raised to the cluster's minimum. */
  readonly ttl: number;
  readonly revision: number;
}

export interface LeaseTimeToLiveResult {
  readonly id: bigint;
  /** Seconds left; -1 when the lease does not exist (etcd's convention). */
  readonly ttl: number;
  readonly grantedTtl: number;
  readonly keys: readonly Uint8Array[];
  readonly revision: number;
}

export interface LeaseBackend {
  /** id 0n = let the server choose. Rejects with etcd's errors (lease exists, TTL too large, …). */
  grant(id: bigint, ttl: number, options?: CallOptions): Promise<LeaseGrantResult>;
  /** Deletes the lease and every key attached to it, in one revision. */
  revoke(id: bigint, options?: CallOptions): Promise<{ readonly revision: number }>;
  /** Renews the lease (on the leader); resolves with the TTL, 0 when the lease does not exist. */
  keepAlive(id: bigint, options?: CallOptions): Promise<{ readonly ttl: number; readonly revision: number }>;
  timeToLive(id: bigint, withKeys: boolean, options?: CallOptions): Promise<LeaseTimeToLiveResult>;
  leases(): Promise<{ readonly ids: readonly bigint[]; readonly revision: number }>;
}
