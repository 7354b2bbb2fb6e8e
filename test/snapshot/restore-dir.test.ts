// `snapshot restore` on its own: an etcd-layout file made here (as etcd 3.4 lays it out: a
// compaction, a deletion, a lease with a key, auth records) into a Lodestone data dir, then the
// dir opened as a member would open it. Bad input is refused and leaves no dir behind.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { restoreSnapshot } from '../../cli/snapshot-restore.js';
import { loadAuthState } from '../../store/auth/auth-records.js';
import { writeBoltFile, type BoltBucket } from '../../store/bbolt/writer.js';
import { encodeKeyValue, encodeLease, encodeRole, encodeUser } from '../../store/etcd-backend/etcd-messages.js';
import { revisionKey, u64Bytes } from '../../store/etcd-backend/layout.js';
import { MemberStore } from '../../store/member-store.js';

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s));
const LEASE = 0x694d71ddacfda227n;

function put(main: number, key: string, createRevision: number, version: number, value: string, lease = 0n) {
  return { key: revisionKey({ main, sub: 0 }), value: encodeKeyValue({ key: bytes(key), createRevision, modRevision: main, version, value: bytes(value), lease }) };
}

function etcdFile(): Uint8Array {
  const buckets: BoltBucket[] = [
    { name: bytes('alarm'), entries: [] },
    { name: bytes('auth'), entries: [{ key: bytes('authEnabled'), value: Uint8Array.of(0) }, { key: bytes('authRevision'), value: u64Bytes(6) }] },
    { name: bytes('authRoles'), entries: [{ key: bytes('reader'), value: encodeRole({ name: 'reader', permissions: [{ type: 'read', key: bytes('a'), rangeEnd: bytes('b') }] }) }] },
    { name: bytes('authUsers'), entries: [{ key: bytes('alice'), value: encodeUser({ name: 'alice', passwordHash: '', noPassword: true, roles: ['reader'] }) }] },
    { name: bytes('cluster'), entries: [{ key: bytes('clusterVersion'), value: bytes('3.4.0') }] },
    {
      name: bytes('key'),
      entries: [
        put(3, 'a', 2, 2, 'two'),
        put(4, 'b', 4, 1, 'x'),
        { key: revisionKey({ main: 5, sub: 0 }, true), value: encodeKeyValue({ key: bytes('b'), createRevision: 0, modRevision: 0, version: 0, value: new Uint8Array(0), lease: 0n }) },
        put(6, 'c', 6, 1, 'leased', LEASE),
      ],
    },
    { name: bytes('lease'), entries: [{ key: u64Bytes(LEASE), value: encodeLease({ id: LEASE, ttl: 90, remainingTtl: 0 }) }] },
    { name: bytes('members'), entries: [{ key: bytes('8e9e05c52164694d'), value: bytes('{"id":10276657743932975437,"peerURLs":["http://localhost:2380"],"name":"default"}') }] },
    { name: bytes('members_removed'), entries: [] },
    {
      name: bytes('meta'),
      entries: [
        { key: bytes('consistent_index'), value: u64Bytes(12) },
        { key: bytes('finishedCompactRev'), value: revisionKey({ main: 3, sub: 0 }) },
        { key: bytes('scheduledCompactRev'), value: revisionKey({ main: 3, sub: 0 }) },
      ],
    },
  ];
  const db = writeBoltFile(buckets);
  return new Uint8Array(Buffer.concat([db, createHash('sha256').update(db).digest()]));
}

const OPTIONS = { name: 'm1', initialCluster: 'm1=http://127.0.0.1:12380,m2=http://127.0.0.1:22380', initialAdvertisePeerUrls: ['http://127.0.0.1:12380'] };

describe('snapshot restore into a Lodestone data dir', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'restore-dir-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps revisions, the compaction, the lease with its key and the auth store; the cluster is new', async () => {
    const dataDir = join(dir, 'm1.etcd');
    const result = await restoreSnapshot(etcdFile(), { ...OPTIONS, dataDir });
    expect(result).toMatchObject({ revision: 6, compactRevision: 3, keys: 2, leases: 1, users: 1, roles: 1 });
    const store = await MemberStore.open(join(dataDir, 'member', 'db'));
    try {
      const all = await store.kv.range({ key: new Uint8Array([0]), rangeEnd: new Uint8Array([0]) });
      expect(all.revision).toBe(6);
      expect(all.kvs.map((kv) => [Buffer.from(kv.key).toString(), kv.createRevision, kv.modRevision, kv.version, kv.lease])).toEqual([
        ['a', 2, 3, 2, 0n],
        ['c', 6, 6, 1, LEASE],
      ]);
      expect(store.kv.compactRevision).toBe(3);
      await expect(store.kv.range({ key: bytes('a'), revision: 2 })).rejects.toThrow('mvcc: required revision has been compacted');
      // The deletion is history: b at revision 4 is still readable.
      expect((await store.kv.range({ key: bytes('b'), revision: 4 })).kvs).toHaveLength(1);
      expect(store.kv.lease(LEASE)).toMatchObject({ ttl: 90 });
      expect(store.kv.leaseKeys(LEASE).map((k) => Buffer.from(k).toString())).toEqual(['c']);
      const auth = loadAuthState(store.kv.metaRecords('auth/'));
      expect(auth.revision).toBe(6);
      expect(auth.user('alice')).toMatchObject({ noPassword: true, roles: ['reader'] });
      expect(auth.role('reader')?.permissions).toHaveLength(1);
      // The new cluster's first entries (its two members) are in the log, still to apply.
      expect(store.raftLog.lastIndex()).toBe(2);
      expect(store.kv.appliedIndex).toBe(0);
    } finally {
      await store.close();
    }
  });

  it("refuses a damaged trailer, a missing one (unless told), and an existing dir, as etcdctl does", async () => {
    const file = etcdFile();
    const damaged = file.slice();
    damaged[100] ^= 1;
    const dataDir = join(dir, 'x.etcd');
    await expect(restoreSnapshot(damaged, { ...OPTIONS, dataDir })).rejects.toThrow(/expected sha256/);
    expect(existsSync(dataDir)).toBe(false);
    const bare = file.subarray(0, file.length - 32);
    await expect(restoreSnapshot(bare, { ...OPTIONS, dataDir })).rejects.toThrow('snapshot missing hash but --skip-hash-check=false');
    await expect(restoreSnapshot(bare, { ...OPTIONS, dataDir, skipHashCheck: true })).resolves.toMatchObject({ revision: 6 });
    await expect(restoreSnapshot(file, { ...OPTIONS, dataDir })).rejects.toThrow(`data-dir "${dataDir}" exists`);
    await expect(restoreSnapshot(file, { ...OPTIONS, name: 'm9', dataDir: join(dir, 'y') })).rejects.toThrow(/m9/);
  });
});
