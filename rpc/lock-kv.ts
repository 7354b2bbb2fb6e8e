// The KV requests etcd's concurrency recipes make, over the member's KvBackend: reads are
// linearizable (clientv3's default), writes are txns through consensus. Each takes the client's
// CallOptions, except where a recipe cleans up after a client that left (then the member's own
// timeout bounds the request).
import type { CallOptions } from './call-options.js';
import type { KvBackend } from './kv-backend.js';
import { prefixEnd } from '../store/mvcc/key-bytes.js';
import type * as st from '../store/mvcc/types.js';

const SLASH = Buffer.from('/');

/** The prefix of a lock's or an election's keys: its name and "/", as etcd's NewMutex / NewElection. */
export function keyPrefix(name: Uint8Array): Buffer {
  return Buffer.concat([name, SLASH]);
}

/** A session's key under a prefix: the lease id in hex, as Go's %x prints an int64 (a minus sign, then the magnitude). */
export function sessionKey(prefix: Uint8Array, lease: bigint): Buffer {
  const hex = lease < 0n ? '-' + (-lease).toString(16) : lease.toString(16);
  return Buffer.concat([prefix, Buffer.from(hex)]);
}

/**
 * The range end of a prefix. The store's prefixEnd slices its argument, which for a Buffer is a
 * view of the same bytes: it is handed a copy, so the prefix stays as it is.
 */
export function prefixRangeEnd(prefix: Uint8Array): Uint8Array {
  return prefixEnd(Uint8Array.from(prefix));
}

/** The keys under a prefix ordered by creation, one of them: clientv3's WithFirstCreate / WithLastCreate. */
export function byCreation(prefix: Uint8Array, order: 'ascend' | 'descend', maxCreateRevision = 0): st.RangeRequest {
  return { key: prefix, rangeEnd: prefixRangeEnd(prefix), sortTarget: 'create', sortOrder: order, limit: 1, maxCreateRevision };
}

/** The oldest key under a prefix (the lock holder, the election leader), with the read's revision. */
export async function firstCreated(
  kv: KvBackend,
  prefix: Uint8Array,
  options?: CallOptions,
): Promise<{ readonly kv?: st.KeyValue; readonly revision: number }> {
  const r = await kv.range(byCreation(prefix, 'ascend'), false, options);
  return { ...(r.kvs[0] ? { kv: r.kvs[0] } : {}), revision: r.revision };
}

export async function getKey(kv: KvBackend, key: Uint8Array, options?: CallOptions): Promise<st.RangeResponse> {
  return kv.range({ key }, false, options);
}

export async function txn(kv: KvBackend, request: st.TxnRequest, options?: CallOptions): Promise<st.TxnResponse> {
  return (await kv.write({ type: 'txn', request }, options)).response;
}

export async function deleteKey(kv: KvBackend, key: Uint8Array, options?: CallOptions): Promise<st.DeleteRangeResponse> {
  return (await kv.write({ type: 'deleteRange', request: { key } }, options)).response;
}

/** Holds while `key` exists with this create revision (0: while it does not exist). */
export function createdAt(key: Uint8Array, createRevision: number): st.Compare {
  return { target: 'create', createRevision, result: 'equal', key };
}

/** The kvs of a txn's range response at `index`; the recipes build their txns so that one is there. */
export function rangeResult(r: st.TxnResponse, index: number): readonly st.KeyValue[] {
  const op = r.responses[index];
  if (op?.type !== 'range') throw new Error(`member answered a txn without the range result ${index}`);
  return op.response.kvs;
}
