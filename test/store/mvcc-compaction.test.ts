// Compaction (the index and the disk) and HashKV.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CompactedError, FutureRevisionError } from '../../store/errors.js';
import { StateSpace } from '../../store/keyspace.js';
import { FROM_KEY } from '../../store/mvcc/key-bytes.js';
import { encodeKv } from '../../store/mvcc/kv-codec.js';
import { encodeNumber, STORE_META } from '../../store/mvcc/store-meta.js';
import { MvccHarness, b } from './helpers/mvcc-harness.js';

/** Revision records on disk with main revision ≤ upTo (the first state generation). */
async function recordsOnDisk(h: MvccHarness, upTo?: number): Promise<number> {
  const range = new StateSpace(1).revisions(upTo);
  let n = 0;
  for await (const _ of h.db.keys({ gte: range.gte, lt: range.lt })) n++;
  return n;
}

async function writeHistory(h: MvccHarness): Promise<void> {
  await h.put('a', '1'); // 2
  await h.put('a', '2'); // 3
  await h.put('b', '1'); // 4
  await h.del('b'); // 5
  await h.put('c', '1'); // 6
  await h.del('c'); // 7
  await h.put('c', '2'); // 8
  await h.put('a', '3'); // 9
}

describe('MvccStore compaction', () => {
  let h: MvccHarness;

  beforeEach(async () => {
    h = await MvccHarness.create();
    await writeHistory(h);
  });

  afterEach(async () => {
    await h.destroy();
  });

  it("keeps each key's latest version at the compaction revision and drops the rest", async () => {
    const before = await Promise.all([6, 7, 8, 9].map((rev) => h.get('a', FROM_KEY, { revision: rev })));
    const response = await h.compact(6);
    expect(response.response.revision).toBe(9); // compaction consumes no revision
    expect(h.store.compactRevision).toBe(6);
    expect(await h.get('a', FROM_KEY, { revision: 6 })).toEqual(['a=2', 'c=1']);
    for (const rev of [2, 5]) await expect(h.range({ key: b('a'), revision: rev })).rejects.toThrow(CompactedError);
    const after = await Promise.all([6, 7, 8, 9].map((rev) => h.get('a', FROM_KEY, { revision: rev })));
    expect(after).toEqual(before);
    await h.store.compactionsSettled();
    // Left at or below 6: a@3 and c@6. b (deleted at 5) is gone for good.
    expect(await recordsOnDisk(h, 6)).toBe(2);
    expect(await recordsOnDisk(h)).toBe(5);
    expect(h.store.indexedKeys).toBe(2);
  });

  it('drops a key deleted at or before the compaction revision entirely', async () => {
    await h.compact(7);
    await h.store.compactionsSettled();
    expect(await h.get('a', FROM_KEY, { revision: 7 })).toEqual(['a=2']);
    expect(await recordsOnDisk(h, 7)).toBe(1);
  });

  it('survives a reopen, keeping versions and creation revisions', async () => {
    await h.compact(9);
    await h.store.compactionsSettled();
    await h.reopen();
    expect(h.store.compactRevision).toBe(9);
    await expect(h.range({ key: b('a'), revision: 8 })).rejects.toThrow(CompactedError);
    await h.put('a', '4');
    const [a] = (await h.range({ key: b('a') })).kvs;
    expect([a!.createRevision, a!.version, a!.modRevision]).toEqual([2, 4, 10]);
  });

  it.each([
    { name: 'at the compaction revision', rev: 6, error: CompactedError, message: 'mvcc: required revision has been compacted' },
    { name: 'below it', rev: 3, error: CompactedError, message: 'mvcc: required revision has been compacted' },
    { name: 'past the current revision', rev: 10, error: FutureRevisionError, message: 'mvcc: required revision is a future revision' },
  ])('refuses a compaction $name', async ({ rev, error, message }) => {
    await h.compact(6);
    await expect(h.compact(rev)).rejects.toThrow(error);
    await expect(h.compact(rev)).rejects.toThrow(message);
  });

  it('finishes an interrupted removal from disk when reopened', async () => {
    await h.compact(6);
    await h.store.compactionsSettled();
    // Leave the disk as a crash mid-removal would: the compaction unfinished, an old revision still there.
    const space = new StateSpace(1);
    await h.db.batch([
      { type: 'put', key: space.revisionKey(2, 0), value: encodeKv({ key: b('a'), value: b('1'), createRevision: 2, modRevision: 2, version: 1, lease: 0n }) },
      { type: 'put', key: space.storeMetaKey(STORE_META.compactFinished), value: encodeNumber(0) },
    ]);
    expect(await recordsOnDisk(h, 6)).toBe(3);
    await h.reopen();
    await h.store.compactionsSettled();
    expect(await recordsOnDisk(h, 6)).toBe(2);
    expect(await h.get('a', FROM_KEY, { revision: 6 })).toEqual(['a=2', 'c=1']);
  });
});

describe('MvccStore hashKV', () => {
  let one: MvccHarness;
  let two: MvccHarness;

  beforeEach(async () => {
    one = await MvccHarness.create();
    two = await MvccHarness.create();
    await writeHistory(one);
    await writeHistory(two);
  });

  afterEach(async () => {
    await one.destroy();
    await two.destroy();
  });

  it('is equal for the same history and differs for another', async () => {
    expect(await one.store.hashKV()).toEqual(await two.store.hashKV());
    await one.put('x', '1');
    await two.put('x', '2');
    expect((await one.store.hashKV()).hash).not.toBe((await two.store.hashKV()).hash);
    // Up to the common revision they still agree.
    expect(await one.store.hashKV(9)).toEqual(await two.store.hashKV(9));
  });

  it('at a past revision stays what it was', async () => {
    const at9 = await one.store.hashKV();
    await one.put('x', '1');
    expect(await one.store.hashKV(9)).toEqual({ ...at9, revision: 10 });
  });

  it('does not depend on how far compaction got on disk', async () => {
    await one.compact(6);
    await two.compact(6);
    await one.store.compactionsSettled();
    await two.store.compactionsSettled();
    const settled = await one.store.hashKV();
    expect(settled.compactRevision).toBe(6);
    // A revision the compaction removed, still on disk in `two` as if its removal had not run yet.
    await two.db.put(
      new StateSpace(1).revisionKey(2, 0),
      encodeKv({ key: b('a'), value: b('1'), createRevision: 2, modRevision: 2, version: 1, lease: 0n }),
    );
    expect(await two.store.hashKV()).toEqual(settled);
  });

  it('is the same after a reopen', async () => {
    await one.compact(5);
    const before = await one.store.hashKV();
    await one.reopen();
    expect(await one.store.hashKV()).toEqual(before);
  });

  it('refuses compacted and future revisions', async () => {
    await one.compact(6);
    await expect(one.store.hashKV(5)).rejects.toThrow(CompactedError);
    await expect(one.store.hashKV(10)).rejects.toThrow(FutureRevisionError);
    await expect(one.store.hashKV(6)).resolves.toMatchObject({ hashRevision: 6, compactRevision: 6 });
  });
});
