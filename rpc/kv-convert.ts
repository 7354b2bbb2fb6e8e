// Between etcd's KV messages as grpc-js hands them over (64-bit fields as decimal strings, enums as
// names) and the store's plain requests (revisions as numbers, leases as bigint). Checks that etcd
// makes before a request reaches its server happen here, with etcd's errors.
import type * as pb from './etcd-api.js';
import { EtcdError } from './etcd-errors.js';
import type * as st from '../store/mvcc/types.js';

const EMPTY = new Uint8Array(0);

/** An int64 field as a number; revisions and counts fit in 53 bits. */
function num(s: string | number): number {
  return typeof s === 'number' ? s : Number(s);
}

function bytesOrUndefined(b: Uint8Array | null | undefined): Uint8Array | undefined {
  return b && b.length > 0 ? b : undefined;
}

const SORT_ORDER: Record<string, st.SortOrder> = { NONE: 'none', ASCEND: 'ascend', DESCEND: 'descend' };
const SORT_TARGET: Record<string, st.SortTarget> = { KEY: 'key', VERSION: 'version', CREATE: 'create', MOD: 'mod', VALUE: 'value' };
const COMPARE_RESULT: Record<string, st.CompareResult> = { EQUAL: 'equal', GREATER: 'greater', LESS: 'less', NOT_EQUAL: 'notEqual' };

function enumValue<T>(table: Record<string, T>, v: string | number, fallback: T): T {
  return typeof v === 'string' ? (table[v] ?? fallback) : fallback;
}

export function toRangeRequest(r: pb.RangeRequest): st.RangeRequest {
  if (r.key.length === 0) throw new EtcdError('ETCD_EMPTY_KEY');
  const sortOrder = enumValue(SORT_ORDER, r.sort_order, 'none');
  const sortTarget = enumValue(SORT_TARGET, r.sort_target, 'key');
  const rangeEnd = bytesOrUndefined(r.range_end);
  return {
    key: r.key,
    ...(rangeEnd ? { rangeEnd } : {}),
    limit: Math.max(0, num(r.limit)),
    revision: num(r.revision),
    // etcd sorts ascending when only a target is given: its results come sorted by key anyway.
    sortOrder: sortOrder === 'none' && sortTarget !== 'key' ? 'ascend' : sortOrder,
    sortTarget,
    keysOnly: r.keys_only,
    countOnly: r.count_only,
    minModRevision: num(r.min_mod_revision),
    maxModRevision: num(r.max_mod_revision),
    minCreateRevision: num(r.min_create_revision),
    maxCreateRevision: num(r.max_create_revision),
  };
}

export function toPutRequest(r: pb.PutRequest): st.PutRequest {
  if (r.key.length === 0) throw new EtcdError('ETCD_EMPTY_KEY');
  if (r.ignore_value && r.value.length > 0) throw new EtcdError('ETCD_VALUE_PROVIDED');
  const lease = BigInt(r.lease);
  if (r.ignore_lease && lease !== 0n) throw new EtcdError('ETCD_LEASE_PROVIDED');
  return { key: r.key, value: r.value, lease, prevKv: r.prev_kv, ignoreValue: r.ignore_value, ignoreLease: r.ignore_lease };
}

export function toDeleteRangeRequest(r: pb.DeleteRangeRequest): st.DeleteRangeRequest {
  if (r.key.length === 0) throw new EtcdError('ETCD_EMPTY_KEY');
  const rangeEnd = bytesOrUndefined(r.range_end);
  return { key: r.key, ...(rangeEnd ? { rangeEnd } : {}), prevKv: r.prev_kv };
}

function toCompare(c: pb.Compare): st.Compare {
  const result = enumValue(COMPARE_RESULT, c.result, 'equal');
  const rangeEnd = bytesOrUndefined(c.range_end);
  const base = { result, key: c.key, ...(rangeEnd ? { rangeEnd } : {}) };
  switch (c.target) {
    case 'VERSION':
      return { ...base, target: 'version', version: c.target_union === 'version' ? num(c.version) : 0 };
    case 'CREATE':
      return { ...base, target: 'create', createRevision: c.target_union === 'create_revision' ? num(c.create_revision) : 0 };
    case 'MOD':
      return { ...base, target: 'mod', modRevision: c.target_union === 'mod_revision' ? num(c.mod_revision) : 0 };
    case 'VALUE':
      return { ...base, target: 'value', value: c.target_union === 'value' ? c.value : EMPTY };
    case 'LEASE':
      return { ...base, target: 'lease', lease: c.target_union === 'lease' ? BigInt(c.lease) : 0n };
    default:
      // An unknown target compares nothing etcd knows of; treat it as a version compare like etcd's zero value.
      return { ...base, target: 'version', version: 0 };
  }
}

