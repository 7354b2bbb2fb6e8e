// Range reads at etcd's edges, table-driven over one fixed history.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompactedError, EmptyKeyError, FutureRevisionError } from '../../store/errors.js';
import { FROM_KEY, prefixEnd } from '../../store/mvcc/key-bytes.js';
import type { RangeRequest } from '../../store/mvcc/types.js';
import { MvccHarness, b, show, str } from './helpers/mvcc-harness.js';

// The history every case reads; the revision each write makes is on its right.
const HISTORY: [string, string | null][] = [
  ['a', '1'], // 2
  ['ab', '1'], // 3
  ['abc', '1'], // 4
  ['b', '1'], // 5
  ['a', '2'], // 6
  ['\xff', '1'], // 7
  ['\xff\xff', '1'], // 8
  ['a\xff', '1'], // 9
  ['a\xff\xff', '1'], // 10
  ['b', null], // 11: delete
  ['c', '1'], // 12
  ['ab', '2'], // 13
];
const ALL_LIVE = ['a', 'ab', 'abc', 'a\xff', 'a\xff\xff', 'c', '\xff', '\xff\xff'];

interface Case {
  name: string;
  req: Partial<RangeRequest> & { key: Uint8Array };
  keys: string[];
  count?: number;
  more?: boolean;
}

