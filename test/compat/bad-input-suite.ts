// Bad input against a target: empty keys, requests over the size limit, bytes that are not a
// protobuf message, a range whose end is before its start, methods and services that do not exist,
// transactions with a key written twice or too many operations, leases never granted, revisions
// out of range. Each must get etcd's answer, and the member must go on serving other clients.
import {
  credentials,
  makeGenericClientConstructor,
  Metadata,
  status,
  type Client,
  type ServiceError,
} from '@grpc/grpc-js';
import { afterAll, expect } from 'vitest';
import { createEtcdClient, type ServiceClient } from '../../rpc/etcd-api.js';
import { compatTest, type SuiteContext, type TestTools } from './suite.js';

export const BAD_INPUT_SUITE = 'bad input';

const MiB = 1024 * 1024;

/** What a call answered: a gRPC status, or OK with the (decoded) response. */
interface Outcome {
  readonly code: number;
  readonly details: string;
  readonly response?: unknown;
}


const passthrough = (b: Buffer): Buffer => b;

function rawMethod(path: string): {
  path: string;
  requestStream: false;
  responseStream: false;
  requestSerialize: (b: Buffer) => Buffer;
  requestDeserialize: (b: Buffer) => Buffer;
  responseSerialize: (b: Buffer) => Buffer;
  responseDeserialize: (b: Buffer) => Buffer;
} {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: passthrough,
    requestDeserialize: passthrough,
    responseSerialize: passthrough,
    responseDeserialize: passthrough,
  };
}

/** A client that sends bytes as they are to etcd's paths, and to paths no server has. */
const RawClient = makeGenericClientConstructor(
  {
    Put: rawMethod('/etcdserverpb.KV/Put'),
    Range: rawMethod('/etcdserverpb.KV/Range'),
    UnknownMethod: rawMethod('/etcdserverpb.KV/Frobnicate'),
    UnknownService: rawMethod('/etcdserverpb.Frobnicator/Frobnicate'),
  },
  'RawEtcd',
);
type RawMethod = 'Put' | 'Range' | 'UnknownMethod' | 'UnknownService';
type RawClientInstance = Client & Record<RawMethod, (req: Buffer, md: Metadata, opts: { deadline: number }, cb: (err: ServiceError | null, res?: Buffer) => void) => void>;

function settle<Res>(invoke: (cb: (err: ServiceError | null, res?: Res) => void) => void): Promise<Outcome & { response?: Res }> {
  return new Promise((resolve) => {
    invoke((err, res) => resolve(err ? { code: err.code, details: err.details } : { code: status.OK, details: '', response: res }));
  });
}

const deadline = (): { deadline: number } => ({ deadline: Date.now() + 10_000 });

type Kv = ServiceClient<'KV'>;

