// The etcd3 npm client against a target: puts and gets (values as strings, numbers, JSON,
// buffers), prefix reads with sort, limit and count, deletes, if/then/else transactions with every
// compare, reads at past revisions through the raw KV client, and compaction. What it answers is
// what it answers against etcd 3.4.
import { Etcd3, GRPCOutOfRangeError, type Namespace } from 'etcd3';
import { afterAll, expect } from 'vitest';
import { compatTest, type SuiteContext, type TestTools } from './suite.js';

export const ETCD3_CLIENT_SUITE = 'etcd3 client';

/** JSON of a client result, buffers as their text, for the transcript. */
function show(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      return `<bytes ${Buffer.from((v as { data: number[] }).data).toString('utf8')}>`;
    }
    return v;
  });
}

/** Runs one client call, records what it answered (or the error it threw), and returns it. */
async function step<T>(t: TestTools, label: string, run: () => PromiseLike<T>): Promise<T> {
  try {
    const result = await run();
    t.record(label, show(result));
    return result;
  } catch (e) {
    t.record(label, `threw ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`);
    throw e;
  }
}

/** Expects the call to throw; records and returns the error. */
async function rejects(t: TestTools, label: string, run: () => PromiseLike<unknown>): Promise<Error> {
  try {
    const result = await run();
    t.record(label, `answered ${show(result)}`);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    t.record(label, `threw ${err.constructor.name}: ${err.message}`);
    return err;
  }
  throw new Error(`${label} should have failed`);
}

/** Which response a txn op carries (the client decodes oneofs with their name, untyped). */
function kind(op: object): string | undefined {
  return (op as { response?: string }).response;
}

const COMPACTED = 'etcdserver: mvcc: required revision has been compacted';
const FUTURE = 'etcdserver: mvcc: required revision is a future revision';

