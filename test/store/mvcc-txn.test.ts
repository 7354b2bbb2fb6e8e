// Txns: every compare target and operator, branches, nesting, and etcd's request checks.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuplicateKeyError, EmptyKeyError, FutureRevisionError, KeyNotFoundError, NotReadOnlyError, TooManyOpsError } from '../../store/errors.js';
import { FROM_KEY, prefixEnd } from '../../store/mvcc/key-bytes.js';
import type { Compare, CompareResult, CompareTarget, RequestOp, TxnRequest } from '../../store/mvcc/types.js';
import { MvccHarness, b, str } from './helpers/mvcc-harness.js';

const put = (key: string, value: string): RequestOp => ({ type: 'put', request: { key: b(key), value: b(value) } });
const get = (key: string, rangeEnd?: Uint8Array): RequestOp => ({ type: 'range', request: { key: b(key), ...(rangeEnd ? { rangeEnd } : {}) } });
const del = (key: string, rangeEnd?: Uint8Array): RequestOp => ({ type: 'deleteRange', request: { key: b(key), ...(rangeEnd ? { rangeEnd } : {}) } });
const txn = (request: TxnRequest): RequestOp => ({ type: 'txn', request });
const cmp = (key: string, result: CompareResult, target: CompareTarget, rangeEnd?: Uint8Array): Compare => ({
  key: b(key),
  result,
  ...target,
  ...(rangeEnd ? { rangeEnd } : {}),
});

describe('MvccStore txn compares', () => {
  let h: MvccHarness;

  beforeEach(async () => {
    h = await MvccHarness.create();
    await h.grant(5n); // no revision
    await h.put('k', 'm', { lease: 5n }); // 2
    await h.put('other', 'x'); // 3
    await h.put('k', 'm'.repeat(1), { lease: 5n }); // 4: k version 2, create 2, mod 4
  });

  afterEach(async () => {
    await h.destroy();
  });

  // k: version 2, create 2, mod 4, value "m", lease 5.
  const operands: { target: CompareTarget; below: CompareTarget; above: CompareTarget }[] = [
    { target: { target: 'version', version: 2 }, below: { target: 'version', version: 1 }, above: { target: 'version', version: 3 } },
    { target: { target: 'create', createRevision: 2 }, below: { target: 'create', createRevision: 1 }, above: { target: 'create', createRevision: 3 } },
    { target: { target: 'mod', modRevision: 4 }, below: { target: 'mod', modRevision: 3 }, above: { target: 'mod', modRevision: 5 } },
    { target: { target: 'value', value: b('m') }, below: { target: 'value', value: b('l') }, above: { target: 'value', value: b('n') } },
    { target: { target: 'lease', lease: 5n }, below: { target: 'lease', lease: 4n }, above: { target: 'lease', lease: 6n } },
  ];
  const table = operands.flatMap(({ target, below, above }) =>
    (
      [
        ['equal', target, true],
        ['equal', below, false],
        ['notEqual', target, false],
        ['notEqual', above, true],
        ['greater', below, true],
        ['greater', target, false],
        ['less', above, true],
        ['less', target, false],
      ] as const
    ).map(([result, operand, holds]) => ({ name: `${target.target} ${result} ${JSON.stringify(operand, (_, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? str(v) : v))}`, result, operand, holds })),
  );

  it.each(table)('$name → $holds', async ({ result, operand, holds }) => {
    const r = await h.txn({ compare: [cmp('k', result, operand)], success: [get('k')], failure: [] });
    expect(r.succeeded).toBe(holds);
    expect(r.responses.length).toBe(holds ? 1 : 0);
  });

  it.each([
    { name: 'version = 0', compare: cmp('nope', 'equal', { target: 'version', version: 0 }), holds: true },
    { name: 'create = 0', compare: cmp('nope', 'equal', { target: 'create', createRevision: 0 }), holds: true },
    { name: 'mod < 1', compare: cmp('nope', 'less', { target: 'mod', modRevision: 1 }), holds: true },
    { name: 'lease = 0', compare: cmp('nope', 'equal', { target: 'lease', lease: 0n }), holds: true },
    { name: 'value = "" (a missing value is not empty)', compare: cmp('nope', 'equal', { target: 'value', value: new Uint8Array() }), holds: false },
    { name: 'value != "x"', compare: cmp('nope', 'notEqual', { target: 'value', value: b('x') }), holds: false },
  ])('on a missing key: $name → $holds', async ({ compare, holds }) => {
    expect((await h.txn({ compare: [compare] })).succeeded).toBe(holds);
  });

  it('over a range holds only if it holds for every key', async () => {
    await h.put('r/1', 'a'); // 5
    await h.put('r/2', 'b'); // 6
    const end = prefixEnd(b('r/'));
    expect((await h.txn({ compare: [cmp('r/', 'greater', { target: 'create', createRevision: 4 }, end)] })).succeeded).toBe(true);
    expect((await h.txn({ compare: [cmp('r/', 'greater', { target: 'create', createRevision: 5 }, end)] })).succeeded).toBe(false);
    expect((await h.txn({ compare: [cmp('r/', 'equal', { target: 'version', version: 1 }, FROM_KEY)] })).succeeded).toBe(true);
    // An empty range compares like a missing key.
    expect((await h.txn({ compare: [cmp('s/', 'equal', { target: 'version', version: 0 }, prefixEnd(b('s/')))] })).succeeded).toBe(true);
  });

  it('needs every compare to hold', async () => {
    const yes = cmp('k', 'equal', { target: 'version', version: 2 });
    const no = cmp('k', 'equal', { target: 'version', version: 3 });
    expect((await h.txn({ compare: [yes, yes] })).succeeded).toBe(true);
    expect((await h.txn({ compare: [yes, no] })).succeeded).toBe(false);
    expect((await h.txn({ compare: [] })).succeeded).toBe(true);
  });
});

