// Puts, deletes and the apply contract: revisions, versions, tombstones, events, limits, applied index.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ApplyOrderError,
  EmptyKeyError,
  KeyNotFoundError,
  LeaseProvidedError,
  RequestTooLargeError,
  ValueProvidedError,
} from '../../store/errors.js';
import { metaCodecs, metaKey, setMeta, deleteMeta } from '../../store/meta.js';
import { FROM_KEY } from '../../store/mvcc/key-bytes.js';
import { DEFAULT_MAX_REQUEST_BYTES } from '../../store/mvcc/validate.js';
import { MvccHarness, b, show, str } from './helpers/mvcc-harness.js';

describe('MvccStore writes', () => {
  let h: MvccHarness;

  beforeEach(async () => {
    h = await MvccHarness.create();
  });

  afterEach(async () => {
    await h.destroy();
  });

  it('gives each write txn the next revision, starting from 1', async () => {
    expect(h.store.revision).toBe(1);
    expect((await h.put('a', '1')).revision).toBe(2);
    expect((await h.put('b', '1')).revision).toBe(3);
    expect(h.store.revision).toBe(3);
  });

  it('tracks create revision and version across overwrites, delete and re-creation', async () => {
    await h.put('k', 'v1'); // 2
    await h.put('k', 'v2'); // 3
    expect((await h.range({ key: b('k') })).kvs.map(show)).toEqual([{ key: 'k', value: 'v2', create: 2, mod: 3, version: 2, lease: 0n }]);
    await h.del('k'); // 4
    await h.put('k', 'v3'); // 5
    expect((await h.range({ key: b('k') })).kvs.map(show)).toEqual([{ key: 'k', value: 'v3', create: 5, mod: 5, version: 1, lease: 0n }]);
    expect((await h.range({ key: b('k'), revision: 4 })).kvs).toEqual([]);
    expect((await h.range({ key: b('k'), revision: 3 })).kvs.map(show)[0]!.value).toBe('v2');
  });

  it('a delete that matches nothing consumes no revision', async () => {
    await h.put('a', '1');
    const r = await h.del('zz');
    expect(r).toEqual({ revision: 2, deleted: 0, prevKvs: [] });
    expect(h.store.revision).toBe(2);
  });

  it('deletes a range in one revision and returns prevKvs on request', async () => {
    await h.put('p/1', 'x'); // 2
    await h.put('p/2', 'y'); // 3
    await h.put('q', 'z'); // 4
    const r = await h.del('p/', 'p0', { prevKv: true });
    expect(r.revision).toBe(5);
    expect(r.deleted).toBe(2);
    expect(r.prevKvs.map((kv) => `${str(kv.key)}=${str(kv.value)}`)).toEqual(['p/1=x', 'p/2=y']);
    expect(await h.get('a', FROM_KEY)).toEqual(['q=z']);
    expect(h.lastEvents.map((e) => [e.type, str(e.kv.key), e.kv.modRevision, e.kv.createRevision, e.kv.version])).toEqual([
      ['delete', 'p/1', 5, 0, 0],
      ['delete', 'p/2', 5, 0, 0],
    ]);
  });

  it('returns prevKv on put when asked', async () => {
    expect((await h.put('k', 'a', { prevKv: true })).prevKv).toBeUndefined();
    const r = await h.put('k', 'b', { prevKv: true });
    expect(show(r.prevKv!)).toEqual({ key: 'k', value: 'a', create: 2, mod: 2, version: 1, lease: 0n });
    expect((await h.put('k', 'c')).prevKv).toBeUndefined();
  });

  it('keeps the value with ignoreValue and the lease with ignoreLease', async () => {
    await h.grant(7n);
    await h.grant(9n);
    await h.put('k', 'v', { lease: 7n });
    await h.write({ type: 'put', request: { key: b('k'), ignoreValue: true, lease: 9n } });
    expect((await h.range({ key: b('k') })).kvs.map(show)).toEqual([{ key: 'k', value: 'v', create: 2, mod: 3, version: 2, lease: 9n }]);
    await h.write({ type: 'put', request: { key: b('k'), value: b('w'), ignoreLease: true } });
    expect((await h.range({ key: b('k') })).kvs.map(show)).toEqual([{ key: 'k', value: 'w', create: 2, mod: 4, version: 3, lease: 9n }]);
  });

  it('stores any int64 lease ID', async () => {
    for (const lease of [1n, -1n, 0x7fff_ffff_ffff_ffffn, -0x8000_0000_0000_0000n]) {
      await h.grant(lease);
      await h.put('k', 'v', { lease });
      expect((await h.range({ key: b('k') })).kvs[0]!.lease).toBe(lease);
    }
    await h.reopen();
    expect((await h.range({ key: b('k') })).kvs[0]!.lease).toBe(-0x8000_0000_0000_0000n);
  });

  it.each([
    {
      name: 'ignoreValue on a missing key',
      request: { key: b('missing'), ignoreValue: true },
      error: KeyNotFoundError,
      message: 'etcdserver: key not found',
    },
    {
      name: 'ignoreLease on a missing key',
      request: { key: b('missing'), value: b('v'), ignoreLease: true },
      error: KeyNotFoundError,
      message: 'etcdserver: key not found',
    },
    { name: 'an empty key', request: { key: new Uint8Array(), value: b('v') }, error: EmptyKeyError, message: 'etcdserver: key is not provided' },
    { name: 'ignoreValue with a value', request: { key: b('k'), value: b('v'), ignoreValue: true }, error: ValueProvidedError, message: 'etcdserver: value is provided' },
    { name: 'ignoreLease with a lease', request: { key: b('k'), lease: 5n, ignoreLease: true }, error: LeaseProvidedError, message: 'etcdserver: lease is provided' },
  ])('fails a put with $name like etcd, consuming no revision', async ({ request, error, message }) => {
    await h.put('k', 'v');
    const [outcome] = await h.store.applyBatch([{ index: 2, request: { type: 'put', request } }]);
    expect(outcome!.status).toBe('failed');
    if (outcome!.status !== 'failed') return;
    expect(outcome!.error).toBeInstanceOf(error);
    expect(outcome!.error.message).toBe(message);
    expect(h.store.revision).toBe(2);
    expect(h.store.appliedIndex).toBe(2); // the entry itself was applied
  });

  it('rejects a delete with an empty key', async () => {
    await expect(h.write({ type: 'deleteRange', request: { key: new Uint8Array(), rangeEnd: FROM_KEY } })).rejects.toThrow(EmptyKeyError);
  });

  it("enforces etcd's default request size limit", async () => {
    const big = new Uint8Array(DEFAULT_MAX_REQUEST_BYTES);
    await expect(h.write({ type: 'put', request: { key: b('k'), value: big } })).rejects.toThrow(RequestTooLargeError);
    await expect(h.write({ type: 'put', request: { key: b('k'), value: big } })).rejects.toThrow('etcdserver: request is too large');
    const fits = new Uint8Array(DEFAULT_MAX_REQUEST_BYTES - 64);
    expect((await h.write({ type: 'put', request: { key: b('k'), value: fits } })).response.revision).toBe(2);
  });

  it('applies a configured request and key size limit', async () => {
    const small = await MvccHarness.create({ limits: { maxRequestBytes: 100, maxKeyBytes: 10 } });
    try {
      await expect(small.put('k', 'x'.repeat(100))).rejects.toThrow(RequestTooLargeError);
      await expect(small.put('k'.repeat(11), 'x')).rejects.toThrow(RequestTooLargeError);
      await expect(small.range({ key: b('k'.repeat(11)) })).resolves.toMatchObject({ count: 0 });
      expect((await small.put('k', 'x'.repeat(50))).revision).toBe(2);
    } finally {
      await small.destroy();
    }
  });

  it('reports put and delete events, with prevKv when asked', async () => {
    await h.put('k', 'a');
    expect(h.lastEvents.map((e) => ({ type: e.type, kv: show(e.kv), prev: e.prevKv }))).toEqual([
      { type: 'put', kv: { key: 'k', value: 'a', create: 2, mod: 2, version: 1, lease: 0n }, prev: undefined },
    ]);
    await h.write({ type: 'put', request: { key: b('k'), value: b('b') } }, { eventsWithPrevKv: true });
    expect(show(h.lastEvents[0]!.prevKv!)).toEqual({ key: 'k', value: 'a', create: 2, mod: 2, version: 1, lease: 0n });
    await h.write({ type: 'deleteRange', request: { key: b('k') } }, { eventsWithPrevKv: true });
    expect(h.lastEvents.map((e) => ({ type: e.type, kv: show(e.kv), prev: show(e.prevKv!) }))).toEqual([
      {
        type: 'delete',
        kv: { key: 'k', value: '', create: 0, mod: 4, version: 0, lease: 0n },
        prev: { key: 'k', value: 'b', create: 2, mod: 3, version: 2, lease: 0n },
      },
    ]);
  });
});

