// Requests and responses of the MVCC store: etcd's KV API (etcdserverpb) as plain TypeScript.
// Keys and values are bytes; revisions and versions are plain numbers; lease IDs are etcd's int64 as
// bigint, 0n meaning "no lease". A response's `revision` is the header revision etcd would return.
//
// Key ranges follow etcd: without rangeEnd a request names one key; with rangeEnd it covers
// [key, rangeEnd); rangeEnd = [0] (the byte "\0") means every key ≥ key; a prefix is key to
// prefixEnd(key).

export interface KeyValue {
  readonly key: Uint8Array;
  readonly createRevision: number;
  readonly modRevision: number;
  /** Number of puts since the key was (re)created; a fresh key has version 1. */
  readonly version: number;
  readonly value: Uint8Array;
  readonly lease: bigint;
}

export type SortOrder = 'none' | 'ascend' | 'descend';
export type SortTarget = 'key' | 'version' | 'create' | 'mod' | 'value';

export interface RangeRequest {
  readonly key: Uint8Array;
  readonly rangeEnd?: Uint8Array;
  /** At most this many kvs (0 = no limit); `more` tells whether there were more. */
  readonly limit?: number;
  /** Read at this revision; 0 or absent = the current one. */
  readonly revision?: number;
  readonly sortOrder?: SortOrder;
  readonly sortTarget?: SortTarget;
  readonly keysOnly?: boolean;
  readonly countOnly?: boolean;
  readonly minModRevision?: number;
  readonly maxModRevision?: number;
  readonly minCreateRevision?: number;
  readonly maxCreateRevision?: number;
}

export interface RangeResponse {
  readonly revision: number;
  readonly kvs: readonly KeyValue[];
  readonly more: boolean;
  /** Number of keys in the range at the read revision, before limit and revision filters. */
  readonly count: number;
}

export interface PutRequest {
  readonly key: Uint8Array;
  readonly value?: Uint8Array;
  readonly lease?: bigint;
  readonly prevKv?: boolean;
  /** Keep the current value (the key must exist). */
  readonly ignoreValue?: boolean;
  /** Keep the current lease (the key must exist). */
  readonly ignoreLease?: boolean;
}

export interface PutResponse {
  readonly revision: number;
  readonly prevKv?: KeyValue;
}

export interface DeleteRangeRequest {
  readonly key: Uint8Array;
  readonly rangeEnd?: Uint8Array;
  readonly prevKv?: boolean;
}

export interface DeleteRangeResponse {
  readonly revision: number;
  readonly deleted: number;
  readonly prevKvs: readonly KeyValue[];
}

export type CompareResult = 'equal' | 'greater' | 'less' | 'notEqual';

/** What a compare looks at, and the operand it compares against. */
export type CompareTarget =
  | { readonly target: 'version'; readonly version: number }
  | { readonly target: 'create'; readonly createRevision: number }
  | { readonly target: 'mod'; readonly modRevision: number }
  | { readonly target: 'value'; readonly value: Uint8Array }
  | { readonly target: 'lease'; readonly lease: bigint };

export type Compare = CompareTarget & {
  readonly result: CompareResult;
  readonly key: Uint8Array;
  /** With a range, the compare holds when it holds for every key in it. */
  readonly rangeEnd?: Uint8Array;
};

export type RequestOp =
  | { readonly type: 'range'; readonly request: RangeRequest }
  | { readonly type: 'put'; readonly request: PutRequest }
  | { readonly type: 'deleteRange'; readonly request: DeleteRangeRequest }
  | { readonly type: 'txn'; readonly request: TxnRequest };

export type ResponseOp =
  | { readonly type: 'range'; readonly response: RangeResponse }
  | { readonly type: 'put'; readonly response: PutResponse }
  | { readonly type: 'deleteRange'; readonly response: DeleteRangeResponse }
  | { readonly type: 'txn'; readonly response: TxnResponse };

export interface TxnRequest {
  readonly compare?: readonly Compare[];
  readonly success?: readonly RequestOp[];
  readonly failure?: readonly RequestOp[];
}

export interface TxnResponse {
  readonly revision: number;
  readonly succeeded: boolean;
  readonly responses: readonly ResponseOp[];
}

export interface CompactionRequest {
  readonly revision: number;
  /** etcd waits for the physical compaction when set; the store compacts the same way either way. */
  readonly physical?: boolean;
}

export interface CompactionResponse {
  readonly revision: number;
}

/**
 * A lease grant as the member proposes it: the ID is already chosen (non-zero) and the TTL already
 * raised to the cluster's minimum; the store records it as given. Changes no key: no revision.
 */
