// The payload of a normal raft entry: one client write, tagged with who proposed it and a sequence
// number so the proposer can hand the applied result back to the waiting client. A compact binary
// form: proposals are written to every member's log and fsynced, so every byte counts.
import { ByteReader } from '../store/codec/byte-reader.js';
import { ByteWriter } from '../store/codec/byte-writer.js';
import type {
  Compare,
  DeleteRangeRequest,
  PutRequest,
  RangeRequest,
  RequestOp,
  SortOrder,
  SortTarget,
  TxnRequest,
  WriteRequest,
} from '../store/mvcc/types.js';
import type { NodeId } from '../raft/index.js';
import type { AuthInfo, AuthOp } from '../store/auth/auth-state.js';
import type { Permission, PermissionType } from '../store/auth/permissions.js';
import type { AlarmType } from '../rpc/member-backend.js';
import type { AlarmRequest } from './alarms.js';

/** A member publishing its name and client URLs to the cluster, as etcd's members do after start. */
export interface PublishRequest {
  readonly type: 'publish';
  readonly name: string;
  readonly clientUrls: readonly string[];
}

/** A member's peer URLs changed (etcd's MemberUpdate). */
export interface UpdateMemberRequest {
  readonly type: 'updateMember';
  readonly id: NodeId;
  readonly peerUrls: readonly string[];
}

/** A change to the auth store, or a login (etcd's Auth RPCs that write). */
export interface AuthRequest {
  readonly type: 'auth';
  readonly op: AuthOp;
}

/** Anything that goes through the log: a client's write, or a member's own request. */
export type MemberRequest = WriteRequest | PublishRequest | UpdateMemberRequest | AuthRequest | AlarmRequest;

/** A request as it travels through the log. */
export interface Proposal {
  /** The member whose client is waiting for the result. */
  readonly proposer: NodeId;
  /** Unique per proposer (per process life: the proposer's start time is folded in). */
  readonly seq: number;
  readonly request: MemberRequest;
  /**
   * The client's user, as its token named it when the member took the request: the apply checks
   * its permissions against the auth store as that entry finds it (etcd's request header
   * username and auth_revision). Absent for the member's own requests, which need none.
   */
  readonly who?: AuthInfo;
}

/** Format 1: no user; format 2: the user and auth revision follow the sequence number. */
const FORMAT = 1;
const FORMAT_WITH_USER = 2;
const enum Kind {
  Put = 1,
  DeleteRange = 2,
  Txn = 3,
  Compaction = 4,
  Noop = 5,
  Publish = 6,
  LeaseGrant = 7,
  LeaseRevoke = 8,
  LeaseCheckpoint = 9,
  UpdateMember = 10,
  Auth = 11,
  Alarm = 12,
}
/** etcd's AlarmType numbers. */
const ALARM_TYPES: readonly AlarmType[] = ['NONE', 'NOSPACE', 'CORRUPT'];
const AUTH_OPS = [
  'enable',
  'disable',
  'userAdd',
  'userDelete',
  'userChangePassword',
  'userGrantRole',
  'userRevokeRole',
  'roleAdd',
  'roleDelete',
  'roleGrantPermission',
  'roleRevokePermission',
  'authenticate',
] as const satisfies readonly AuthOp['op'][];
const PERMISSION_TYPES: readonly PermissionType[] = ['read', 'write', 'readwrite'];
const enum OpKind {
  Range = 1,
  Put = 2,
  DeleteRange = 3,
  Txn = 4,
}
const SORT_ORDERS: readonly SortOrder[] = ['none', 'ascend', 'descend'];
const SORT_TARGETS: readonly SortTarget[] = ['key', 'version', 'create', 'mod', 'value'];
const COMPARE_RESULTS = ['equal', 'greater', 'less', 'notEqual'] as const;
const COMPARE_TARGETS = ['version', 'create', 'mod', 'value', 'lease'] as const;
const EMPTY = new Uint8Array(0);

