// Lodestone's replicated state (the records of a state snapshot, in key order) as etcd 3.4's backend
// buckets. Revisions a scheduled compaction removes are left out, as etcd's finished compaction
// leaves them, so members whose on-disk compaction got more or less far give the same content.
import { loadAuthState } from '../auth/auth-records.js';
import { AUTH_META_PREFIX } from '../auth/auth-records.js';
import type { BoltBucket, BoltEntry } from '../bbolt/writer.js';
import { STATE_SUBSPACE, StateSpace } from '../keyspace.js';
import { decodeLease as decodeLodestoneLease } from '../lease/lease-records.js';
import { decodeKv } from '../mvcc/kv-codec.js';
import { decodeNumber, STORE_META } from '../mvcc/store-meta.js';
import { encodeKeyValue, encodeLease, encodeRole, encodeUser } from './etcd-messages.js';
import { AUTH_KEYS, BUCKETS, CLUSTER_VERSION_KEY, META_KEYS, REMOVED_VALUE, revisionKey, u64Bytes, utf8 } from './layout.js';

/** The member list's and removed list's names in the state meta (cluster/membership.ts). */
const MEMBERS_META = 'members';
const REMOVED_META = 'removed-members';

interface MemberJson {
  readonly id: number;
  readonly name: string;
  readonly peerUrls: readonly string[];
  readonly clientUrls: readonly string[];
  readonly isLearner: boolean;
}

interface PendingRevision {
  readonly key: string;
  readonly main: number;
  readonly sub: number;
  readonly tombstone: boolean;
  readonly value: Uint8Array;
}

const fromUtf8 = new TextDecoder();

export class EtcdLayoutBuilder {
  private readonly revisions: PendingRevision[] = [];
  private readonly storeMeta = new Map<string, Uint8Array>();
  private readonly memberMeta = new Map<string, Uint8Array>();
  private readonly leases: BoltEntry[] = [];

  /** `clusterVersion` is what the `cluster` bucket records (etcd's major.minor.0). */
  constructor(private readonly clusterVersion: string) {}

  /** One record of a state snapshot: its key relative to the generation, and its value. */
  add(relativeKey: Uint8Array, value: Uint8Array): void {
    switch (relativeKey[0]) {
      case STATE_SUBSPACE.revisions: {
        const main = StateSpace.relativeMainOf(relativeKey);
        const kv = decodeKv(main, value);
        const tombstone = kv.createRevision === 0;
        this.revisions.push({
          key: Buffer.from(kv.key).toString('latin1'),
          main,
          sub: StateSpace.relativeSubOf(relativeKey),
          tombstone,
          // etcd stores a deletion as a KeyValue holding only the key.
          value: encodeKeyValue(tombstone ? { ...kv, modRevision: 0 } : kv),
        });
        break;
      }
      case STATE_SUBSPACE.storeMeta:
        this.storeMeta.set(fromUtf8.decode(relativeKey.subarray(1)), value);
        break;
      case STATE_SUBSPACE.memberMeta:
        this.memberMeta.set(fromUtf8.decode(relativeKey.subarray(1)), value);
        break;
      case STATE_SUBSPACE.leases: {
        const l = decodeLodestoneLease(StateSpace.relativeLeaseIdOf(relativeKey), value);
        this.leases.push({ key: u64Bytes(l.id), value: encodeLease(l) });
        break;
      }
      default:
        // Lease attachments: etcd derives them from the keys' lease fields.
        break;
    }
  }

  finish(): BoltBucket[] {
    const compacted = this.num(STORE_META.compactScheduled);
    const compactMeta: BoltEntry[] =
      compacted > 0
        ? [
            { key: utf8(META_KEYS.finishedCompact), value: revisionKey({ main: compacted, sub: 0 }) },
            { key: utf8(META_KEYS.scheduledCompact), value: revisionKey({ main: compacted, sub: 0 }) },
          ]
        : [];
    return [
      { name: utf8(BUCKETS.alarm), entries: [] },
      this.authBucket(),
      ...this.authUserAndRoleBuckets(),
      { name: utf8(BUCKETS.cluster), entries: [{ key: utf8(CLUSTER_VERSION_KEY), value: utf8(this.clusterVersion) }] },
      { name: utf8(BUCKETS.key), entries: this.keyEntries(compacted) },
      { name: utf8(BUCKETS.lease), entries: this.leases.sort((a, b) => Buffer.compare(a.key, b.key)) },
      ...this.memberBuckets(),
      {
        name: utf8(BUCKETS.meta),
        entries: [{ key: utf8(META_KEYS.consistentIndex), value: u64Bytes(this.num(STORE_META.applied)) }, ...compactMeta],
      },
    ];
  }