export interface LeaseGrantRequest {
  readonly id: bigint;
  /** Seconds. */
  readonly ttl: number;
}

export interface LeaseGrantResponse {
  readonly revision: number;
  readonly id: bigint;
  readonly ttl: number;
}

/** Deletes every key attached to the lease in one revision (none if it has no keys), then the lease. */
export interface LeaseRevokeRequest {
  readonly id: bigint;
}

export interface LeaseRevokeResponse {
  readonly revision: number;
}

export interface LeaseCheckpoint {
  readonly id: bigint;
  /** Seconds left as the leader saw it; 0 = unset (the full TTL applies), as in etcd. */
  readonly remainingTtl: number;
}

/** Records remaining TTLs so that a new leader does not start them over; unknown IDs are ignored. */
export interface LeaseCheckpointRequest {
  readonly checkpoints: readonly LeaseCheckpoint[];
}

export interface LeaseCheckpointResponse {
  readonly revision: number;
}

/** A lease as the replicated state holds it. */
export interface LeaseInfo {
  readonly id: bigint;
  /** The granted TTL, in seconds. */
  readonly ttl: number;
  /** The last checkpointed remaining TTL; 0 when never checkpointed (or cleared by a renewal). */
  readonly remainingTtl: number;
}

/** What a committed raft entry asks of the store. `noop` only advances the applied index. */
export type WriteRequest =
  | { readonly type: 'put'; readonly request: PutRequest }
  | { readonly type: 'deleteRange'; readonly request: DeleteRangeRequest }
  | { readonly type: 'txn'; readonly request: TxnRequest }
  | { readonly type: 'compaction'; readonly request: CompactionRequest }
  | { readonly type: 'leaseGrant'; readonly request: LeaseGrantRequest }
  | { readonly type: 'leaseRevoke'; readonly request: LeaseRevokeRequest }
  | { readonly type: 'leaseCheckpoint'; readonly request: LeaseCheckpointRequest }
  | { readonly type: 'noop' };

export type WriteResponse =
  | { readonly type: 'put'; readonly response: PutResponse }
  | { readonly type: 'deleteRange'; readonly response: DeleteRangeResponse }
  | { readonly type: 'txn'; readonly response: TxnResponse }
  | { readonly type: 'compaction'; readonly response: CompactionResponse }
  | { readonly type: 'leaseGrant'; readonly response: LeaseGrantResponse }
  | { readonly type: 'leaseRevoke'; readonly response: LeaseRevokeResponse }
  | { readonly type: 'leaseCheckpoint'; readonly response: LeaseCheckpointResponse }
  | { readonly type: 'noop'; readonly response: { readonly revision: number } };

/** The response a write request of a given kind is answered with. */
export type ResponseFor<R extends WriteRequest> = Extract<WriteResponse, { readonly type: R['type'] }>;

/**
 * One change at one revision, for watchers. A delete's kv carries only the key and the revision of
 * the delete (modRevision), as in etcd. prevKv is filled when applyBatch is asked for it.
 */
export interface MvccEvent {
  readonly type: 'put' | 'delete';
  readonly kv: KeyValue;
  readonly prevKv?: KeyValue;
}

/** A read of the event history: what a watcher that starts in the past, or fell behind, catches up from. */
export interface HistoryRequest {
  readonly key: Uint8Array;
  /** etcd's conventions, as in RangeRequest. */
  readonly rangeEnd?: Uint8Array;
  /** The first revision to read: at or above the compaction revision. */
  readonly fromRevision: number;
  /** The last revision to read; 0 or absent = the current one. */
  readonly toRevision?: number;
  /**
   * The page ends with the revision in which it reached this many events (a revision's events are
   * never split across pages). Default 1000.
   */
  readonly limit?: number;
  /** Fill each event's prevKv (where the previous revision is still readable, as etcd does). */
  readonly prevKv?: boolean;
}

export interface HistoryPage {
  /** The events in [fromRevision, nextRevision) for the keys asked, in revision order. */
  readonly events: readonly MvccEvent[];
  /** Where the next page starts: toRevision + 1 once everything was read. */
  readonly nextRevision: number;
  /** Whether revisions up to toRevision are left to read. */
  readonly more: boolean;
  /** The store's revision when read. */
  readonly revision: number;
}

export interface HashKVResult {
  readonly hash: number;
  /** The compaction revision the hash was taken above (0 if never compacted). */
  readonly compactRevision: number;
  /** The store's current revision when hashed. */
  readonly revision: number;
  /** The revision hashed up to. */
  readonly hashRevision: number;
}
