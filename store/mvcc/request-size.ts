// The size etcd compares with --max-request-bytes: a write request encoded as etcd's
// InternalRaftRequest protobuf. Computed from the protobuf rules (tag, varint lengths, fields equal
// to their default omitted) so that the limit trips where etcd's does, give or take the few bytes
// of the request id.
import type { Compare, DeleteRangeRequest, PutRequest, RangeRequest, RequestOp, TxnRequest, WriteRequest } from './types.js';

/** RequestHeader { ID: uint64 } wrapped in InternalRaftRequest.header (field 100): 2 + 1 + 1 + up to 9. */
const RAFT_REQUEST_HEADER_BYTES = 13;

const SORT_ORDERS = { none: 0, ascend: 1, descend: 2 } as const;
const SORT_TARGETS = { key: 0, version: 1, create: 2, mod: 3, value: 4 } as const;
const COMPARE_RESULTS = { equal: 0, greater: 1, less: 2, notEqual: 3 } as const;
const COMPARE_TARGETS = { version: 0, create: 1, mod: 2, value: 3, lease: 4 } as const;

export function raftRequestSize(req: WriteRequest): number {
  switch (req.type) {
    case 'put':
      return RAFT_REQUEST_HEADER_BYTES + message(1, putSize(req.request));
    case 'deleteRange':
      return RAFT_REQUEST_HEADER_BYTES + message(1, deleteSize(req.request));
    case 'txn':
      return RAFT_REQUEST_HEADER_BYTES + message(1, txnSize(req.request));
    case 'compaction':
      return RAFT_REQUEST_HEADER_BYTES + message(1, int(1, req.request.revision) + bool(1, req.request.physical));
    case 'leaseGrant':
      return RAFT_REQUEST_HEADER_BYTES + message(1, int(1, req.request.ttl) + int(1, req.request.id));
    case 'leaseRevoke':
      return RAFT_REQUEST_HEADER_BYTES + message(1, int(1, req.request.id));
    case 'leaseCheckpoint': {
      let n = 0;
      for (const c of req.request.checkpoints) n += message(1, int(1, c.id) + int(1, c.remainingTtl));
      return RAFT_REQUEST_HEADER_BYTES + message(1, n);
    }
    case 'noop':
      return RAFT_REQUEST_HEADER_BYTES;
  }
}

function putSize(r: PutRequest): number {
  return (
    bytes(1, r.key) +
    bytes(1, r.value) +
    int(1, r.lease ?? 0n) +
    bool(1, r.prevKv) +
    bool(1, r.ignoreValue) +
    bool(1, r.ignoreLease)
  );
}

function rangeSize(r: RangeRequest): number {
  return (
    bytes(1, r.key) +
    bytes(1, r.rangeEnd) +
    int(1, r.limit ?? 0) +
    int(1, r.revision ?? 0) +
    int(1, SORT_ORDERS[r.sortOrder ?? 'none']) +
    int(1, SORT_TARGETS[r.sortTarget ?? 'key']) +
    bool(1, r.keysOnly) +
    bool(1, r.countOnly) +
    int(1, r.minModRevision ?? 0) +
    int(1, r.maxModRevision ?? 0) +
    int(1, r.minCreateRevision ?? 0) +
    int(1, r.maxCreateRevision ?? 0)
  );
}

function deleteSize(r: DeleteRangeRequest): number {
  return bytes(1, r.key) + bytes(1, r.rangeEnd) + bool(1, r.prevKv);
}

function compareSize(c: Compare): number {
  let n = int(1, COMPARE_RESULTS[c.result]) + int(1, COMPARE_TARGETS[c.target]) + bytes(1, c.key) + bytes(2, c.rangeEnd);
  // The operand sits in a oneof, which is encoded even when zero.
  switch (c.target) {
    case 'version':
      return n + 1 + varintSize(c.version);
    case 'create':
      return n + 1 + varintSize(c.createRevision);
    case 'mod':
      return n + 1 + varintSize(c.modRevision);
    case 'lease':
      return n + 1 + varintSize(c.lease);
    case 'value':
      n += 1 + varintSize(c.value.length) + c.value.length;
      return n;
  }
}

function opSize(op: RequestOp): number {
  switch (op.type) {
    case 'range':
      return message(1, rangeSize(op.request));
    case 'put':
      return message(1, putSize(op.request));
    case 'deleteRange':
      return message(1, deleteSize(op.request));
    case 'txn':
      return message(1, txnSize(op.request));
  }
}

function txnSize(r: TxnRequest): number {
  let n = 0;
  for (const c of r.compare ?? []) n += message(1, compareSize(c));
  for (const op of r.success ?? []) n += message(1, opSize(op));
  for (const op of r.failure ?? []) n += message(1, opSize(op));
  return n;
}

function message(tagBytes: number, size: number): number {
  return tagBytes + varintSize(size) + size;
}

function bytes(tagBytes: number, v: Uint8Array | undefined): number {
  return v === undefined || v.length === 0 ? 0 : tagBytes + varintSize(v.length) + v.length;
}

function int(tagBytes: number, v: number | bigint): number {
  return v === 0 || v === 0n ? 0 : tagBytes + varintSize(v);
}

function bool(tagBytes: number, v: boolean | undefined): number {
  return v ? tagBytes + 1 : 0;
}

/** Bytes of a protobuf varint; negative int64s take ten. */
export function varintSize(v: number | bigint): number {
  if (v < 0) return 10;
  let n = Number(v); // past 2^53 only the magnitude matters, which a double keeps
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}
