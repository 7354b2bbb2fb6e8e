// etcd 3.4's backend buckets read back as the records of a Lodestone state snapshot (keys relative
// to a state generation, in key order): every revision, the revision and compaction, the leases
// with the keys whose latest version names them, and the auth store. The raft position starts over
// (applied index 0), as etcd's restore starts a new cluster; members are not carried over.
import { enabledRecord, revisionRecord, roleRecord, userRecord } from '../auth/auth-records.js';
import type { BoltReader } from '../bbolt/reader.js';
import { StateSpace } from '../keyspace.js';
import { encodeLease as encodeLodestoneLease } from '../lease/lease-records.js';
import { encodeKv, encodeTombstone } from '../mvcc/kv-codec.js';
import { encodeNumber, STORE_META } from '../mvcc/store-meta.js';
import { decodeKeyValue, decodeLease, decodeRole, decodeUser } from './etcd-messages.js';
import { AUTH_KEYS, BUCKETS, EtcdLayoutError, META_KEYS, parseRevisionKey, readU64Bytes, utf8 } from './layout.js';

export interface StateRecord {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export interface RestoredSummary {
  readonly revision: number;
  readonly compactRevision: number;
  readonly keys: number;
  readonly leases: number;
  readonly users: number;
  readonly roles: number;
}

/** Any generation will do to build relative keys: they are cut off its prefix. */
const SPACE = new StateSpace(0);

function bucket(reader: BoltReader, name: string) {
  return reader.bucket(utf8(name)) ?? [];
}

function metaRecord(kind: 'store' | 'member', name: string, value: Uint8Array): StateRecord {
  const key = kind === 'store' ? SPACE.storeMetaKey(name) : SPACE.memberMetaKey(name);
  return { key: SPACE.relative(key), value };
}

export function stateRecordsFromEtcd(reader: BoltReader): { records: StateRecord[]; summary: RestoredSummary } {
  const records: StateRecord[] = [];
  let revision = 1;
  // Each key's latest version: its lease, if it is alive and has one, holds the key.
  const latest = new Map<string, { key: Uint8Array; lease: bigint }>();
  for (const e of bucket(reader, BUCKETS.key)) {
    const rev = parseRevisionKey(e.key);
    const kv = decodeKeyValue(e.value);
    const name = Buffer.from(kv.key).toString('latin1');
    const value = rev.tombstone ? encodeTombstone(kv.key) : encodeKv({ ...kv, modRevision: rev.main });
    records.push({ key: SPACE.relative(SPACE.revisionKey(rev.main, rev.sub)), value });
    if (rev.tombstone) latest.delete(name);
    else latest.set(name, { key: kv.key, lease: kv.lease });
    revision = Math.max(revision, rev.main);
  }
  const meta = new Map(bucket(reader, BUCKETS.meta).map((e) => [Buffer.from(e.key).toString(), e.value]));
  const compactOf = (name: string): number => {
    const v = meta.get(name);
    return v === undefined ? 0 : parseRevisionKey(v).main;
  };
  const scheduled = compactOf(META_KEYS.scheduledCompact);
  const finished = compactOf(META_KEYS.finishedCompact);
  revision = Math.max(revision, scheduled);
  records.push(metaRecord('store', STORE_META.applied, encodeNumber(0)));
  if (scheduled > 0) records.push(metaRecord('store', STORE_META.compactScheduled, encodeNumber(scheduled)));
  if (finished > 0) records.push(metaRecord('store', STORE_META.compactFinished, encodeNumber(finished)));
  records.push(metaRecord('store', STORE_META.revision, encodeNumber(revision)));

  const auth = new Map(bucket(reader, BUCKETS.auth).map((e) => [Buffer.from(e.key).toString(), e.value]));
  const users = bucket(reader, BUCKETS.authUsers).map((e) => decodeUser(e.value));
  const roles = bucket(reader, BUCKETS.authRoles).map((e) => decodeRole(e.value));
  const enabled = auth.get(AUTH_KEYS.enabled);
  const authRevision = auth.get(AUTH_KEYS.revision);
  for (const w of [
    ...(enabled ? [enabledRecord(enabled[0] === 1)] : []),
    ...(authRevision ? [revisionRecord(Number(readU64Bytes(authRevision)))] : []),
    ...users.map(userRecord),
    ...roles.map(roleRecord),
  ]) {
    records.push(metaRecord('member', w.name, w.value!));
  }

  const leases = bucket(reader, BUCKETS.lease).map((e) => decodeLease(e.value));
  const leaseIds = new Set(leases.map((l) => l.id));
  for (const l of leases) {
    if (l.id <= 0n) throw new EtcdLayoutError(`lease ID ${l.id} is not positive`);
    records.push({ key: SPACE.relative(SPACE.leaseKey(l.id)), value: encodeLodestoneLease(l) });
  }
  const attachments = [...latest.values()]
    .filter((k) => k.lease !== 0n && leaseIds.has(k.lease))
    .map((k) => ({ key: SPACE.relative(SPACE.leaseAttachmentKey(k.lease, k.key)), value: new Uint8Array(0) }));
  records.push(...attachments);
  // The store reads records in key order (leases before their attachments, meta in name order).
  records.sort((a, b) => Buffer.compare(a.key, b.key));
  return { records, summary: { revision, compactRevision: scheduled, keys: latest.size, leases: leases.length, users: users.length, roles: roles.length } };
}
