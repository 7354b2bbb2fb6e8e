// The protobuf messages etcd 3.4 stores in its backend: mvccpb.KeyValue (bucket `key`),
// leasepb.Lease (`lease`), authpb.User and authpb.Role (`authUsers`, `authRoles`).
import type { AuthRole, AuthUser } from '../auth/auth-state.js';
import type { Permission, PermissionType } from '../auth/permissions.js';
import type { KeyValue } from '../mvcc/types.js';
import { ProtoFields, ProtoWriter } from './proto-wire.js';

// mvccpb.KeyValue: key 1, create_revision 2, mod_revision 3, version 4, value 5, lease 6.
export function encodeKeyValue(kv: KeyValue): Uint8Array {
  return new ProtoWriter()
    .bytes(1, kv.key)
    .varint(2, kv.createRevision)
    .varint(3, kv.modRevision)
    .varint(4, kv.version)
    .bytes(5, kv.value)
    .varint(6, kv.lease)
    .finish();
}

export function decodeKeyValue(bytes: Uint8Array): KeyValue {
  const f = ProtoFields.of(bytes);
  return { key: f.bytes(1), createRevision: f.num(2), modRevision: f.num(3), version: f.num(4), value: f.bytes(5), lease: f.int(6) };
}

export interface StoredLease {
  readonly id: bigint;
  readonly ttl: number;
  readonly remainingTtl: number;
}

// leasepb.Lease: ID 1, TTL 2, RemainingTTL 3.
export function encodeLease(l: StoredLease): Uint8Array {
  return new ProtoWriter().varint(1, l.id).varint(2, l.ttl).varint(3, l.remainingTtl).finish();
}

export function decodeLease(bytes: Uint8Array): StoredLease {
  const f = ProtoFields.of(bytes);
  return { id: f.int(1), ttl: f.num(2), remainingTtl: f.num(3) };
}

// authpb.User: name 1, password 2, roles 3 (repeated), options 4 (UserAddOptions: no_password 1).
export function encodeUser(u: AuthUser): Uint8Array {
  const w = new ProtoWriter().bytes(1, u.name).bytes(2, u.passwordHash);
  for (const r of u.roles) w.bytes(3, r, true);
  // etcd always sets the options of a user it adds, so the (maybe empty) message is always there.
  return w.bytes(4, new ProtoWriter().varint(1, u.noPassword).finish(), true).finish();
}

export function decodeUser(bytes: Uint8Array): AuthUser {
  const f = ProtoFields.of(bytes);
  const options = ProtoFields.of(f.bytes(4));
  const roles = f.repeatedBytes(3).map((r) => Buffer.from(r).toString('utf8'));
  return { name: f.string(1), passwordHash: f.string(2), noPassword: options.int(1) !== 0n, roles: [...new Set(roles)].sort() };
}

// authpb.Permission: permType 1 (READ 0, WRITE 1, READWRITE 2), key 2, range_end 3.
const PERM_TYPES: readonly PermissionType[] = ['read', 'write', 'readwrite'];

// authpb.Role: name 1, keyPermission 2 (repeated Permission).
export function encodeRole(r: AuthRole): Uint8Array {
  const w = new ProtoWriter().bytes(1, r.name);
  for (const p of r.permissions) {
    w.bytes(2, new ProtoWriter().varint(1, PERM_TYPES.indexOf(p.type)).bytes(2, p.key).bytes(3, p.rangeEnd).finish(), true);
  }
  return w.finish();
}

export function decodeRole(bytes: Uint8Array): AuthRole {
  const f = ProtoFields.of(bytes);
  const permissions: Permission[] = f.repeatedBytes(2).map((b) => {
    const p = ProtoFields.of(b);
    return { type: PERM_TYPES[p.num(1)] ?? 'read', key: p.bytes(2).slice(), rangeEnd: p.bytes(3).slice() };
  });
  return { name: f.string(1), permissions };
}
