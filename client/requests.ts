// The client's options turned into the store's requests (which both transports speak), and the
// store's responses turned into the client's results.
import type * as st from '../store/mvcc/types.js';
import { keySpan, toBytes, type Bytes, type KeySelector } from './bytes.js';
import { ClientError } from './errors.js';
import { KeyValue } from './key-value.js';
import type { DeleteOptions, DeleteResult, PutOptions, PutResult, RangeOptions, RangeResult, ReadOptions } from './types.js';

function nonNegativeInteger(n: number | undefined, what: string): number {
  if (n === undefined) return 0;
  if (!Number.isSafeInteger(n) || n < 0) throw new ClientError('LODESTONE_INVALID_ARGUMENT', `${what} must be a non-negative integer, not ${n}`);
  return n;
}

export function getRequest(key: Bytes, options: ReadOptions = {}): st.RangeRequest {
  return { key: toBytes(key), revision: nonNegativeInteger(options.revision, 'revision') };
}

export function rangeRequest(options: RangeOptions): st.RangeRequest {
  const span = keySpan(options);
  const sortTarget = options.sort?.target ?? 'key';
  // As etcd's server does: a target without an order sorts ascending.
  const sortOrder = options.sort?.order ?? (options.sort ? 'ascend' : 'none');
  return {
    ...span,
    limit: nonNegativeInteger(options.limit, 'limit'),
    revision: nonNegativeInteger(options.revision, 'revision'),
    sortOrder,
    sortTarget,
    keysOnly: options.keysOnly ?? false,
    countOnly: options.countOnly ?? false,
  };
}

export function leaseId(lease: bigint | { readonly id: bigint } | undefined): bigint {
  if (lease === undefined) return 0n;
  return typeof lease === 'bigint' ? lease : lease.id;
}

export function putRequest(key: Bytes, value: Bytes, options: PutOptions = {}): st.PutRequest {
  return { key: toBytes(key), value: toBytes(value), lease: leaseId(options.lease), prevKv: options.prevKv ?? false };
}

export function deleteRequest(target: KeySelector, options: DeleteOptions = {}): st.DeleteRangeRequest {
  return { ...keySpan(target), prevKv: options.prevKv ?? false };
}

export function toRangeResult(r: st.RangeResponse): RangeResult {
  return { kvs: r.kvs.map((kv) => new KeyValue(kv)), more: r.more, count: r.count, revision: r.revision };
}

export function toPutResult(r: st.PutResponse): PutResult {
  return r.prevKv ? { revision: r.revision, prevKv: new KeyValue(r.prevKv) } : { revision: r.revision };
}

export function toDeleteResult(r: st.DeleteRangeResponse): DeleteResult {
  return { revision: r.revision, deleted: r.deleted, prevKvs: r.prevKvs.map((kv) => new KeyValue(kv)) };
}
