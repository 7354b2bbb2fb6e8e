// State snapshots: consistent while writes go on, streamed in chunks cut anywhere, installed
// atomically (a bad stream leaves the old state), equal hashes after the round trip.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SnapshotCorruptError, SnapshotStaleError } from '../../store/errors.js';
import { metaCodecs, metaKey, setMeta } from '../../store/meta.js';
import { MemberStore } from '../../store/member-store.js';
import type { ApplyItem } from '../../store/mvcc/mvcc-store.js';
import { FROM_KEY } from '../../store/mvcc/key-bytes.js';
import { MvccHarness, b } from './helpers/mvcc-harness.js';
import { makeTempDir, removeDir } from './helpers/temp-dir.js';

const ROLE = metaKey('role', metaCodecs.string);

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

async function* stream(chunks: readonly Uint8Array[]): AsyncIterable<Uint8Array> {
  for (const c of chunks) yield c;
}

/** The same bytes cut into pieces of the given sizes, cycling through them. */
function recut(chunks: readonly Uint8Array[], sizes: readonly number[]): Uint8Array[] {
  const all = Buffer.concat(chunks);
  const out: Uint8Array[] = [];
  for (let at = 0, i = 0; at < all.length; i++) {
    const n = sizes[i % sizes.length]!;
    out.push(new Uint8Array(all.subarray(at, at + n)));
    at += n;
  }
  return out;
}

/** Writes `keys` keys with some history: overwrites, deletes, a compaction. */
async function fill(h: MvccHarness, keys: number): Promise<void> {
  let index = h.store.appliedIndex;
  const batch = async (requests: ApplyItem['request'][]): Promise<void> => {
    await h.store.applyBatch(requests.map((request) => ({ index: ++index, request })), { sync: false });
  };
  const key = (i: number) => b(`key/${String(i).padStart(7, '0')}`);
  await batch([1n, 2n].map((id) => ({ type: 'leaseGrant', request: { id, ttl: 60 } })));
  for (let i = 0; i < keys; i += 1000) {
    const reqs: ApplyItem['request'][] = [];
    for (let j = i; j < Math.min(keys, i + 1000); j++) reqs.push({ type: 'put', request: { key: key(j), value: b(`v${j}`), lease: BigInt(j % 3) } });
    await batch(reqs);
  }
  const overwrites: ApplyItem['request'][] = [];
  for (let i = 0; i < keys; i += 5) overwrites.push({ type: 'put', request: { key: key(i), value: b(`w${i}`) } });
  await batch(overwrites);
  const compactAt = h.store.revision;
  const deletes: ApplyItem['request'][] = [];
  for (let i = 1; i < keys; i += 10) deletes.push({ type: 'deleteRange', request: { key: key(i) } });
  await batch(deletes);
  await batch([{ type: 'compaction', request: { revision: compactAt - keys / 10 } }]);
  await h.store.applyBatch([{ index: ++index, request: { type: 'noop' }, confState: { voters: [1, 2, 3], learners: [4] }, meta: [setMeta(ROLE, 'replicated')] }]);
}

describe('state snapshot round trip', () => {
  let source: MvccHarness;

  beforeAll(async () => {
    source = await MvccHarness.create({ snapshotChunkBytes: 64 * 1024 });
    await fill(source, 100_000);
  });

  afterAll(async () => {
    await source.destroy();
  });

  it('100K keys with history: a fresh store ends up with the same hash and state', async () => {
    const snap = await source.store.snapshot();
    expect(snap.appliedIndex).toBe(source.store.appliedIndex);
    const chunks = await collect(snap);
    expect(chunks.length).toBeGreaterThan(10);
    const target = await MvccHarness.create();
    try {
      const installed = await target.store.installSnapshot(stream(chunks));
      expect(installed).toEqual({ appliedIndex: source.store.appliedIndex, revision: source.store.revision, confState: { voters: [1, 2, 3], learners: [4] } });
      expect(await target.store.hashKV()).toEqual(await source.store.hashKV());
      expect(target.store.compactRevision).toBe(source.store.compactRevision);
      expect(target.store.meta(ROLE)).toBe('replicated');
      const all = { key: Uint8Array.of(0), rangeEnd: FROM_KEY, countOnly: true };
      expect((await target.range(all)).count).toBe(90_000);
      const sample = { key: b('key/0000100'), rangeEnd: b('key/0000200') };
      expect(await target.range(sample)).toEqual(await source.range(sample));
      await target.reopen();
      expect(await target.store.hashKV()).toEqual(await source.store.hashKV());
    } finally {
      await target.destroy();
    }
  });
});

