// How leases are stored in the replicated state (see keyspace.ts): one record per lease holding its
// TTLs, and one empty record per attached key. Attachments are stored, rather than derived from the
// key values as etcd does at restore, so that every way of loading the state (a full replay, an index
// checkpoint, a snapshot stream) finds them without decoding every value.
import { ByteReader } from '../codec/byte-reader.js';
import { ByteWriter } from '../codec/byte-writer.js';
import type { BatchOp } from '../db.js';
import type { StateSpace } from '../keyspace.js';
import type { LeaseInfo } from '../mvcc/types.js';

/** ttl varint | remainingTtl varint */
export function encodeLease(info: LeaseInfo): Uint8Array {
  return new ByteWriter(20).uvarint(info.ttl).uvarint(info.remainingTtl).finish();
}

export function decodeLease(id: bigint, bytes: Uint8Array): LeaseInfo {
  const r = new ByteReader(bytes);
  const info = { id, ttl: r.uvarint(), remainingTtl: r.uvarint() };
  r.end();
  return info;
}

const EMPTY = new Uint8Array(0);

export function putLeaseOp(space: StateSpace, info: LeaseInfo): BatchOp {
  return { type: 'put', key: space.leaseKey(info.id), value: encodeLease(info) };
}

export function deleteLeaseOp(space: StateSpace, id: bigint): BatchOp {
  return { type: 'del', key: space.leaseKey(id) };
}

export function attachOp(space: StateSpace, id: bigint, key: Uint8Array): BatchOp {
  return { type: 'put', key: space.leaseAttachmentKey(id, key), value: EMPTY };
}

export function detachOp(space: StateSpace, id: bigint, key: Uint8Array): BatchOp {
  return { type: 'del', key: space.leaseAttachmentKey(id, key) };
}