describe('MvccStore applyBatch', () => {
  let h: MvccHarness;

  beforeEach(async () => {
    h = await MvccHarness.create();
  });

  afterEach(async () => {
    await h.destroy();
  });

  const put = (key: string, value: string) => ({ type: 'put' as const, request: { key: b(key), value: b(value) } });

  it('applies several entries in order, each at its own revision', async () => {
    const outcomes = await h.store.applyBatch([
      { index: 1, request: put('a', '1') },
      { index: 2, request: put('a', '2') },
      { index: 3, request: { type: 'noop' } },
      { index: 4, request: put('b', '1') },
    ]);
    expect(outcomes.map((o) => (o.status === 'applied' ? o.response.response.revision : o.status))).toEqual([2, 3, 3, 4]);
    expect(h.store.appliedIndex).toBe(4);
    expect(await h.get('a', FROM_KEY)).toEqual(['a=2', 'b=1']);
  });

  it('skips entries at or below the applied index, also after a reopen', async () => {
    await h.store.applyBatch([{ index: 1, request: put('a', '1') }, { index: 2, request: put('a', '2') }]);
    await h.reopen();
    expect(h.store.appliedIndex).toBe(2);
    const outcomes = await h.store.applyBatch([
      { index: 1, request: put('a', '1') },
      { index: 2, request: put('a', '2') },
      { index: 3, request: put('a', '3') },
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['skipped', 'skipped', 'applied']);
    expect((await h.range({ key: b('a') })).kvs[0]!.version).toBe(3);
  });

  it('a batch of only applied entries writes nothing', async () => {
    await h.store.applyBatch([{ index: 5, request: put('a', '1') }]);
    expect((await h.store.applyBatch([{ index: 5, request: put('a', '9') }]))[0]!.status).toBe('skipped');
    expect(await h.get('a')).toEqual(['a=1']);
  });

  it('refuses entries out of order, applying none of them', async () => {
    await expect(h.store.applyBatch([{ index: 2, request: put('a', '1') }, { index: 2, request: put('b', '1') }])).rejects.toThrow(ApplyOrderError);
    expect(h.store.appliedIndex).toBe(0);
    expect(h.store.revision).toBe(1);
  });

  it('a failed request in a batch leaves the others applied', async () => {
    const outcomes = await h.store.applyBatch([
      { index: 1, request: put('a', '1') },
      { index: 2, request: { type: 'put', request: { key: b('nope'), ignoreValue: true } } },
      { index: 3, request: put('b', '1') },
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['applied', 'failed', 'applied']);
    expect(h.store.revision).toBe(3);
    expect(h.store.appliedIndex).toBe(3);
  });

  it('keeps the confState and state meta with the applied index', async () => {
    const CLUSTER = metaKey('cluster', metaCodecs.json<{ members: number[] }>());
    const NAME = metaKey('name', metaCodecs.string);
    await h.store.applyBatch([
      { index: 1, request: { type: 'noop' }, confState: { voters: [1, 2, 3], learners: [] }, meta: [setMeta(CLUSTER, { members: [1, 2, 3] }), setMeta(NAME, 'x')] },
      { index: 2, request: { type: 'noop' }, meta: [deleteMeta(NAME)] },
    ]);
    expect(h.store.meta(CLUSTER)).toEqual({ members: [1, 2, 3] });
    expect(h.store.meta(NAME)).toBeUndefined();
    await h.reopen();
    expect(h.store.appliedIndex).toBe(2);
    expect(h.store.confState).toEqual({ voters: [1, 2, 3], learners: [] });
    expect(h.store.meta(CLUSTER)).toEqual({ members: [1, 2, 3] });
    expect(h.store.meta(NAME)).toBeUndefined();
    expect(h.store.revision).toBe(1);
  });
});