export function badInputSuite(ctx: SuiteContext): void {
  const clients: Client[] = [];
  afterAll(() => {
    for (const c of clients) c.close();
  });
  const kvAt = (endpoint: string): Kv => {
    const c = createEtcdClient('KV', endpoint, { credentials: credentials.createInsecure() });
    clients.push(c);
    return c;
  };
  let kvClient: Kv | undefined;
  let rawClient: RawClientInstance | undefined;
  /** The client that sends the bad input, to the first endpoint. */
  const kv = (): Kv => (kvClient ??= kvAt(ctx.target.endpoints[0]!));
  const raw = (): RawClientInstance => {
    if (!rawClient) {
      rawClient = new RawClient(ctx.target.endpoints[0]!, credentials.createInsecure()) as unknown as RawClientInstance;
      clients.push(rawClient);
    }
    return rawClient;
  };

  const call = {
    put: (req: Parameters<Kv['Put']>[0]) => settle((cb) => kv().Put(req, new Metadata(), deadline(), cb)),
    range: (req: Parameters<Kv['Range']>[0]) => settle((cb) => kv().Range(req, new Metadata(), deadline(), cb)),
    deleteRange: (req: Parameters<Kv['DeleteRange']>[0]) => settle((cb) => kv().DeleteRange(req, new Metadata(), deadline(), cb)),
    txn: (req: Parameters<Kv['Txn']>[0]) => settle((cb) => kv().Txn(req, new Metadata(), deadline(), cb)),
    compact: (req: Parameters<Kv['Compact']>[0]) => settle((cb) => kv().Compact(req, new Metadata(), deadline(), cb)),
    raw: (method: RawMethod, bytes: Buffer) => settle<Buffer>((cb) => raw()[method](bytes, new Metadata(), deadline(), cb)),
  };

  /**
   * Records the outcome for the comparison. With `libraryText`, only the code: the message is the
   * gRPC library's own (grpc-go's in etcd, grpc-js's in Lodestone), not etcd's.
   */
  const note = (t: TestTools, label: string, o: Outcome, libraryText = false): Outcome => {
    t.record(label, o.code === status.OK ? 'OK' : `${status[o.code]}${libraryText ? '' : `: ${o.details}`}`);
    return o;
  };

  const expectError = (o: Outcome, code: status, details: string): void => {
    expect({ code: status[o.code], details: o.details }).toEqual({ code: status[code], details });
  };

  /** Every member still serves a new client: a put on it and a linearizable read of it. */
  const stillServing = async (t: TestTools): Promise<void> => {
    for (const [i, endpoint] of ctx.target.endpoints.entries()) {
      const other = kvAt(endpoint);
      const key = Buffer.from(`${t.dir}bystander-${i}`);
      const put = await settle((cb) => other.Put({ key, value: Buffer.from('still here') }, new Metadata(), deadline(), cb));
      expect(put.details).toBe('');
      const got = await settle<{ kvs: { value: Buffer }[] }>((cb) => other.Range({ key }, new Metadata(), deadline(), cb));
      expect(got.response?.kvs.map((kv) => kv.value.toString())).toEqual(['still here']);
      other.close();
    }
    // And the connection that sent the bad input works too.
    const again = await call.range({ key: Buffer.from(`${t.dir}bystander-0`) });
    expect(again.code).toBe(status.OK);
    t.record('still serving', 'yes');
  };

  const test = (name: string, body: (t: TestTools) => Promise<void>, options?: Parameters<typeof compatTest>[3]): void =>
    compatTest(ctx, name, async (t) => {
      await body(t);
      await stillServing(t);
    }, options);

  const EMPTY_KEY = 'etcdserver: key is not provided';
  const empty = Buffer.alloc(0);
  const v = Buffer.from('v');

  test("an empty key in Put, Range, DeleteRange and a txn's put and range: 'etcdserver: key is not provided'", async (t) => {
    const cases: [string, () => Promise<Outcome>][] = [
      ['Put', () => call.put({ key: empty, value: v })],
      ['Range', () => call.range({ key: empty })],
      ['Range with only a limit', () => call.raw('Range', Buffer.from('1801', 'hex'))],
      ['DeleteRange', () => call.deleteRange({ key: empty })],
      ['Txn put', () => call.txn({ success: [{ request_put: { key: empty, value: v } }] })],
      ['Txn range', () => call.txn({ success: [{ request_range: { key: empty } }] })],
      ['Txn delete', () => call.txn({ failure: [{ request_delete_range: { key: empty } }] })],
    ];
    for (const [label, run] of cases) expectError(note(t, label, await run()), status.INVALID_ARGUMENT, EMPTY_KEY);
  });

  test("an empty key in a txn compare, of a txn that writes or only reads: 'etcdserver: key is not provided'", async (t) => {
    const compare = [{ key: empty, target: 'VERSION' as const, result: 'EQUAL' as const, version: '0' }];
    const writes = await call.txn({ compare, success: [{ request_put: { key: Buffer.from(`${t.dir}k`), value: v } }] });
    expectError(note(t, 'Txn compare, then a put', writes), status.INVALID_ARGUMENT, EMPTY_KEY);
    const reads = await call.txn({ compare, success: [{ request_range: { key: Buffer.from(`${t.dir}k`) } }] });
    expectError(note(t, 'Txn compare, then a range', reads), status.INVALID_ARGUMENT, EMPTY_KEY);
    const none = await call.txn({ compare });
    expectError(note(t, 'Txn compare alone', none), status.INVALID_ARGUMENT, EMPTY_KEY);
  });

  test("a request over --max-request-bytes (1.5 MiB): 'etcdserver: request is too large'; past the gRPC limit (2 MiB) RESOURCE_EXHAUSTED", async (t) => {
    const key = Buffer.from(`${t.dir}big`);
    expect(note(t, 'Put 1.5 MiB - 1 KiB', await call.put({ key, value: Buffer.alloc(1.5 * MiB - 1024, 0x61) })).code).toBe(status.OK);
    const TOO_LARGE = 'etcdserver: request is too large';
    expectError(note(t, 'Put 1.5 MiB', await call.put({ key, value: Buffer.alloc(1.5 * MiB, 0x62) })), status.INVALID_ARGUMENT, TOO_LARGE);
    expectError(note(t, 'Put 2 MiB - 1 KiB', await call.put({ key, value: Buffer.alloc(2 * MiB - 1024, 0x63) })), status.INVALID_ARGUMENT, TOO_LARGE);
    const half = Buffer.alloc(0.8 * MiB, 0x64);
    const txn = await call.txn({ success: [{ request_put: { key, value: half } }, { request_put: { key: Buffer.from(`${t.dir}big2`), value: half } }] });
    expectError(note(t, 'Txn of two 0.8 MiB puts', txn), status.INVALID_ARGUMENT, TOO_LARGE);
    const huge = note(t, 'Put 2 MiB + 1 KiB', await call.put({ key, value: Buffer.alloc(2 * MiB + 1024, 0x66) }), true);
    expect(status[huge.code]).toBe('RESOURCE_EXHAUSTED');
    expect(huge.details).toMatch(/larger than max \(\d+ vs\.? 2097152\)/);
    // Nothing of the refused writes was stored.
    const stored = await call.range({ key });
    expect((stored.response as { kvs: { value: Buffer }[] }).kvs[0]!.value[0]).toBe(0x61);
  });

  test('bytes that are not a valid protobuf message: INTERNAL, from the gRPC layer', async (t) => {
    const samples: [RawMethod, string, string][] = [
      ['Put', 'a length past the end', '0a0561'],
      ['Put', 'a varint that overflows', 'ffffffffffffffffffffff'],
      ['Put', 'the key as a varint', '0801'],
      ['Put', 'wire type 7', '0f'],
      ['Range', 'a length past the end', '0a0561'],
      ['Range', 'the key as a varint', '0801'],
      ['Range', 'the limit as bytes', '0a01621a0141'],
    ];
    for (const [method, what, hex] of samples) {
      const o = note(t, `${method}: ${what}`, await call.raw(method, Buffer.from(hex, 'hex')), true);
      expect(status[o.code], `${method}: ${what}`).toBe('INTERNAL');
    }
    // Well-formed bytes on the same connection are served.
    const ok = note(t, 'Put: a well-formed message', await call.raw('Put', Buffer.concat([Buffer.from([0x0a, t.dir.length + 1]), Buffer.from(`${t.dir}k`), Buffer.from('1201', 'hex'), v])));
    expect(ok.code).toBe(status.OK);
  });

  test('range_end before key: Range finds nothing and DeleteRange deletes nothing, without an error', async (t) => {
    const key = Buffer.from(`${t.dir}b`);
    const before = Buffer.from(`${t.dir}a`);
    expect(note(t, 'Put b', await call.put({ key, value: v })).code).toBe(status.OK);
    const range = note(t, 'Range b..a', await call.range({ key, range_end: before }));
    expect(range.response).toMatchObject({ kvs: [], count: '0', more: false });
    const del = note(t, 'DeleteRange b..a', await call.deleteRange({ key, range_end: before }));
    expect(del.response).toMatchObject({ deleted: '0' });
    const txn = note(t, 'Txn range and delete b..a', await call.txn({ success: [{ request_range: { key, range_end: before } }, { request_delete_range: { key, range_end: before } }] }));
    expect(txn.code).toBe(status.OK);
    const stillThere = await call.range({ key });
    expect((stillThere.response as { count: string }).count).toBe('1');
  });

  test('an unknown method and an unknown service: UNIMPLEMENTED', async (t) => {
    expect(status[note(t, 'KV/Frobnicate', await call.raw('UnknownMethod', empty), true).code]).toBe('UNIMPLEMENTED');
    expect(status[note(t, 'Frobnicator/Frobnicate', await call.raw('UnknownService', empty), true).code]).toBe('UNIMPLEMENTED');
  });

  test("a txn writing one key twice: 'etcdserver: duplicate key given in txn request'", async (t) => {
    const k = Buffer.from(`${t.dir}k`);
    const DUPLICATE = 'etcdserver: duplicate key given in txn request';
    const put = (value: string) => ({ request_put: { key: k, value: Buffer.from(value) } });
    const refused: [string, Parameters<typeof call.txn>[0]][] = [
      ['two puts', { success: [put('1'), put('2')] }],
      ['a put and a delete of a range holding it', { success: [put('1'), { request_delete_range: { key: Buffer.from(`${t.dir}a`), range_end: Buffer.from(`${t.dir}z`) } }] }],
      ['two puts in the failure branch', { failure: [put('1'), put('2')] }],
    ];
    for (const [label, req] of refused) expectError(note(t, label, await call.txn(req)), status.INVALID_ARGUMENT, DUPLICATE);
    // One write per branch, or a write and a read of the key, are fine.
    expect(note(t, 'a put in each branch', await call.txn({ success: [put('1')], failure: [put('2')] })).code).toBe(status.OK);
    expect(note(t, 'a put and a range of the key', await call.txn({ success: [put('3'), { request_range: { key: k } }] })).code).toBe(status.OK);
  });

  const TOO_MANY = 'etcdserver: too many operations in txn request';
  const puts = (t: TestTools, n: number) => Array.from({ length: n }, (_, i) => ({ request_put: { key: Buffer.from(`${t.dir}op${i}`), value: v } }));

  test("a txn with more than --max-txn-ops (128) writes in a branch: 'etcdserver: too many operations in txn request'", async (t) => {
    expect(note(t, '128 puts', await call.txn({ success: puts(t, 128) })).code).toBe(status.OK);
    expectError(note(t, '129 puts', await call.txn({ success: puts(t, 129) })), status.INVALID_ARGUMENT, TOO_MANY);
    expectError(note(t, '129 puts in the failure branch', await call.txn({ failure: puts(t, 129) })), status.INVALID_ARGUMENT, TOO_MANY);
  });

  test("a txn with more than 128 compares, writing or not: 'etcdserver: too many operations in txn request'", async (t) => {
    const compare = Array.from({ length: 129 }, (_, i) => ({ key: Buffer.from(`${t.dir}op${i}`), target: 'VERSION' as const, result: 'EQUAL' as const, version: '0' }));
    expectError(note(t, '129 compares, then a put', await call.txn({ compare, success: puts(t, 1) })), status.INVALID_ARGUMENT, TOO_MANY);
    expectError(note(t, '129 compares alone', await call.txn({ compare })), status.INVALID_ARGUMENT, TOO_MANY);
  });

  test('a compare with a negative number is valid: every version and revision is greater than -1', async (t) => {
    const k = Buffer.from(`${t.dir}k`);
    expect(note(t, 'Put k', await call.put({ key: k, value: v })).code).toBe(status.OK);
    for (const target of ['VERSION', 'CREATE', 'MOD'] as const) {
      const field = target === 'VERSION' ? 'version' : target === 'CREATE' ? 'create_revision' : 'mod_revision';
      const compare = [{ key: k, target, result: 'GREATER' as const, [field]: '-1' }];
      const writes = note(t, `${target} > -1, then a put`, await call.txn({ compare, success: [{ request_put: { key: k, value: v } }] }));
      expect({ code: status[writes.code], details: writes.details, succeeded: (writes.response as { succeeded?: boolean } | undefined)?.succeeded }).toEqual({ code: 'OK', details: '', succeeded: true });
      const reads = note(t, `${target} > -1, then a range`, await call.txn({ compare, success: [{ request_range: { key: k } }] }));
      expect((reads.response as { succeeded?: boolean } | undefined)?.succeeded).toBe(true);
    }
  });

  test("a read-only txn with more than 128 ranges: 'etcdserver: too many operations in txn request'", async (t) => {
    const ranges = Array.from({ length: 129 }, (_, i) => ({ request_range: { key: Buffer.from(`${t.dir}op${i}`) } }));
    expectError(note(t, '129 ranges', await call.txn({ success: ranges })), status.INVALID_ARGUMENT, TOO_MANY);
  });

  test("a put with a lease never granted: NOT_FOUND 'etcdserver: requested lease not found'", async (t) => {
    const o = await call.put({ key: Buffer.from(`${t.dir}k`), value: v, lease: '1234567' });
    expectError(note(t, 'Put with lease 1234567', o), status.NOT_FOUND, 'etcdserver: requested lease not found');
    expect((await call.range({ key: Buffer.from(`${t.dir}k`) })).response).toMatchObject({ count: '0' });
  });

  test("a txn op with no request in it: 'etcdserver: key not found'", async (t) => {
    expectError(note(t, 'Txn with an empty op', await call.txn({ success: [{}] })), status.INVALID_ARGUMENT, 'etcdserver: key not found');
  });

  test(
    'compaction at revision 0 of a store never compacted is accepted',
    async (t) => {
      // etcd starts with nothing compacted (revision -1): compacting at 0 is accepted and does nothing.
      expect(note(t, 'Compact 0', await call.compact({ revision: '0' })).code).toBe(status.OK);
    },
    { notExternal: 'the external server may have been compacted already' },
  );

  test("compaction at a negative revision: OUT_OF_RANGE 'etcdserver: mvcc: required revision has been compacted'", async (t) => {
    expectError(note(t, 'Compact -5', await call.compact({ revision: '-5' })), status.OUT_OF_RANGE, 'etcdserver: mvcc: required revision has been compacted');
  });
}