const CASES: Case[] = [
  { name: 'one key', req: { key: b('a') }, keys: ['a'] },
  { name: 'a missing key', req: { key: b('zz') }, keys: [], count: 0 },
  { name: 'a deleted key', req: { key: b('b') }, keys: [], count: 0 },
  { name: '[a, b) in byte order', req: { key: b('a'), rangeEnd: b('b') }, keys: ['a', 'ab', 'abc', 'a\xff', 'a\xff\xff'] },
  { name: 'prefix a', req: { key: b('a'), rangeEnd: prefixEnd(b('a')) }, keys: ['a', 'ab', 'abc', 'a\xff', 'a\xff\xff'] },
  { name: 'prefix ending in 0xff carries into the byte before', req: { key: b('a\xff'), rangeEnd: prefixEnd(b('a\xff')) }, keys: ['a\xff', 'a\xff\xff'] },
  { name: 'prefix of only 0xff bytes is every key from it', req: { key: b('\xff'), rangeEnd: prefixEnd(b('\xff')) }, keys: ['\xff', '\xff\xff'] },
  { name: 'rangeEnd "\\0" is every key ≥ key', req: { key: b('b'), rangeEnd: FROM_KEY }, keys: ['c', '\xff', '\xff\xff'] },
  { name: 'key "\\0" with rangeEnd "\\0" is every key', req: { key: Uint8Array.of(0), rangeEnd: FROM_KEY }, keys: ALL_LIVE },
  { name: 'rangeEnd before key is empty', req: { key: b('c'), rangeEnd: b('a') }, keys: [], count: 0 },
  { name: 'rangeEnd equal to key is empty', req: { key: b('a'), rangeEnd: b('a') }, keys: [], count: 0 },
  { name: 'limit cuts and sets more; count is all', req: { key: Uint8Array.of(0), rangeEnd: FROM_KEY, limit: 2 }, keys: ['a', 'ab'], count: 8, more: true },
  { name: 'limit equal to the count: no more', req: { key: Uint8Array.of(0), rangeEnd: FROM_KEY, limit: 8 }, keys: ALL_LIVE, count: 8, more: false },
  { name: 'limit over the count', req: { key: Uint8Array.of(0), rangeEnd: FROM_KEY, limit: 100 }, keys: ALL_LIVE, count: 8 },
  { name: 'countOnly returns no kvs', req: { key: Uint8Array.of(0), rangeEnd: FROM_KEY, countOnly: true }, keys: [], count: 8 },
  { name: 'countOnly with a limit still counts all', req: { key: Uint8Array.of(0), rangeEnd: FROM_KEY, countOnly: true, limit: 1 }, keys: [], count: 8, more: false },
  { name: 'at revision 5', req: { key: Uint8Array.of(0), rangeEnd: FROM_KEY, revision: 5 }, keys: ['a', 'ab', 'abc', 'b'] },
  { name: 'at revision 10, before b was deleted', req: { key: b('b') , revision: 10 }, keys: ['b'] },
  { name: 'at revision 11, b is gone', req: { key: b('b'), revision: 11 }, keys: [], count: 0 },
  { name: 'at revision 1 nothing exists', req: { key: Uint8Array.of(0), rangeEnd: FROM_KEY, revision: 1 }, keys: [], count: 0 },
  { name: 'sort by key descending', req: { key: b('a'), rangeEnd: b('b'), sortOrder: 'descend' }, keys: ['a\xff\xff', 'a\xff', 'abc', 'ab', 'a'] },
  { name: 'sort by key ascending is key order', req: { key: b('a'), rangeEnd: b('b'), sortOrder: 'ascend', sortTarget: 'key' }, keys: ['a', 'ab', 'abc', 'a\xff', 'a\xff\xff'] },
  { name: 'sort by mod revision descending', req: { key: b('a'), rangeEnd: b('b'), sortOrder: 'descend', sortTarget: 'mod' }, keys: ['ab', 'a\xff\xff', 'a\xff', 'a', 'abc'] },
  { name: 'a sort target without order sorts ascending', req: { key: b('a'), rangeEnd: b('b'), sortTarget: 'mod' }, keys: ['abc', 'a', 'a\xff', 'a\xff\xff', 'ab'] },
  { name: 'sort by create revision', req: { key: b('a'), rangeEnd: b('b'), sortOrder: 'ascend', sortTarget: 'create' }, keys: ['a', 'ab', 'abc', 'a\xff', 'a\xff\xff'] },
  { name: 'sort by version descending, ties in key order', req: { key: b('a'), rangeEnd: b('b'), sortOrder: 'descend', sortTarget: 'version' }, keys: ['a', 'ab', 'abc', 'a\xff', 'a\xff\xff'] },
  { name: 'sort by value, ties in key order', req: { key: b('a'), rangeEnd: b('b'), sortOrder: 'ascend', sortTarget: 'value' }, keys: ['abc', 'a\xff', 'a\xff\xff', 'a', 'ab'] },
  { name: 'sort then limit: limit applies after sorting', req: { key: b('a'), rangeEnd: b('b'), sortOrder: 'descend', sortTarget: 'mod', limit: 2 }, keys: ['ab', 'a\xff\xff'], count: 5, more: true },
  { name: 'minModRevision', req: { key: b('a'), rangeEnd: b('b'), minModRevision: 9 }, keys: ['ab', 'a\xff', 'a\xff\xff'], count: 5 },
  { name: 'maxModRevision', req: { key: b('a'), rangeEnd: b('b'), maxModRevision: 6 }, keys: ['a', 'abc'], count: 5 },
  { name: 'minCreateRevision', req: { key: b('a'), rangeEnd: b('b'), minCreateRevision: 4 }, keys: ['abc', 'a\xff', 'a\xff\xff'], count: 5 },
  { name: 'maxCreateRevision', req: { key: b('a'), rangeEnd: b('b'), maxCreateRevision: 3 }, keys: ['a', 'ab'], count: 5 },
  { name: 'filters then limit: more counts filtered kvs', req: { key: b('a'), rangeEnd: b('b'), minCreateRevision: 4, limit: 2 }, keys: ['abc', 'a\xff'], count: 5, more: true },
  { name: 'filters leaving exactly the limit: no more', req: { key: b('a'), rangeEnd: b('b'), minCreateRevision: 4, limit: 3 }, keys: ['abc', 'a\xff', 'a\xff\xff'], count: 5, more: false },
  { name: 'filters at a past revision', req: { key: b('a'), rangeEnd: b('b'), revision: 6, minModRevision: 4 }, keys: ['a', 'abc'], count: 3 },
];