export function encodeProposal(p: Proposal): Uint8Array {
  const w = new ByteWriter(64 + requestSizeHint(p.request));
  w.u8(p.who ? FORMAT_WITH_USER : FORMAT).uvarint(p.proposer).uvarint(p.seq);
  if (p.who) w.bytes(utf8.encode(p.who.username)).uvarint(p.who.revision);
  const r = p.request;
  switch (r.type) {
    case 'put':
      writePut(w.u8(Kind.Put), r.request);
      break;
    case 'deleteRange':
      writeDelete(w.u8(Kind.DeleteRange), r.request);
      break;
    case 'txn':
      writeTxn(w.u8(Kind.Txn), r.request);
      break;
    case 'compaction':
      w.u8(Kind.Compaction).uvarint(r.request.revision).u8(r.request.physical ? 1 : 0);
      break;
    case 'noop':
      w.u8(Kind.Noop);
      break;
    case 'publish':
      w.u8(Kind.Publish).bytes(utf8.encode(r.name)).uvarint(r.clientUrls.length);
      for (const u of r.clientUrls) w.bytes(utf8.encode(u));
      break;
    case 'updateMember':
      w.u8(Kind.UpdateMember).uvarint(r.id).uvarint(r.peerUrls.length);
      for (const u of r.peerUrls) w.bytes(utf8.encode(u));
      break;
    case 'leaseGrant':
      w.u8(Kind.LeaseGrant).i64(r.request.id).uvarint(r.request.ttl);
      break;
    case 'leaseRevoke':
      w.u8(Kind.LeaseRevoke).i64(r.request.id);
      break;
    case 'leaseCheckpoint':
      w.u8(Kind.LeaseCheckpoint).uvarint(r.request.checkpoints.length);
      for (const c of r.request.checkpoints) w.i64(c.id).uvarint(c.remainingTtl);
      break;
    case 'auth':
      writeAuthOp(w.u8(Kind.Auth), r.op);
      break;
    case 'alarm':
      w.u8(Kind.Alarm).u8(r.action === 'activate' ? 1 : 2).uvarint(r.memberId).u8(ALARM_TYPES.indexOf(r.alarm));
      break;
  }
  return w.finish();
}

export function decodeProposal(bytes: Uint8Array): Proposal {
  const r = new ByteReader(bytes);
  const format = r.u8();
  if (format !== FORMAT && format !== FORMAT_WITH_USER) throw new Error(`unknown proposal format ${format}`);
  const proposer = r.uvarint();
  const seq = r.uvarint();
  const who = format === FORMAT_WITH_USER ? { username: fromUtf8.decode(r.bytes()), revision: r.uvarint() } : undefined;
  const kind = r.u8();
  let request: MemberRequest;
  switch (kind) {
    case Kind.Put:
      request = { type: 'put', request: readPut(r) };
      break;
    case Kind.DeleteRange:
      request = { type: 'deleteRange', request: readDelete(r) };
      break;
    case Kind.Txn:
      request = { type: 'txn', request: readTxn(r) };
      break;
    case Kind.Compaction:
      request = { type: 'compaction', request: { revision: r.uvarint(), physical: r.u8() === 1 } };
      break;
    case Kind.Noop:
      request = { type: 'noop' };
      break;
    case Kind.Publish: {
      const name = fromUtf8.decode(r.bytes());
      const n = r.uvarint();
      const clientUrls: string[] = [];
      for (let i = 0; i < n; i++) clientUrls.push(fromUtf8.decode(r.bytes()));
      request = { type: 'publish', name, clientUrls };
      break;
    }
    case Kind.UpdateMember: {
      const id = r.uvarint();
      const n = r.uvarint();
      const peerUrls: string[] = [];
      for (let i = 0; i < n; i++) peerUrls.push(fromUtf8.decode(r.bytes()));
      request = { type: 'updateMember', id, peerUrls };
      break;
    }
    case Kind.LeaseGrant:
      request = { type: 'leaseGrant', request: { id: r.i64(), ttl: r.uvarint() } };
      break;
    case Kind.LeaseRevoke:
      request = { type: 'leaseRevoke', request: { id: r.i64() } };
      break;
    case Kind.LeaseCheckpoint: {
      const n = r.uvarint();
      const checkpoints: { id: bigint; remainingTtl: number }[] = [];
      for (let i = 0; i < n; i++) checkpoints.push({ id: r.i64(), remainingTtl: r.uvarint() });
      request = { type: 'leaseCheckpoint', request: { checkpoints } };
      break;
    }
    case Kind.Auth:
      request = { type: 'auth', op: readAuthOp(r) };
      break;
    case Kind.Alarm: {
      const action = r.u8() === 1 ? 'activate' : 'deactivate';
      const memberId = r.uvarint();
      const alarm = ALARM_TYPES[r.u8()];
      if (alarm === undefined) throw new Error('unknown alarm type in a proposal');
      request = { type: 'alarm', action, memberId, alarm };
      break;
    }
    default:
      throw new Error(`unknown proposal kind ${kind}`);
  }
  r.end();
  return who ? { proposer, seq, request, who } : { proposer, seq, request };
}

function writeString(w: ByteWriter, s: string): void {
  w.bytes(utf8.encode(s));
}

function readString(r: ByteReader): string {
  return fromUtf8.decode(r.bytes());
}

function writePermission(w: ByteWriter, p: Permission): void {
  w.u8(PERMISSION_TYPES.indexOf(p.type)).bytes(p.key).bytes(p.rangeEnd);
}