export function etcd3ClientSuite(ctx: SuiteContext): void {
  let client: Etcd3 | undefined;
  const etcd = (): Etcd3 => {
    client ??= new Etcd3({ hosts: ctx.target.endpoints.map((e) => `http://${e}`), dialTimeout: 5000 });
    return client;
  };
  afterAll(() => client?.close());
  /** The test's keys, through the client's own namespace support. */
  const ns = (t: TestTools): Namespace => etcd().namespace(t.dir);
  const revisionOf = async (t: TestTools, key: string, value: string): Promise<number> =>
    Number((await step(t, `put ${key}`, () => ns(t).put(key).value(value).exec())).header.revision);
  const test = (name: string, body: (t: TestTools) => Promise<void>, options?: Parameters<typeof compatTest>[3]): void =>
    compatTest(ctx, name, body, options);

  test('put, then get as a string, a number, JSON or a buffer; a missing key is null', async (t) => {
    const kv = ns(t);
    await step(t, 'put s', () => kv.put('s').value('hello'));
    await step(t, 'put n', () => kv.put('n').value(42));
    await step(t, 'put j', () => kv.put('j').value(JSON.stringify({ a: [1, 2] })));
    expect(await step(t, 'get s', () => kv.get('s').string())).toBe('hello');
    expect(await step(t, 'get n', () => kv.get('n').number())).toBe(42);
    expect(await step(t, 'get j', () => kv.get('j').json())).toEqual({ a: [1, 2] });
    expect((await step(t, 'get s buffer', () => kv.get('s').buffer()))?.toString()).toBe('hello');
    expect(await step(t, 'get missing', () => kv.get('missing').string())).toBeNull();
    expect(await step(t, 'exists s', () => kv.get('s').exists())).toBe(true);
    expect(await step(t, 'exists missing', () => kv.get('missing').exists())).toBe(false);
  });

  test('put getPrevious answers the pair the put replaced', async (t) => {
    const kv = ns(t);
    const first = await step(t, 'put k first', () => kv.put('k').value('first').getPrevious());
    // Nothing was replaced: the client answers only the header.
    expect(Object.keys(first)).toEqual(['header']);
    const prev = await step(t, 'put k second', () => kv.put('k').value('second').getPrevious());
    expect(prev?.value.toString()).toBe('first');
    expect(prev?.key.toString()).toBe(`${t.dir}k`);
    expect(prev?.version).toBe('1');
  });

  test('getAll().prefix() answers the keys under the prefix in byte order; keys() and count()', async (t) => {
    const kv = ns(t);
    for (const [k, v] of [['p/b', '2'], ['p/a', '1'], ['p/c', '3'], ['q', 'outside']] as const) await step(t, `put ${k}`, () => kv.put(k).value(v));
    expect(await step(t, 'strings', () => kv.getAll().prefix('p/').strings())).toEqual({ 'p/a': '1', 'p/b': '2', 'p/c': '3' });
    expect(await step(t, 'keys', () => kv.getAll().prefix('p/').keys())).toEqual(['p/a', 'p/b', 'p/c']);
    expect(await step(t, 'count', () => kv.getAll().prefix('p/').count())).toBe(3);
    expect(await step(t, 'all keys', () => kv.getAll().keys())).toEqual(['p/a', 'p/b', 'p/c', 'q']);
    // count() asks with count_only: the answer has the count and no pairs.
    const raw = await step(t, 'raw count_only', () =>
      etcd().kv.range({ key: Buffer.from(`${t.dir}p/`), range_end: Buffer.from(`${t.dir}p0`), count_only: true }),
    );
    expect(raw.kvs).toEqual([]);
    expect(raw.count).toBe('3');
    expect(raw.more).toBe(false);
  });

  test('getAll() sorts by key, version, create, mod and value both ways, and limits', async (t) => {
    const kv = ns(t);
    // Created b, c, a; modified last a, c, b; versions a 1, c 2, b 3; values c < a < b.
    for (const [k, v] of [['b', '3'], ['c', '0'], ['a', '2'], ['c', '1'], ['b', '3'], ['b', '3']] as const) await step(t, `put ${k}`, () => kv.put(k).value(v));
    const sorted = (target: 'Key' | 'Version' | 'Create' | 'Mod' | 'Value', order: 'Ascend' | 'Descend'): Promise<string[]> =>
      step(t, `sort ${target} ${order}`, () => kv.getAll().sort(target, order).keys());
    expect(await sorted('Key', 'Descend')).toEqual(['c', 'b', 'a']);
    expect(await sorted('Create', 'Ascend')).toEqual(['b', 'c', 'a']);
    expect(await sorted('Create', 'Descend')).toEqual(['a', 'c', 'b']);
    expect(await sorted('Mod', 'Ascend')).toEqual(['a', 'c', 'b']);
    expect(await sorted('Version', 'Descend')).toEqual(['b', 'c', 'a']);
    expect(await sorted('Value', 'Ascend')).toEqual(['c', 'a', 'b']);
    expect(await step(t, 'limit 2', () => kv.getAll().limit(2).keys())).toEqual(['a', 'b']);
    const limited = await step(t, 'limit 2 exec', () => kv.getAll().limit(2).exec());
    expect(limited.more).toBe(true);
    expect(limited.count).toBe('3');
  });

  test('range reads: [start, end) and from a key on', async (t) => {
    const kv = ns(t);
    for (const k of ['a', 'b', 'c', 'd']) await step(t, `put ${k}`, () => kv.put(k).value(k));
    expect(await step(t, 'inRange b..d', () => kv.getAll().inRange({ start: 'b', end: 'd' }).keys())).toEqual(['b', 'c']);
    const fromKey = await step(t, 'raw from key', () =>
      etcd().kv.range({ key: Buffer.from(`${t.dir}c`), range_end: Buffer.from([0]), keys_only: true }),
    );
    const keys = fromKey.kvs.map((kv) => kv.key.toString());
    expect(keys.slice(0, 2)).toEqual([`${t.dir}c`, `${t.dir}d`]);
    expect(keys).not.toContain(`${t.dir}b`);
    expect(fromKey.kvs[0]!.value.length).toBe(0);
  }, { dir: '~range' });

  test('delete a key, a range and a prefix: the counts, and getPrevious() gives the deleted pairs', async (t) => {
    const kv = ns(t);
    for (const k of ['a', 'b', 'c', 'd', 'p/1', 'p/2']) await step(t, `put ${k}`, () => kv.put(k).value(`v-${k}`));
    expect((await step(t, 'delete missing', () => kv.delete().key('missing'))).deleted).toBe('0');
    expect((await step(t, 'delete a', () => kv.delete().key('a'))).deleted).toBe('1');
    expect((await step(t, 'delete b..d', () => kv.delete().inRange({ start: 'b', end: 'd' }))).deleted).toBe('2');
    const prev = await step(t, 'delete prefix p/ with previous', () => kv.delete().prefix('p/').getPrevious());
    expect(prev.map((p) => [p.key.toString(), p.value.toString()])).toEqual([[`${t.dir}p/1`, 'v-p/1'], [`${t.dir}p/2`, 'v-p/2']]);
    expect(await step(t, 'what is left', () => kv.getAll().strings())).toEqual({ d: 'v-d' });
  });

  test('if().then().else(): Value compares with ==, !=, > and <', async (t) => {
    const kv = ns(t);
    await step(t, 'put k', () => kv.put('k').value('abd'));
    const cases: ['==' | '!=' | '>' | '<', string, boolean][] = [
      ['==', 'abd', true], ['==', 'abc', false], ['!=', 'abc', true], ['!=', 'abd', false],
      ['>', 'abc', true], ['>', 'abd', false], ['<', 'abe', true], ['<', 'abd', false],
    ];
    for (const [cmp, value, expected] of cases) {
      const res = await step(t, `if Value ${cmp} ${value}`, () => kv.if('k', 'Value', cmp, value).then(kv.put('marker').value(cmp)).else(kv.get('k')).commit());
      expect(res.succeeded, `Value ${cmp} ${value}`).toBe(expected);
      const op = res.responses[0]!;
      expect(kind(op)).toBe(expected ? 'response_put' : 'response_range');
      if (!expected) expect(op.response_range?.kvs[0]?.value.toString()).toBe('abd');
    }
  });

  test('if().then().else(): Version, Create and Mod compares with ==, !=, > and <', async (t) => {
    const kv = ns(t);
    const created = await revisionOf(t, 'k', '1');
    await step(t, 'put other', () => kv.put('other').value('x'));
    const modified = await revisionOf(t, 'k', '2');
    const cases: ['Version' | 'Create' | 'Mod', '==' | '!=' | '>' | '<', number, boolean][] = [
      ['Version', '==', 2, true], ['Version', '==', 1, false], ['Version', '!=', 1, true], ['Version', '>', 2, false], ['Version', '<', 3, true],
      ['Create', '==', created, true], ['Create', '!=', created, false], ['Create', '>', created - 1, true], ['Create', '<', created, false],
      ['Mod', '==', modified, true], ['Mod', '==', created, false], ['Mod', '!=', created, true], ['Mod', '>', modified, false], ['Mod', '<', modified + 1, true],
    ];
    for (const [target, cmp, value, expected] of cases) {
      const res = await step(t, `if ${target} ${cmp} ${value}`, () => kv.if('k', target, cmp, value).then(kv.get('k')).else(kv.get('other')).commit());
      expect(res.succeeded, `${target} ${cmp} ${value}`).toBe(expected);
    }
    // A missing key has version, create and mod revision 0.
    for (const target of ['Version', 'Create', 'Mod'] as const) {
      expect((await step(t, `missing ${target} == 0`, () => kv.if('missing', target, '==', 0).commit())).succeeded).toBe(true);
    }
  });

  test('if().and(): every compare must hold; the branch responses come back in order', async (t) => {
    const kv = ns(t);
    await step(t, 'put a', () => kv.put('a').value('1'));
    await step(t, 'put b', () => kv.put('b').value('2'));
    const ok = await step(t, 'txn both hold', () =>
      kv.if('a', 'Value', '==', '1').and('b', 'Value', '==', '2').then(kv.get('a'), kv.put('c').value('3'), kv.delete().key('b'), kv.get('c')).else(kv.put('failed').value('x')).commit(),
    );
    expect(ok.succeeded).toBe(true);
    expect(ok.responses.map(kind)).toEqual(['response_range', 'response_put', 'response_delete_range', 'response_range']);
    expect(ok.responses[2]!.response_delete_range?.deleted).toBe('1');
    expect(ok.responses[3]!.response_range?.kvs[0]?.value.toString()).toBe('3');
    const no = await step(t, 'txn one fails', () =>
      kv.if('a', 'Value', '==', '1').and('c', 'Value', '==', 'nope').then(kv.put('failed').value('x')).else(kv.get('a')).commit(),
    );
    expect(no.succeeded).toBe(false);
    expect(await step(t, 'get failed', () => kv.get('failed').string())).toBeNull();
    expect(Number(ok.header.revision)).toBe(Number(no.header.revision));
  });

  test('txn: the header of each response inside carries only its revision', async (t) => {
    const kv = ns(t);
    const rev = await revisionOf(t, 'k', 'v');
    const res = await step(t, 'txn get, put, get', () => kv.if('k', 'Value', '==', 'v').then(kv.get('k'), kv.put('k').value('w'), kv.get('k')).commit());
    expect(res.header).toMatchObject({ revision: String(rev + 1) });
    expect(res.header.member_id).not.toBe('0');
    const inner = res.responses.map((op) => (op.response_range ?? op.response_put)?.header);
    // etcd fills in the revision only (proto3 defaults read as "0"); the range before the put reads
    // at the txn's start, the one after it sees the put.
    expect(inner).toEqual([
      { cluster_id: '0', member_id: '0', revision: String(rev), raft_term: '0' },
      { cluster_id: '0', member_id: '0', revision: String(rev + 1), raft_term: '0' },
      { cluster_id: '0', member_id: '0', revision: String(rev + 1), raft_term: '0' },
    ]);
  });

  test('reads at a past revision: get().revision() and kv.range({ revision })', async (t) => {
    const kv = ns(t);
    const r1 = await revisionOf(t, 'k', 'v1');
    const r2 = await revisionOf(t, 'k', 'v2');
    expect(await step(t, 'get at r1', () => kv.get('k').revision(r1).string())).toBe('v1');
    expect(await step(t, 'get at r2', () => kv.get('k').revision(r2).string())).toBe('v2');
    expect(await step(t, 'get before r1', () => kv.get('k').revision(r1 - 1).string())).toBeNull();
    const raw = await step(t, 'raw range at r1', () => etcd().kv.range({ key: Buffer.from(`${t.dir}k`), revision: String(r1) }));
    expect(raw.kvs[0]).toMatchObject({ mod_revision: String(r1), create_revision: String(r1), version: '1' });
    expect(Number(raw.header.revision)).toBeGreaterThanOrEqual(r2);
  });

  test("kv.compact: reads below the compacted revision throw etcd's error, at it they succeed", async (t) => {
    const kv = ns(t);
    const r1 = await revisionOf(t, 'k', 'v1');
    const r2 = await revisionOf(t, 'k', 'v2');
    await revisionOf(t, 'k', 'v3');
    const compacted = await step(t, 'compact r2', () => etcd().kv.compact({ revision: String(r2), physical: true }));
    expect(Number(compacted.header.revision)).toBeGreaterThan(r2);
    const err = await rejects(t, 'get at r1', () => kv.get('k').revision(r1).string());
    expect(err).toBeInstanceOf(GRPCOutOfRangeError);
    expect(err.message).toContain(COMPACTED);
    expect(await step(t, 'get at r2', () => kv.get('k').revision(r2).string())).toBe('v2');
    const again = await rejects(t, 'compact r1', () => etcd().kv.compact({ revision: String(r1) }));
    expect(again.message).toContain(COMPACTED);
  });

  test("reads and compaction at a future revision throw etcd's error", async (t) => {
    const rev = await revisionOf(t, 'k', 'v');
    const err = await rejects(t, 'get at future', () => ns(t).get('k').revision(rev + 1000).string());
    expect(err).toBeInstanceOf(GRPCOutOfRangeError);
    expect(err.message).toContain(FUTURE);
    expect((await rejects(t, 'compact future', () => etcd().kv.compact({ revision: String(rev + 1000) }))).message).toContain(FUTURE);
  });

  test("put with ignore_value keeps the value; on a missing key etcd answers key not found", async (t) => {
    await revisionOf(t, 'k', 'kept');
    const res = await step(t, 'put ignore_value', () => etcd().kv.put({ key: Buffer.from(`${t.dir}k`), ignore_value: true, prev_kv: true }));
    expect(res.prev_kv?.value.toString()).toBe('kept');
    const now = await step(t, 'get k', () => ns(t).get('k').exec());
    expect(now.kvs[0]).toMatchObject({ version: '2' });
    expect(now.kvs[0]!.value.toString()).toBe('kept');
    const err = await rejects(t, 'ignore_value on missing', () => etcd().kv.put({ key: Buffer.from(`${t.dir}missing`), ignore_value: true }));
    expect(err.message).toContain('etcdserver: key not found');
  });
}