describe('MvccStore range', () => {
  let h: MvccHarness;

  beforeAll(async () => {
    h = await MvccHarness.create();
    for (const [key, value] of HISTORY) {
      if (value === null) await h.del(key);
      else await h.put(key, value);
    }
  });

  afterAll(async () => {
    await h.destroy();
  });

  it.each(CASES)('$name', async ({ req, keys, count, more }) => {
    const r = await h.range(req);
    expect(r.kvs.map((kv) => str(kv.key))).toEqual(keys);
    expect(r.count).toBe(count ?? keys.length);
    expect(r.more).toBe(more ?? false);
    expect(r.revision).toBe(13); // the header carries the current revision, even for past reads
  });

  it('returns each kv with its revisions, version and lease', async () => {
    const r = await h.range({ key: b('a'), rangeEnd: b('b') });
    expect(r.kvs.map(show)).toEqual([
      { key: 'a', value: '2', create: 2, mod: 6, version: 2, lease: 0n },
      { key: 'ab', value: '2', create: 3, mod: 13, version: 2, lease: 0n },
      { key: 'abc', value: '1', create: 4, mod: 4, version: 1, lease: 0n },
      { key: 'a\xff', value: '1', create: 9, mod: 9, version: 1, lease: 0n },
      { key: 'a\xff\xff', value: '1', create: 10, mod: 10, version: 1, lease: 0n },
    ]);
  });

  it('keysOnly drops values but keeps the rest', async () => {
    const r = await h.range({ key: b('a'), keysOnly: true });
    expect(r.kvs.map(show)).toEqual([{ key: 'a', value: '', create: 2, mod: 6, version: 2, lease: 0n }]);
  });

  it('reads past versions of a key', async () => {
    expect((await h.range({ key: b('a'), revision: 5 })).kvs.map(show)).toEqual([{ key: 'a', value: '1', create: 2, mod: 2, version: 1, lease: 0n }]);
    expect((await h.range({ key: b('ab'), revision: 12 })).kvs.map(show)).toEqual([{ key: 'ab', value: '1', create: 3, mod: 3, version: 1, lease: 0n }]);
  });

  it('rejects an empty key', async () => {
    await expect(h.range({ key: new Uint8Array() })).rejects.toThrow(EmptyKeyError);
    await expect(h.range({ key: new Uint8Array(), rangeEnd: FROM_KEY })).rejects.toMatchObject({ code: 'STORE_EMPTY_KEY', message: 'etcdserver: key is not provided' });
  });

  it('rejects a future revision', async () => {
    await expect(h.range({ key: b('a'), revision: 14 })).rejects.toThrow(FutureRevisionError);
    await expect(h.range({ key: b('a'), revision: 14 })).rejects.toThrow('mvcc: required revision is a future revision');
  });

  it('gives the same answers after the index is rebuilt from disk', async () => {
    const before = await Promise.all(CASES.map((c) => h.range(c.req)));
    await h.reopen();
    const after = await Promise.all(CASES.map((c) => h.range(c.req)));
    expect(after).toEqual(before);
  });
});

describe('MvccStore range after compaction', () => {
  it('fails below the compaction revision and reads at it', async () => {
    const h = await MvccHarness.create();
    try {
      await h.put('k', '1'); // 2
      await h.put('k', '2'); // 3
      await h.put('k', '3'); // 4
      await h.compact(3);
      await expect(h.range({ key: b('k'), revision: 2 })).rejects.toThrow(CompactedError);
      await expect(h.range({ key: b('k'), revision: 2 })).rejects.toThrow('mvcc: required revision has been compacted');
      expect(await h.get('k', undefined, { revision: 3 })).toEqual(['k=2']);
      expect(await h.get('k')).toEqual(['k=3']);
    } finally {
      await h.destroy();
    }
  });
});

describe('prefixEnd', () => {
  it('leaves a Buffer argument as it was (Buffer.slice would share its memory)', () => {
    const key = Buffer.from('svc/');
    expect(Buffer.from(prefixEnd(key)).toString()).toBe('svc0');
    expect(key.toString()).toBe('svc/');
  });
});