describe('state snapshot install', () => {
  let source: MvccHarness;
  let target: MvccHarness;

  beforeEach(async () => {
    source = await MvccHarness.create({ snapshotChunkBytes: 1024 });
    target = await MvccHarness.create();
    await fill(source, 2000);
    await target.put('stale', 'x');
    await target.put('stale', 'y');
  });

  afterEach(async () => {
    await source.destroy();
    await target.destroy();
  });

  it('replaces a stale store completely and leaves no old generation behind', async () => {
    await target.store.installSnapshot(await source.store.snapshot());
    expect(await target.get('stale')).toEqual([]);
    expect(await target.store.hashKV()).toEqual(await source.store.hashKV());
    await target.store.compactionsSettled();
    let keys = 0;
    for await (const _ of target.db.keys({ gte: Uint8Array.of(0x20), lt: Uint8Array.of(0x20, 0, 0, 0, 2) })) keys++;
    expect(keys).toBe(0); // generation 1 (the stale state) is gone
    await target.reopen();
    expect(await target.store.hashKV()).toEqual(await source.store.hashKV());
    expect(target.store.appliedIndex).toBe(source.store.appliedIndex);
  });

  it('is consistent while writes go on', async () => {
    const expected = await source.store.hashKV();
    const snap = await source.store.snapshot();
    await source.put('after', 'snapshot');
    await source.del('key/0000000');
    const installed = await target.store.installSnapshot(snap);
    expect(installed.revision).toBe(expected.revision);
    expect(await target.store.hashKV()).toEqual(expected);
    expect(await target.get('after')).toEqual([]);
  });

  it('decodes a stream cut at any points', async () => {
    const chunks = await collect(await source.store.snapshot());
    await target.store.installSnapshot(stream(recut(chunks, [1, 7, 3, 200, 1, 65_000])));
    expect(await target.store.hashKV()).toEqual(await source.store.hashKV());
  });

  it.each([
    { name: 'a flipped byte', damage: (all: Buffer) => ((all[Math.floor(all.length / 2)]! ^= 0x40), all) },
    { name: 'a flipped checksum byte', damage: (all: Buffer) => ((all[all.length - 1]! ^= 1), all) },
    { name: 'a missing tail', damage: (all: Buffer) => all.subarray(0, all.length - 100) },
    { name: 'a missing checksum', damage: (all: Buffer) => all.subarray(0, all.length - 32) },
    { name: 'bytes after the end', damage: (all: Buffer) => Buffer.concat([all, Buffer.of(0)]) },
    { name: 'a missing middle chunk', damage: (all: Buffer) => Buffer.concat([all.subarray(0, 5000), all.subarray(6024)]) },
    { name: 'a foreign stream', damage: (all: Buffer) => Buffer.concat([Buffer.from('NOTASNAP'), all.subarray(8)]) },
  ])('refuses $name and keeps the old state', async ({ damage }) => {
    const before = await target.store.hashKV();
    const chunks = await collect(await source.store.snapshot());
    const bad = damage(Buffer.from(Buffer.concat(chunks)));
    await expect(target.store.installSnapshot(stream(recut([bad], [4096])))).rejects.toThrow(SnapshotCorruptError);
    expect(await target.store.hashKV()).toEqual(before);
    expect(await target.get('stale')).toEqual(['stale=y']);
    await target.put('still', 'writable');
    await target.reopen();
    expect(await target.get('stale')).toEqual(['stale=y']);
    expect(await target.get('still')).toEqual(['still=writable']);
  });

  it('refuses a snapshot older than the applied state', async () => {
    const snap = await target.store.snapshot(); // target is at applied index 2
    await expect(source.store.installSnapshot(snap)).rejects.toThrow(SnapshotStaleError);
  });

  it('a snapshot never read can be closed', async () => {
    const snap = await source.store.snapshot();
    await snap.close();
    await expect(collect(snap)).rejects.toThrow();
  });
});

describe('state snapshot and member identity', () => {
  it("does not carry or overwrite a member's local meta", async () => {
    const MEMBER_ID = metaKey('memberId', metaCodecs.bigint);
    const [dirA, dirB] = [await makeTempDir('member'), await makeTempDir('member')];
    const a = await MemberStore.open(dirA);
    const bStore = await MemberStore.open(dirB);
    try {
      await a.local.set(MEMBER_ID, 0xaaaan);
      await bStore.local.set(MEMBER_ID, 0xbbbbn);
      await a.kv.applyBatch([{ index: 1, request: { type: 'put', request: { key: b('k'), value: b('v') } } }]);
      await bStore.kv.installSnapshot(await a.kv.snapshot());
      expect(bStore.local.get(MEMBER_ID)).toBe(0xbbbbn);
      expect((await bStore.kv.range({ key: b('k') })).count).toBe(1);
    } finally {
      await a.close();
      await bStore.close();
      await removeDir(dirA);
      await removeDir(dirB);
    }
  });
});