describe('MvccStore txn execution', () => {
  let h: MvccHarness;

  beforeEach(async () => {
    h = await MvccHarness.create();
  });

  afterEach(async () => {
    await h.destroy();
  });

  it('runs the success or failure branch and answers each op', async () => {
    await h.put('k', 'v'); // 2
    const ok = await h.txn({
      compare: [cmp('k', 'equal', { target: 'value', value: b('v') })],
      success: [put('k', 'w'), get('k'), del('gone')],
      failure: [put('never', 'x')],
    });
    expect(ok.succeeded).toBe(true);
    expect(ok.revision).toBe(3);
    expect(ok.responses.map((r) => r.type)).toEqual(['put', 'range', 'deleteRange']);
    const failed = await h.txn({ compare: [cmp('k', 'equal', { target: 'value', value: b('v') })], success: [put('never', 'x')], failure: [get('k')] });
    expect(failed.succeeded).toBe(false);
    expect(failed.revision).toBe(3); // read-only branch: no new revision
    expect(await h.get('never')).toEqual([]);
  });

  it('puts all changes at one main revision and reads its own writes', async () => {
    await h.put('a', '0'); // 2
    await h.put('c', '0'); // 3
    const r = await h.txn({ success: [put('a', '1'), put('b', '1'), get('a', FROM_KEY), del('c'), get('a', FROM_KEY)] });
    expect(r.revision).toBe(4);
    const seen = r.responses.flatMap((x) => (x.type === 'range' ? [x.response.kvs.map((kv) => `${str(kv.key)}=${str(kv.value)}@${kv.modRevision}`)] : []));
    expect(seen).toEqual([
      ['a=1@4', 'b=1@4', 'c=0@3'],
      ['a=1@4', 'b=1@4'],
    ]);
    expect(await h.get('a', FROM_KEY)).toEqual(['a=1', 'b=1']);
    expect(h.store.revision).toBe(4);
    expect(h.lastEvents.map((e) => `${e.type} ${str(e.kv.key)}`)).toEqual(['put a', 'put b', 'delete c']);
  });

  it('decides nested txns against the state before the txn, as etcd does', async () => {
    await h.put('k', 'v1');
    const r = await h.txn({
      success: [
        put('k', 'v2'),
        txn({ compare: [cmp('k', 'equal', { target: 'value', value: b('v1') })], success: [put('x', 'saw v1')], failure: [put('x', 'saw v2')] }),
      ],
    });
    expect(r.responses[1]).toMatchObject({ type: 'txn', response: { succeeded: true } });
    expect(await h.get('x')).toEqual(['x=saw v1']);
  });

  it('reads at a past revision inside a txn', async () => {
    await h.put('k', 'old'); // 2
    await h.put('k', 'new'); // 3
    const r = await h.txn({ success: [{ type: 'range', request: { key: b('k'), revision: 2 } }] });
    expect(r.responses[0]).toMatchObject({ type: 'range', response: { kvs: [{ value: b('old') }] } });
  });

  it('fails as a whole, before any change, when a chosen op would fail', async () => {
    await h.put('k', 'v'); // 2
    await expect(h.txn({ success: [put('a', '1'), { type: 'put', request: { key: b('missing'), ignoreValue: true } }] })).rejects.toThrow(KeyNotFoundError);
    await expect(h.txn({ success: [put('a', '1'), { type: 'range', request: { key: b('k'), revision: 99 } }] })).rejects.toThrow(FutureRevisionError);
    await expect(h.txn({ success: [put('a', '1'), txn({ success: [{ type: 'put', request: { key: b('missing'), ignoreLease: true } }] })] })).rejects.toThrow(KeyNotFoundError);
    expect(h.store.revision).toBe(2);
    expect(await h.get('a')).toEqual([]);
    // The branch not taken is not checked.
    const r = await h.txn({ compare: [cmp('k', 'equal', { target: 'version', version: 9 })], success: [{ type: 'put', request: { key: b('missing'), ignoreValue: true } }], failure: [] });
    expect(r.succeeded).toBe(false);
  });

  it('serves read-only txns from committed state, and refuses writes there', async () => {
    await h.put('k', 'v');
    const r = await h.store.readTxn({ compare: [cmp('k', 'equal', { target: 'version', version: 1 })], success: [get('k')], failure: [] });
    expect(r).toMatchObject({ revision: 2, succeeded: true, responses: [{ type: 'range', response: { count: 1 } }] });
    await expect(h.store.readTxn({ success: [put('k', 'x')] })).rejects.toThrow(NotReadOnlyError);
    await expect(h.store.readTxn({ success: [txn({ success: [get('k')] })] })).rejects.toThrow(NotReadOnlyError);
  });
});