function readPermission(r: ByteReader): Permission {
  const type = PERMISSION_TYPES[r.u8()];
  if (!type) throw new Error('corrupt permission in proposal');
  return { type, key: r.bytes(), rangeEnd: r.bytes() };
}

function writeAuthOp(w: ByteWriter, o: AuthOp): void {
  w.u8(AUTH_OPS.indexOf(o.op));
  switch (o.op) {
    case 'enable':
    case 'disable':
      return;
    case 'userAdd':
      writeString(w, o.name);
      writeString(w, o.passwordHash);
      w.u8(o.noPassword ? 1 : 0);
      return;
    case 'userDelete':
    case 'roleAdd':
    case 'roleDelete':
      writeString(w, o.name);
      return;
    case 'userChangePassword':
      writeString(w, o.name);
      writeString(w, o.passwordHash);
      return;
    case 'userGrantRole':
      writeString(w, o.user);
      writeString(w, o.role);
      return;
    case 'userRevokeRole':
      writeString(w, o.name);
      writeString(w, o.role);
      return;
    case 'roleGrantPermission':
      writeString(w, o.name);
      writePermission(w, o.permission);
      return;
    case 'roleRevokePermission':
      writeString(w, o.role);
      w.bytes(o.key).bytes(o.rangeEnd);
      return;
    case 'authenticate':
      writeString(w, o.name);
      writeString(w, o.tokenPrefix);
      return;
  }
}