function toRequestOp(op: pb.RequestOp): st.RequestOp {
  switch (op.request) {
    case 'request_range':
      return { type: 'range', request: toRangeRequest(op.request_range) };
    case 'request_put':
      return { type: 'put', request: toPutRequest(op.request_put) };
    case 'request_delete_range':
      return { type: 'deleteRange', request: toDeleteRangeRequest(op.request_delete_range) };
    case 'request_txn':
      return { type: 'txn', request: toTxnRequest(op.request_txn) };
    default:
      // etcd answers a txn op with nothing set as it does a missing key.
      throw new EtcdError('ETCD_KEY_NOT_FOUND');
  }
}

export function toTxnRequest(r: pb.TxnRequest): st.TxnRequest {
  return { compare: r.compare.map(toCompare), success: r.success.map(toRequestOp), failure: r.failure.map(toRequestOp) };
}

/** Whether every operation (recursively) only reads: such a txn needs no consensus round. */
export function isReadOnlyTxn(t: st.TxnRequest): boolean {
  const ops = [...(t.success ?? []), ...(t.failure ?? [])];
  return ops.every((op) => op.type === 'range' || (op.type === 'txn' && isReadOnlyTxn(op.request)));
}

export interface HeaderFields {
  readonly clusterId: number;
  readonly memberId: number;
  readonly raftTerm: number;
}

export function header(h: HeaderFields, revision: number): pb.Outgoing<pb.ResponseHeader> {
  return { cluster_id: String(h.clusterId), member_id: String(h.memberId), revision: String(revision), raft_term: String(h.raftTerm) };
}

export function fromKeyValue(kv: st.KeyValue): pb.Outgoing<pb.KeyValue> {
  return {
    key: kv.key,
    create_revision: String(kv.createRevision),
    mod_revision: String(kv.modRevision),
    version: String(kv.version),
    value: kv.value,
    lease: String(kv.lease),
  };
}

export function fromRangeResponse(h: HeaderFields, r: st.RangeResponse): pb.Outgoing<pb.RangeResponse> {
  return { header: header(h, r.revision), kvs: r.kvs.map(fromKeyValue), more: r.more, count: String(r.count) };
}

export function fromPutResponse(h: HeaderFields, r: st.PutResponse): pb.Outgoing<pb.PutResponse> {
  return { header: header(h, r.revision), prev_kv: r.prevKv ? fromKeyValue(r.prevKv) : null };
}

export function fromDeleteRangeResponse(h: HeaderFields, r: st.DeleteRangeResponse): pb.Outgoing<pb.DeleteRangeResponse> {
  return { header: header(h, r.revision), deleted: String(r.deleted), prev_kvs: r.prevKvs.map(fromKeyValue) };
}

/** etcd fills only the revision in the headers of the responses inside a txn. */
const INNER: HeaderFields = { clusterId: 0, memberId: 0, raftTerm: 0 };

function fromResponseOp(op: st.ResponseOp): pb.Outgoing<pb.ResponseOp> {
  switch (op.type) {
    case 'range':
      return { response: 'response_range', response_range: fromRangeResponse(INNER, op.response) };
    case 'put':
      return { response: 'response_put', response_put: fromPutResponse(INNER, op.response) };
    case 'deleteRange':
      return { response: 'response_delete_range', response_delete_range: fromDeleteRangeResponse(INNER, op.response) };
    case 'txn':
      return { response: 'response_txn', response_txn: fromTxnResponse(INNER, op.response) };
  }
}

export function fromTxnResponse(h: HeaderFields, r: st.TxnResponse): pb.Outgoing<pb.TxnResponse> {
  return { header: header(h, r.revision), succeeded: r.succeeded, responses: r.responses.map(fromResponseOp) };
}