describe('MvccStore txn checks', () => {
  let h: MvccHarness;

  beforeEach(async () => {
    h = await MvccHarness.create({ limits: { maxTxnOps: 4 } });
  });

  afterEach(async () => {
    await h.destroy();
  });

  it.each<{ name: string; req: TxnRequest; ok: boolean }>([
    { name: 'two puts to one key', req: { success: [put('a', '1'), put('a', '2')] }, ok: false },
    { name: 'puts to one key in different branches', req: { success: [put('a', '1')], failure: [put('a', '2')] }, ok: true },
    { name: 'a put and a delete of the same key', req: { success: [del('a'), put('a', '1')] }, ok: false },
    { name: 'a put inside a deleted range', req: { success: [put('b', '1'), del('a', b('c'))] }, ok: false },
    { name: 'a put at the deleted range end', req: { success: [put('c', '1'), del('a', b('c'))] }, ok: true },
    { name: 'a put and a from-key delete (etcd does not see the overlap)', req: { success: [put('b', '1'), del('a', FROM_KEY)] }, ok: true },
    { name: 'a put and a nested put of the same key', req: { success: [put('a', '1'), txn({ success: [put('a', '2')] })] }, ok: false },
    { name: 'the same key in both branches of a nested txn', req: { success: [txn({ success: [put('a', '1')], failure: [put('a', '2')] })] }, ok: true },
    { name: 'a nested put under an outer delete', req: { success: [del('a'), txn({ success: [put('a', '1')] })] }, ok: false },
    { name: 'puts in two nested txns', req: { success: [txn({ success: [put('a', '1')] }), txn({ failure: [put('a', '2')] })] }, ok: false },
    { name: 'two deletes of one key', req: { success: [del('a'), del('a')] }, ok: true },
  ])('$name: ok=$ok', async ({ req, ok }) => {
    const applied = h.txn(req);
    if (ok) await expect(applied).resolves.toBeDefined();
    else await expect(applied).rejects.toThrow(DuplicateKeyError);
  });

  it('gives the duplicate-key error etcd gives', async () => {
    await expect(h.txn({ success: [put('a', '1'), put('a', '2')] })).rejects.toMatchObject({
      code: 'STORE_DUPLICATE_KEY',
      message: 'etcdserver: duplicate key given in txn request',
    });
  });

  it('limits the ops of each branch and the compares', async () => {
    const ops = (n: number) => Array.from({ length: n }, (_, i) => get(`k${i}`));
    const cmps = (n: number) => Array.from({ length: n }, (_, i) => cmp(`k${i}`, 'equal', { target: 'version', version: 0 }));
    await expect(h.txn({ success: ops(4), failure: ops(4), compare: cmps(4) })).resolves.toBeDefined();
    await expect(h.txn({ success: ops(5) })).rejects.toThrow(TooManyOpsError);
    await expect(h.txn({ failure: ops(5) })).rejects.toThrow('etcdserver: too many operations in txn request');
    await expect(h.txn({ compare: cmps(5) })).rejects.toThrow(TooManyOpsError);
  });

  it('gives a nested txn only the ops its parent leaves', async () => {
    const ops = (n: number) => Array.from({ length: n }, (_, i) => get(`k${i}`));
    // The parent uses 2 of 4, so a nested txn may have 2.
    await expect(h.txn({ success: [txn({ success: ops(2) }), get('x')] })).resolves.toBeDefined();
    await expect(h.txn({ success: [txn({ success: ops(3) }), get('x')] })).rejects.toThrow(TooManyOpsError);
  });

  it('defaults to etcd’s 128 ops', async () => {
    const d = await MvccHarness.create();
    try {
      const ops = (n: number) => Array.from({ length: n }, (_, i) => put(`k${i}`, 'v'));
      await expect(d.txn({ success: ops(129) })).rejects.toThrow(TooManyOpsError);
      expect((await d.txn({ success: ops(128) })).revision).toBe(2);
      expect((await d.range({ key: b('k'), rangeEnd: b('l'), countOnly: true })).count).toBe(128);
    } finally {
      await d.destroy();
    }
  });

  it('rejects empty keys in compares and ops', async () => {
    await expect(h.txn({ compare: [cmp('', 'equal', { target: 'version', version: 0 })] })).rejects.toThrow(EmptyKeyError);
    await expect(h.txn({ success: [get('')] })).rejects.toThrow(EmptyKeyError);
    await expect(h.txn({ failure: [put('', 'v')] })).rejects.toThrow(EmptyKeyError);
    await expect(h.txn({ success: [txn({ success: [del('')] })] })).rejects.toThrow(EmptyKeyError);
  });
});
