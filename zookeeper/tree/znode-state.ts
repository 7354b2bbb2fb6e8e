// A znode as the tree reads it from its four keys (zookeeper/layout.ts), and its Stat.
import type { KvBackend } from '../../rpc/kv-backend.js';
import type { KeyValue, RangeResponse, RequestOp, TxnResponse } from '../../store/mvcc/types.js';
import { childrenRange, cversionKey, dataKey, metaKey, type ZNodeAclEntry, type ZNodeKind, type ZNodeMeta } from '../layout.js';
import { ephemeralOwnerOf } from './create-mode.js';
import { ZkTreeError } from './errors.js';
import type { ZStat } from './types.js';

/** A zxid of the transaction being planned: known once it commits. */
export const PENDING = -1;

/** The revisions a znode was read at, so a write can guard on them not having moved. */
export interface StoredRevisions {
  readonly dataMod: number;
  readonly metaMod: number;
  readonly cversionMod: number;
  /** The data key's etcd version. */
  readonly dataKeyVersion: number;
  /** The cversion key's etcd version (cversion = version - 1 + the offset in its value). */
  readonly cversionKeyVersion: number;
}

export interface ZNodeState {
  readonly path: string;
  readonly data: Uint8Array;
  readonly czxid: number;
  readonly mzxid: number;
  readonly version: number;
  /** The data key's lease: the owning session of an ephemeral, 0n otherwise. */
  readonly lease: bigint;
  readonly meta: ZNodeMeta;
  /**
   * ZooKeeper's stored cversion (StatPersisted): the number of children ever created under the znode.
   * Sequential names come from it; the Stat shows 2 × it − numChildren (ZooKeeper's DataNode.copyStat).
   */
  readonly cversion: number;
  readonly pzxid: number;
  readonly numChildren: number;
  /** Undefined for a znode created by the transaction being planned. */
  readonly stored: StoredRevisions | undefined;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

const KINDS: readonly ZNodeKind[] = ['persistent', 'ephemeral', 'container', 'ttl'];

function damaged(path: string): ZkTreeError {
  return new ZkTreeError('SystemError', path);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseAclEntry(v: unknown, path: string): ZNodeAclEntry {
  if (!isRecord(v) || typeof v.perms !== 'number' || typeof v.scheme !== 'string' || typeof v.id !== 'string') {
    throw damaged(path);
  }
  return { perms: v.perms, scheme: v.scheme, id: v.id };
}

/** A meta key's JSON, checked field by field: another etcd client may have written anything there. */
export function parseMeta(bytes: Uint8Array, path: string): ZNodeMeta {
  let v: unknown;
  try {
    v = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    throw new ZkTreeError('SystemError', path, { cause: error });
  }
  if (!isRecord(v) || typeof v.ctime !== 'number' || typeof v.mtime !== 'number' || typeof v.aversion !== 'number') {
    throw damaged(path);
  }
  const kind = KINDS.find((k) => k === v.kind);
  if (kind === undefined || !Array.isArray(v.acl)) throw damaged(path);
  const acl = v.acl.map((a: unknown) => parseAclEntry(a, path));
  const meta: ZNodeMeta = { ctime: v.ctime, mtime: v.mtime, aversion: v.aversion, acl, kind };
  const withTtl = typeof v.ttlMs === 'number' ? { ...meta, ttlMs: v.ttlMs } : meta;
  const withOffset = typeof v.versionOffset === 'number' && v.versionOffset !== 0 ? { ...withTtl, versionOffset: v.versionOffset } : withTtl;
  return typeof v.czxid === 'number' ? { ...withOffset, czxid: v.czxid } : withOffset;
}

export function encodeMeta(meta: ZNodeMeta): Uint8Array {
  return encoder.encode(JSON.stringify(meta));
}

/** The cversion key's value: empty, or a count to add to version - 1 (see layout.ts). */
export function cversionOffset(kv: KeyValue): number {
  if (kv.value.length === 0) return 0;
  const n = Number(decoder.decode(kv.value));
  return Number.isSafeInteger(n) ? n : 0;
}

export function encodeCversionOffset(offset: number): Uint8Array {
  return offset === 0 ? new Uint8Array(0) : encoder.encode(String(offset));
}

function rangeOp(key: Uint8Array, rangeEnd?: Uint8Array, extra: { countOnly?: boolean; keysOnly?: boolean } = {}): RequestOp {
  return { type: 'range', request: rangeEnd === undefined ? { key, ...extra } : { key, rangeEnd, ...extra } };
}

function rangeAt(r: TxnResponse, i: number, path: string): RangeResponse {
  const resp = r.responses[i];
  if (resp?.type !== 'range') throw damaged(path);
  return resp.response;
}

export interface ZNodeRead {
  readonly state: ZNodeState | null;
  /** Names of the children, sorted; only when asked for. */
  readonly children: string[] | undefined;
  /** The revision the read saw. */
  readonly revision: number;
}

/**
 * Reads one znode's keys at one revision of this member (serializable) or of the cluster
 * (linearizable). `uncounted` leaves the children uncounted (numChildren reads 0): counting walks
 * every child's key, which a create under a parent of thousands must not pay for (countChildren).
 */
export async function readZNode(kv: KvBackend, path: string, opts: { children?: boolean; serializable?: boolean; uncounted?: boolean } = {}): Promise<ZNodeRead> {
  const children = childrenRange(path);
  const ops: RequestOp[] = [rangeOp(dataKey(path)), rangeOp(metaKey(path)), rangeOp(cversionKey(path))];
  if (opts.uncounted !== true || opts.children === true) {
    ops.push(rangeOp(children.key, children.rangeEnd, opts.children === true ? { keysOnly: true } : { countOnly: true }));
  }
  const r = await kv.readTxn({ success: ops }, opts.serializable ?? true);
  const [data, metaRange, cversion, kids] = ops.map((_, i) => rangeAt(r, i, path));
  const dataKv = data!.kvs[0];
  if (dataKv === undefined) return { state: null, children: opts.children === true ? [] : undefined, revision: r.revision };
  const metaKv = metaRange!.kvs[0];
  const cversionKv = cversion!.kvs[0];
  if (metaKv === undefined || cversionKv === undefined) throw damaged(path);
  const prefixLength = children.key.length;
  const names = opts.children === true ? kids?.kvs.map((k) => decoder.decode(k.key.subarray(prefixLength))).sort() : undefined;
  const meta = parseMeta(metaKv.value, path);
  const state: ZNodeState = {
    path,
    data: dataKv.value,
    czxid: meta.czxid === undefined ? dataKv.createRevision : meta.czxid === -1 ? metaKv.modRevision : meta.czxid,
    mzxid: dataKv.modRevision,
    version: dataKv.version - 1 + (meta.versionOffset ?? 0),
    lease: dataKv.lease,
    meta,
    cversion: cversionKv.version - 1 + cversionOffset(cversionKv),
    pzxid: cversionKv.modRevision,
    numChildren: kids?.count ?? 0,
    stored: {
      dataMod: dataKv.modRevision,
      metaMod: metaKv.modRevision,
      dataKeyVersion: dataKv.version,
      cversionMod: cversionKv.modRevision,
      cversionKeyVersion: cversionKv.version,
    },
  };
  return { state, children: names, revision: r.revision };
}

/** How many children the znode has, at this member's revision. */
export async function countChildren(kv: KvBackend, path: string): Promise<number> {
  const children = childrenRange(path);
  const r = await kv.readTxn({ success: [rangeOp(children.key, children.rangeEnd, { countOnly: true })] }, true);
  return rangeAt(r, 0, path).count;
}

/** The Stat of a znode; PENDING zxids become `txnRevision`. */
export function statOf(s: ZNodeState, txnRevision = PENDING): ZStat {
  const zxid = (z: number): bigint => BigInt(z === PENDING ? txnRevision : z);
  return {
    czxid: zxid(s.czxid),
    mzxid: zxid(s.mzxid),
    ctime: BigInt(s.meta.ctime),
    mtime: BigInt(s.meta.mtime),
    version: s.version,
    cversion: 2 * s.cversion - s.numChildren,
    aversion: s.meta.aversion,
    ephemeralOwner: ephemeralOwnerOf(s.meta.kind, s.lease, s.meta.ttlMs),
    dataLength: s.data.length,
    numChildren: s.numChildren,
    pzxid: zxid(s.pzxid),
  };
}
