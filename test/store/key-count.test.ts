// The store's count of keys that exist (etcd's keys_total gauge): kept through puts, deletes,
// re-creation, compaction and a reopen, and equal to what a full range counts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FROM_KEY } from '../../store/mvcc/key-bytes.js';
import { MvccHarness, b } from './helpers/mvcc-harness.js';

describe('MvccStore key count', () => {
  let h: MvccHarness;

  beforeEach(async () => {
    h = await MvccHarness.create();
  });

  afterEach(async () => {
    await h.destroy();
  });

  const rangeCount = async (): Promise<number> => (await h.store.range({ key: b('\x00'), rangeEnd: FROM_KEY, countOnly: true })).count;

  it('counts a key once however often it is written, and not once deleted', async () => {
    expect(h.store.keyCount).toBe(0);
    await h.put('a', '1');
    await h.put('a', '2');
    await h.put('b', '1');
    expect(h.store.keyCount).toBe(2);
    await h.del('a');
    expect(h.store.keyCount).toBe(1);
    // Deleting what is gone changes nothing.
    await h.del('a');
    expect(h.store.keyCount).toBe(1);
    await h.put('a', '3');
    expect(h.store.keyCount).toBe(2);
    expect(await rangeCount()).toBe(2);
  });

  it('counts a range delete and a txn as the keys they change', async () => {
    for (const k of ['k1', 'k2', 'k3', 'x']) await h.put(k, 'v');
    await h.del('k', 'l');
    expect(h.store.keyCount).toBe(1);
    await h.txn({
      compare: [],
      success: [
        { type: 'put', request: { key: b('t1'), value: b('v') } },
        { type: 'put', request: { key: b('t2'), value: b('v') } },
      ],
      failure: [],
    });
    expect(h.store.keyCount).toBe(3);
    expect(await rangeCount()).toBe(3);
  });

  it('keeps the count through compaction and a reopen', async () => {
    await h.put('a', '1');
    await h.put('b', '1');
    await h.del('b');
    await h.put('c', '1');
    await h.compact(h.store.revision);
    expect(h.store.keyCount).toBe(2);
    await h.reopen();
    expect(h.store.keyCount).toBe(2);
    await h.reopen({ crash: true });
    expect(h.store.keyCount).toBe(2);
    expect(await rangeCount()).toBe(2);
  });
});