  /** etcd's compaction: at or below `compacted` only each key's latest revision stays, unless a deletion. */
  private keyEntries(compacted: number): BoltEntry[] {
    const latestBelow = new Map<string, number>();
    this.revisions.forEach((r, i) => {
      if (r.main <= compacted) latestBelow.set(r.key, i);
    });
    const out: BoltEntry[] = [];
    this.revisions.forEach((r, i) => {
      if (r.main <= compacted && (latestBelow.get(r.key) !== i || r.tombstone)) return;
      out.push({ key: revisionKey(r, r.tombstone), value: r.value });
    });
    return out;
  }

  private authBucket(): BoltBucket {
    const auth = this.auth();
    const entries: BoltEntry[] = [];
    // etcd writes the flag the first time auth is enabled or disabled.
    if (this.memberMeta.has(`${AUTH_META_PREFIX}enabled`)) entries.push({ key: utf8(AUTH_KEYS.enabled), value: Uint8Array.of(auth.enabled ? 1 : 0) });
    entries.push({ key: utf8(AUTH_KEYS.revision), value: u64Bytes(auth.revision) });
    return { name: utf8(BUCKETS.auth), entries };
  }

  private authUserAndRoleBuckets(): BoltBucket[] {
    const auth = this.auth();
    const byName = <T extends { name: string }>(xs: readonly T[], encode: (x: T) => Uint8Array): BoltEntry[] =>
      xs.map((x) => ({ key: utf8(x.name), value: encode(x) })).sort((a, b) => Buffer.compare(a.key, b.key));
    return [
      { name: utf8(BUCKETS.authRoles), entries: byName(auth.roles(), encodeRole) },
      { name: utf8(BUCKETS.authUsers), entries: byName(auth.users(), encodeUser) },
    ];
  }

  private auth() {
    return loadAuthState([...this.memberMeta].filter(([name]) => name.startsWith(AUTH_META_PREFIX)));
  }

  private memberBuckets(): BoltBucket[] {
    const members = this.json<MemberJson[]>(MEMBERS_META) ?? [];
    const removed = this.json<number[]>(REMOVED_META) ?? [];
    const sortByKey = (xs: BoltEntry[]): BoltEntry[] => xs.sort((a, b) => Buffer.compare(a.key, b.key));
    return [
      { name: utf8(BUCKETS.members), entries: sortByKey(members.map((m) => ({ key: utf8(m.id.toString(16)), value: utf8(memberJson(m)) }))) },
      { name: utf8(BUCKETS.membersRemoved), entries: sortByKey(removed.map((id) => ({ key: utf8(id.toString(16)), value: utf8(REMOVED_VALUE) }))) },
    ];
  }

  private json<T>(name: string): T | undefined {
    const b = this.memberMeta.get(name);
    return b === undefined ? undefined : (JSON.parse(fromUtf8.decode(b)) as T);
  }

  private num(name: string): number {
    const b = this.storeMeta.get(name);
    return b === undefined ? 0 : decodeNumber(b);
  }
}

/** etcd's membership.Member as encoding/json writes it: empty name and client URLs left out. */
function memberJson(m: MemberJson): string {
  const parts = [`"id":${m.id}`, `"peerURLs":${JSON.stringify(m.peerUrls)}`];
  if (m.isLearner) parts.push('"isLearner":true');
  if (m.name !== '') parts.push(`"name":${JSON.stringify(m.name)}`);
  if (m.clientUrls.length > 0) parts.push(`"clientURLs":${JSON.stringify(m.clientUrls)}`);
  return `{${parts.join(',')}}`;
}