function readAuthOp(r: ByteReader): AuthOp {
  const op = AUTH_OPS[r.u8()];
  switch (op) {
    case 'enable':
    case 'disable':
      return { op };
    case 'userAdd':
      return { op, name: readString(r), passwordHash: readString(r), noPassword: r.u8() === 1 };
    case 'userDelete':
    case 'roleAdd':
    case 'roleDelete':
      return { op, name: readString(r) };
    case 'userChangePassword':
      return { op, name: readString(r), passwordHash: readString(r) };
    case 'userGrantRole':
      return { op, user: readString(r), role: readString(r) };
    case 'userRevokeRole':
      return { op, name: readString(r), role: readString(r) };
    case 'roleGrantPermission':
      return { op, name: readString(r), permission: readPermission(r) };
    case 'roleRevokePermission':
      return { op, role: readString(r), key: r.bytes(), rangeEnd: r.bytes() };
    case 'authenticate':
      return { op, name: readString(r), tokenPrefix: readString(r) };
    case undefined:
      throw new Error('unknown auth operation in proposal');
  }
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

function requestSizeHint(r: MemberRequest): number {
  if (r.type === 'put') return r.request.key.length + (r.request.value?.length ?? 0);
  return 64;
}

/** Compare operands and range bounds are etcd's int64: they may be negative, or beyond 2^53. */
function writeInt(w: ByteWriter, n: number): void {
  w.i64(BigInt(Math.trunc(n)));
}

function readInt(r: ByteReader): number {
  return Number(r.i64());
}

// Optional fields are written behind a presence bitmap, so absent ones cost nothing.

function writePut(w: ByteWriter, p: PutRequest): void {
  const flags = (p.prevKv ? 1 : 0) | (p.ignoreValue ? 2 : 0) | (p.ignoreLease ? 4 : 0) | (p.lease ? 8 : 0);
  w.u8(flags).bytes(p.key).bytes(p.value ?? EMPTY);
  if (p.lease) w.i64(p.lease);
}

function readPut(r: ByteReader): PutRequest {
  const flags = r.u8();
  const key = r.bytes();
  const value = r.bytes();
  const lease = flags & 8 ? r.i64() : 0n;
  return { key, value, lease, prevKv: (flags & 1) !== 0, ignoreValue: (flags & 2) !== 0, ignoreLease: (flags & 4) !== 0 };
}

function writeDelete(w: ByteWriter, d: DeleteRangeRequest): void {
  w.u8((d.prevKv ? 1 : 0) | (d.rangeEnd ? 2 : 0)).bytes(d.key);
  if (d.rangeEnd) w.bytes(d.rangeEnd);
}

function readDelete(r: ByteReader): DeleteRangeRequest {
  const flags = r.u8();
  const key = r.bytes();
  return flags & 2 ? { key, rangeEnd: r.bytes(), prevKv: (flags & 1) !== 0 } : { key, prevKv: (flags & 1) !== 0 };
}

function writeRange(w: ByteWriter, q: RangeRequest): void {
  const flags = (q.rangeEnd ? 1 : 0) | (q.keysOnly ? 2 : 0) | (q.countOnly ? 4 : 0);
  w.u8(flags).bytes(q.key);
  if (q.rangeEnd) w.bytes(q.rangeEnd);
  writeInt(w, q.limit ?? 0);
  writeInt(w, q.revision ?? 0);
  w.u8(SORT_ORDERS.indexOf(q.sortOrder ?? 'none')).u8(SORT_TARGETS.indexOf(q.sortTarget ?? 'key'));
  for (const n of [q.minModRevision, q.maxModRevision, q.minCreateRevision, q.maxCreateRevision]) writeInt(w, n ?? 0);
}

function readRange(r: ByteReader): RangeRequest {
  const flags = r.u8();
  const key = r.bytes();
  const rangeEnd = flags & 1 ? r.bytes() : undefined;
  const limit = readInt(r);
  const revision = readInt(r);
  const sortOrder = SORT_ORDERS[r.u8()] ?? 'none';
  const sortTarget = SORT_TARGETS[r.u8()] ?? 'key';
  return {
    key,
    ...(rangeEnd ? { rangeEnd } : {}),
    limit,
    revision,
    sortOrder,
    sortTarget,
    keysOnly: (flags & 2) !== 0,
    countOnly: (flags & 4) !== 0,
    minModRevision: readInt(r),
    maxModRevision: readInt(r),
    minCreateRevision: readInt(r),
    maxCreateRevision: readInt(r),
  };
}

function writeCompare(w: ByteWriter, c: Compare): void {
  w.u8(COMPARE_RESULTS.indexOf(c.result)).u8(COMPARE_TARGETS.indexOf(c.target)).bytes(c.key);
  w.u8(c.rangeEnd ? 1 : 0);
  if (c.rangeEnd) w.bytes(c.rangeEnd);
  switch (c.target) {
    case 'version':
      writeInt(w, c.version);
      break;
    case 'create':
      writeInt(w, c.createRevision);
      break;
    case 'mod':
      writeInt(w, c.modRevision);
      break;
    case 'value':
      w.bytes(c.value);
      break;
    case 'lease':
      w.i64(c.lease);
      break;
  }
}

function readCompare(r: ByteReader): Compare {
  const result = COMPARE_RESULTS[r.u8()];
  const target = COMPARE_TARGETS[r.u8()];
  if (!result || !target) throw new Error('corrupt compare in proposal');
  const key = r.bytes();
  const rangeEnd = r.u8() === 1 ? r.bytes() : undefined;
  const base = { result, key, ...(rangeEnd ? { rangeEnd } : {}) };
  switch (target) {
    case 'version':
      return { ...base, target, version: readInt(r) };
    case 'create':
      return { ...base, target, createRevision: readInt(r) };
    case 'mod':
      return { ...base, target, modRevision: readInt(r) };
    case 'value':
      return { ...base, target, value: r.bytes() };
    case 'lease':
      return { ...base, target, lease: r.i64() };
  }
}

function writeOps(w: ByteWriter, ops: readonly RequestOp[] | undefined): void {
  w.uvarint(ops?.length ?? 0);
  for (const op of ops ?? []) {
    switch (op.type) {
      case 'range':
        writeRange(w.u8(OpKind.Range), op.request);
        break;
      case 'put':
        writePut(w.u8(OpKind.Put), op.request);
        break;
      case 'deleteRange':
        writeDelete(w.u8(OpKind.DeleteRange), op.request);
        break;
      case 'txn':
        writeTxn(w.u8(OpKind.Txn), op.request);
        break;
    }
  }
}

function readOps(r: ByteReader): RequestOp[] {
  const n = r.uvarint();
  const ops: RequestOp[] = [];
  for (let i = 0; i < n; i++) {
    const kind = r.u8();
    switch (kind) {
      case OpKind.Range:
        ops.push({ type: 'range', request: readRange(r) });
        break;
      case OpKind.Put:
        ops.push({ type: 'put', request: readPut(r) });
        break;
      case OpKind.DeleteRange:
        ops.push({ type: 'deleteRange', request: readDelete(r) });
        break;
      case OpKind.Txn:
        ops.push({ type: 'txn', request: readTxn(r) });
        break;
      default:
        throw new Error(`unknown txn op kind ${kind}`);
    }
  }
  return ops;
}

function writeTxn(w: ByteWriter, t: TxnRequest): void {
  w.uvarint(t.compare?.length ?? 0);
  for (const c of t.compare ?? []) writeCompare(w, c);
  writeOps(w, t.success);
  writeOps(w, t.failure);
}

function readTxn(r: ByteReader): TxnRequest {
  const n = r.uvarint();
  const compare: Compare[] = [];
  for (let i = 0; i < n; i++) compare.push(readCompare(r));
  return { compare, success: readOps(r), failure: readOps(r) };
}
