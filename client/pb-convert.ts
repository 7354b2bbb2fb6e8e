// Between the store's requests and responses, which the client speaks, and etcd's messages as
// grpc-js carries them (64-bit fields as decimal strings, enums by name): the other direction of
// rpc/kv-convert.ts.
import type * as pb from '../rpc/etcd-api.js';
import type * as st from '../store/mvcc/types.js';

type Out<T> = pb.Outgoing<T>;

const EMPTY = new Uint8Array(0);
const SORT_ORDER: Record<st.SortOrder, pb.SortOrder> = { none: 'NONE', ascend: 'ASCEND', descend: 'DESCEND' };
const SORT_TARGET: Record<st.SortTarget, pb.SortTarget> = { key: 'KEY', version: 'VERSION', create: 'CREATE', mod: 'MOD', value: 'VALUE' };
const COMPARE_RESULT: Record<st.CompareResult, pb.CompareResult> = { equal: 'EQUAL', greater: 'GREATER', less: 'LESS', notEqual: 'NOT_EQUAL' };

/** An int64 field: revisions and counts fit in 53 bits. */
function num(s: string): number {
  return Number(s);
}

// ------------------------------------------------------------------ requests

export function rangeToPb(r: st.RangeRequest, serializable: boolean): Out<pb.RangeRequest> {
  return {
    key: r.key,
    range_end: r.rangeEnd ?? EMPTY,
    limit: String(r.limit ?? 0),
    revision: String(r.revision ?? 0),
    sort_order: SORT_ORDER[r.sortOrder ?? 'none'],
    sort_target: SORT_TARGET[r.sortTarget ?? 'key'],
    serializable,
    keys_only: r.keysOnly ?? false,
    count_only: r.countOnly ?? false,
  };
}

export function putToPb(r: st.PutRequest): Out<pb.PutRequest> {
  return { key: r.key, value: r.value ?? EMPTY, lease: String(r.lease ?? 0n), prev_kv: r.prevKv ?? false };
}

export function deleteToPb(r: st.DeleteRangeRequest): Out<pb.DeleteRangeRequest> {
  return { key: r.key, range_end: r.rangeEnd ?? EMPTY, prev_kv: r.prevKv ?? false };
}

function compareToPb(c: st.Compare): Out<pb.Compare> {
  const base = { result: COMPARE_RESULT[c.result], key: c.key, range_end: c.rangeEnd ?? EMPTY };
  switch (c.target) {
    case 'version':
      return { ...base, target: 'VERSION', version: String(c.version) };
    case 'create':
      return { ...base, target: 'CREATE', create_revision: String(c.createRevision) };
    case 'mod':
      return { ...base, target: 'MOD', mod_revision: String(c.modRevision) };
    case 'value':
      return { ...base, target: 'VALUE', value: c.value };
    case 'lease':
      return { ...base, target: 'LEASE', lease: String(c.lease) };
  }
}

function requestOpToPb(op: st.RequestOp): Out<pb.RequestOp> {
  switch (op.type) {
    case 'range':
      return { request_range: rangeToPb(op.request, false) };
    case 'put':
      return { request_put: putToPb(op.request) };
    case 'deleteRange':
      return { request_delete_range: deleteToPb(op.request) };
    case 'txn':
      return { request_txn: txnToPb(op.request) };
  }
}

export function txnToPb(t: st.TxnRequest): Out<pb.TxnRequest> {
  return {
    compare: (t.compare ?? []).map(compareToPb),
    success: (t.success ?? []).map(requestOpToPb),
    failure: (t.failure ?? []).map(requestOpToPb),
  };
}

// ------------------------------------------------------------------ responses

export function revisionOf(h: pb.ResponseHeader | null): number {
  return h ? num(h.revision) : 0;
}

export function keyValueFromPb(kv: pb.KeyValue): st.KeyValue {
  return {
    key: kv.key,
    value: kv.value,
    createRevision: num(kv.create_revision),
    modRevision: num(kv.mod_revision),
    version: num(kv.version),
    lease: BigInt(kv.lease),
  };
}

export function rangeFromPb(r: pb.RangeResponse, revision = revisionOf(r.header)): st.RangeResponse {
  return { revision, kvs: r.kvs.map(keyValueFromPb), more: r.more, count: num(r.count) };
}

export function putFromPb(r: pb.PutResponse, revision = revisionOf(r.header)): st.PutResponse {
  return r.prev_kv ? { revision, prevKv: keyValueFromPb(r.prev_kv) } : { revision };
}

export function deleteFromPb(r: pb.DeleteRangeResponse, revision = revisionOf(r.header)): st.DeleteRangeResponse {
  return { revision, deleted: num(r.deleted), prevKvs: r.prev_kvs.map(keyValueFromPb) };
}

/** The responses inside a txn carry only a revision; the txn's own header has the one that counts. */
function responseOpFromPb(op: pb.ResponseOp, revision: number): st.ResponseOp {
  switch (op.response) {
    case 'response_range':
      return { type: 'range', response: rangeFromPb(op.response_range, revision) };
    case 'response_put':
      return { type: 'put', response: putFromPb(op.response_put, revision) };
    case 'response_delete_range':
      return { type: 'deleteRange', response: deleteFromPb(op.response_delete_range, revision) };
    case 'response_txn':
      return { type: 'txn', response: txnFromPb(op.response_txn, revision) };
    default:
      throw new Error('a txn response with an empty operation');
  }
}

export function txnFromPb(r: pb.TxnResponse, revision = revisionOf(r.header)): st.TxnResponse {
  return { revision, succeeded: r.succeeded, responses: r.responses.map((op) => responseOpFromPb(op, revision)) };
}

export function eventFromPb(e: pb.Event): st.MvccEvent | undefined {
  if (!e.kv || (e.type !== 'PUT' && e.type !== 'DELETE')) return undefined;
  const kv = keyValueFromPb(e.kv);
  const type = e.type === 'PUT' ? 'put' : 'delete';
  return e.prev_kv ? { type, kv, prevKv: keyValueFromPb(e.prev_kv) } : { type, kv };
}
