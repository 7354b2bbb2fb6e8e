// etcd 3.4's backend layout: its bucket names, and how it writes revisions and numbers as keys.

export const BUCKETS = {
  key: 'key',
  meta: 'meta',
  lease: 'lease',
  members: 'members',
  membersRemoved: 'members_removed',
  cluster: 'cluster',
  alarm: 'alarm',
  auth: 'auth',
  authUsers: 'authUsers',
  authRoles: 'authRoles',
} as const;

export const META_KEYS = {
  consistentIndex: 'consistent_index',
  scheduledCompact: 'scheduledCompactRev',
  finishedCompact: 'finishedCompactRev',
} as const;

export const AUTH_KEYS = { enabled: 'authEnabled', revision: 'authRevision' } as const;
export const CLUSTER_VERSION_KEY = 'clusterVersion';
/** What etcd stores for a removed member. */
export const REMOVED_VALUE = 'removed';

const REV_BYTES = 17;
const TOMBSTONE_MARK = 0x74; // 't'

export interface Revision {
  readonly main: number;
  readonly sub: number;
}

/** main u64 BE | '_' | sub u64 BE, then 't' for a tombstone. */
export function revisionKey(rev: Revision, tombstone = false): Uint8Array {
  const k = new Uint8Array(tombstone ? REV_BYTES + 1 : REV_BYTES);
  const v = new DataView(k.buffer);
  v.setBigUint64(0, BigInt(rev.main));
  k[8] = 0x5f; // '_'
  v.setBigUint64(9, BigInt(rev.sub));
  if (tombstone) k[REV_BYTES] = TOMBSTONE_MARK;
  return k;
}

export class EtcdLayoutError extends Error {
  override readonly name = 'EtcdLayoutError';
}

export function parseRevisionKey(k: Uint8Array): Revision & { tombstone: boolean } {
  if ((k.length !== REV_BYTES && k.length !== REV_BYTES + 1) || k[8] !== 0x5f) throw new EtcdLayoutError(`not a revision key: ${Buffer.from(k).toString('hex')}`);
  const v = new DataView(k.buffer, k.byteOffset, k.byteLength);
  const main = v.getBigUint64(0);
  const sub = v.getBigUint64(9);
  if (main > BigInt(Number.MAX_SAFE_INTEGER) || sub > 0xffffffffn) throw new EtcdLayoutError('revision out of range');
  return { main: Number(main), sub: Number(sub), tombstone: k.length === REV_BYTES + 1 && k[REV_BYTES] === TOMBSTONE_MARK };
}

export function u64Bytes(n: number | bigint): Uint8Array {
  const k = new Uint8Array(8);
  new DataView(k.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(n)));
  return k;
}

export function readU64Bytes(b: Uint8Array): bigint {
  if (b.length !== 8) throw new EtcdLayoutError(`expected 8 bytes, got ${b.length}`);
  return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0);
}

export const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
