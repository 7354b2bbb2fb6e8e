// Bytes on the wire: a message encoded with our definitions must be byte for byte what the etcd3
// client's definitions encode, and decode back the same; and the objects our loader produces must
// have the shapes that the message types of rpc/etcd-api.ts promise.

import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import {
  etcdServiceDefinition,
  type MemberListResponse,
  type RangeRequest,
  type RangeResponse,
  type TxnRequest,
  type WatchRequest,
  type WatchResponse,
} from '../../rpc/etcd-api.js';
import { loadEtcd3ClientRoot, loadOurRoot } from './proto-roots.js';

const ours = loadOurRoot();
const theirs = loadEtcd3ClientRoot();

const INT64_MAX = '9223372036854775807';
const INT64_MIN = '-9223372036854775808';
const UINT64_MAX = '18446744073709551615';

// Enums are given by number: the two definitions name their values differently.
const DECODE_OPTIONS: protobuf.IConversionOptions = { longs: String, enums: Number, bytes: String, defaults: false };

function encodeWith(root: protobuf.Root, typeName: string, value: object): Uint8Array {
  const type = root.lookupType(typeName);
  return type.encode(type.fromObject(value)).finish();
}

function decodeWith(root: protobuf.Root, typeName: string, bytes: Uint8Array): object {
  const type = root.lookupType(typeName);
  return type.toObject(type.decode(bytes), DECODE_OPTIONS);
}

function expectSameWire(typeName: string, value: object): void {
  const ourBytes = encodeWith(ours, typeName, value);
  const theirBytes = encodeWith(theirs, typeName, value);
  expect(Buffer.from(ourBytes).toString('hex')).toBe(Buffer.from(theirBytes).toString('hex'));
  expect(decodeWith(theirs, typeName, ourBytes)).toEqual(decodeWith(ours, typeName, ourBytes));
}

const bytes = (text: string) => Buffer.from(text);
const header = { cluster_id: UINT64_MAX, member_id: '1', revision: INT64_MAX, raft_term: '7' };
const keyValue = {
  key: bytes('service/a'),
  create_revision: '3',
  mod_revision: '9',
  version: '2',
  value: Buffer.from([0, 255, 1]),
  lease: INT64_MAX,
};

const representatives: [string, object][] = [
  ['mvccpb.KeyValue', keyValue],
  ['mvccpb.Event', { type: 1, kv: keyValue, prev_kv: keyValue }],
  [
    'etcdserverpb.RangeRequest',
    {
      key: bytes('a'),
      range_end: bytes('b'),
      limit: '10',
      revision: '-1',
      sort_order: 2,
      sort_target: 4,
      serializable: true,
      keys_only: true,
      count_only: true,
      min_mod_revision: '1',
      max_mod_revision: INT64_MAX,
      min_create_revision: '2',
      max_create_revision: '3',
    },
  ],
  ['etcdserverpb.RangeResponse', { header, kvs: [keyValue, keyValue], more: true, count: '12' }],
  [
    'etcdserverpb.PutRequest',
    { key: bytes('k'), value: bytes(''), lease: INT64_MIN, prev_kv: true, ignore_value: true, ignore_lease: true },
  ],
  ['etcdserverpb.DeleteRangeResponse', { header, deleted: '2', prev_kvs: [keyValue] }],
  [
    'etcdserverpb.TxnRequest',
    {
      compare: [
        { result: 3, target: 2, key: bytes('k'), mod_revision: '5', range_end: bytes('l') },
        { result: 0, target: 3, key: bytes('k'), value: bytes('v') },
        { result: 1, target: 4, key: bytes('k'), lease: INT64_MAX },
      ],
      success: [
        { request_put: { key: bytes('k'), value: bytes('v'), lease: '1' } },
        { request_txn: { success: [{ request_range: { key: bytes('x') } }] } },
      ],
      failure: [{ request_delete_range: { key: bytes('a'), range_end: Buffer.from([0]), prev_kv: true } }],
    },
  ],
  [
    'etcdserverpb.TxnResponse',
    {
      header,
      succeeded: true,
      responses: [
        { response_range: { header, kvs: [keyValue], count: '1' } },
        { response_put: { header, prev_kv: keyValue } },
      ],
    },
  ],
  ['etcdserverpb.CompactionRequest', { revision: '100', physical: true }],
  [
    'etcdserverpb.WatchRequest',
    {
      create_request: {
        key: bytes('a'),
        range_end: bytes('b'),
        start_revision: '4',
        progress_notify: true,
        filters: [0, 1],
        prev_kv: true,
        watch_id: '-1',
        fragment: true,
      },
    },
  ],
  ['etcdserverpb.WatchRequest', { progress_request: {} }],
  [
    'etcdserverpb.WatchResponse',
    {
      header,
      watch_id: '3',
      created: true,
      canceled: true,
      compact_revision: '2',
      cancel_reason: 'compacted',
      fragment: true,
      events: [{ type: 0, kv: keyValue }],
    },
  ],
  ['etcdserverpb.LeaseGrantResponse', { header, ID: INT64_MAX, TTL: '60', error: 'none' }],
  [
    'etcdserverpb.LeaseTimeToLiveResponse',
    { header, ID: '7', TTL: '-1', grantedTTL: '10', keys: [bytes('a'), bytes('b')] },
  ],
  ['etcdserverpb.LeaseLeasesResponse', { header, leases: [{ ID: '1' }, { ID: INT64_MAX }] }],
  [
    'etcdserverpb.MemberAddResponse',
    {
      header,
      member: {
        ID: UINT64_MAX,
        name: 'm1',
        peerURLs: ['http://127.0.0.1:2380'],
        clientURLs: ['http://127.0.0.1:2379'],
        isLearner: true,
      },
      members: [{ ID: '1' }],
    },
  ],
  [
    'etcdserverpb.StatusResponse',
    {
      header,
      version: '3.5.0',
      dbSize: '4096',
      leader: UINT64_MAX,
      raftIndex: '11',
      raftTerm: '2',
      raftAppliedIndex: '11',
      errors: ['NOSPACE'],
      dbSizeInUse: '1024',
      isLearner: true,
    },
  ],
  ['etcdserverpb.AlarmRequest', { action: 1, memberID: UINT64_MAX, alarm: 2 }],
  ['etcdserverpb.HashKVResponse', { header, hash: 4294967295, compact_revision: '3' }],
  ['etcdserverpb.SnapshotResponse', { header, remaining_bytes: UINT64_MAX, blob: Buffer.alloc(300, 7) }],
  ['etcdserverpb.DowngradeRequest', { action: 2, version: '3.4' }],
  [
    'etcdserverpb.AuthRoleGrantPermissionRequest',
    { name: 'r', perm: { permType: 2, key: bytes('a'), range_end: bytes('b') } },
  ],
  ['etcdserverpb.AuthUserAddRequest', { name: 'u', password: 'p', options: { no_password: true } }],
];

describe('the bytes on the wire', () => {
  it.each(representatives)('%s encodes as the etcd3 client encodes it', (typeName, value) => {
    expectSameWire(typeName, value);
  });

  const int64 = fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n).map(String);
  const uint64 = fc.bigInt(0n, 2n ** 64n - 1n).map(String);
  const blob = fc.uint8Array({ maxLength: 40 }).map((array) => Buffer.from(array));

  it('any RangeRequest encodes alike', () => {
    const rangeRequest = fc.record({
      key: blob,
      range_end: blob,
      limit: int64,
      revision: int64,
      sort_order: fc.integer({ min: 0, max: 2 }),
      sort_target: fc.integer({ min: 0, max: 4 }),
      serializable: fc.boolean(),
      keys_only: fc.boolean(),
      count_only: fc.boolean(),
      min_mod_revision: int64,
      max_mod_revision: int64,
      min_create_revision: int64,
      max_create_revision: int64,
    });
    fc.assert(fc.property(rangeRequest, (value) => expectSameWire('etcdserverpb.RangeRequest', value)));
  });

  it('any PutResponse and Member encode alike', () => {
    const kv = fc.record({
      key: blob,
      create_revision: int64,
      mod_revision: int64,
      version: int64,
      value: blob,
      lease: int64,
    });
    const header = fc.record({ cluster_id: uint64, member_id: uint64, revision: int64, raft_term: uint64 });
    fc.assert(
      fc.property(fc.record({ header, prev_kv: kv }), (value) => expectSameWire('etcdserverpb.PutResponse', value)),
    );
    const member = fc.record({
      ID: uint64,
      name: fc.string(),
      peerURLs: fc.array(fc.string()),
      clientURLs: fc.array(fc.string()),
      isLearner: fc.boolean(),
    });
    fc.assert(fc.property(member, (value) => expectSameWire('etcdserverpb.Member', value)));
  });
});

describe('messages as our loader hands them over', () => {
  const kv = etcdServiceDefinition('KV');

  it('a transaction arrives with 64-bit strings, enum names and oneof discriminators', () => {
    const encoded = encodeWith(theirs, 'etcdserverpb.TxnRequest', {
      compare: [{ result: 3, target: 2, key: bytes('k'), mod_revision: INT64_MAX }],
      success: [{ request_put: { key: bytes('k'), value: bytes('v'), lease: INT64_MAX } }],
      failure: [{ request_range: { key: bytes('k'), sort_order: 2 } }, {}],
    });
    const txn: TxnRequest = kv.Txn.requestDeserialize(Buffer.from(encoded));

    const [compare] = txn.compare;
    expect(compare).toMatchObject({
      result: 'NOT_EQUAL',
      target: 'MOD',
      target_union: 'mod_revision',
      mod_revision: INT64_MAX,
    });
    const [put] = txn.success;
    expect(put?.request).toBe('request_put');
    if (put?.request !== 'request_put') throw new Error('unreachable');
    expect(put.request_put.lease).toBe(INT64_MAX);
    expect(put.request_put.value).toEqual(Buffer.from('v'));
    expect(put.request_put.prev_kv).toBe(false);
    const [range, empty] = txn.failure;
    expect(range).toMatchObject({ request: 'request_range', request_range: { sort_order: 'DESCEND', limit: '0' } });
    expect(empty).toEqual({});
  });

  it('what a server sends through the loader is the etcd3 client’s encoding', () => {
    const response = {
      header: { cluster_id: UINT64_MAX, member_id: '2', revision: '8', raft_term: '3' },
      kvs: [
        { key: bytes('k'), value: bytes('v'), create_revision: '8', mod_revision: '8', version: '1', lease: INT64_MAX },
      ],
      count: '1',
    };
    const sent = kv.Range.responseSerialize(response);
    expect(Buffer.from(sent).toString('hex')).toBe(
      Buffer.from(encodeWith(theirs, 'etcdserverpb.RangeResponse', response)).toString('hex'),
    );
  });

  it('fields that were not sent arrive as defaults, and absent messages as null', () => {
    const range: RangeResponse = kv.Range.responseDeserialize(Buffer.alloc(0));
    expect(range).toEqual({ header: null, kvs: [], more: false, count: '0' });
    const request: RangeRequest = kv.Range.requestDeserialize(Buffer.alloc(0));
    expect(request.key).toEqual(Buffer.alloc(0));
    expect(request.sort_order).toBe('NONE');
  });

  it('an enum value our definitions do not name arrives as its number', () => {
    // Field 5 (sort_order), varint 7.
    const request: RangeRequest = kv.Range.requestDeserialize(Buffer.from([0x28, 0x07]));
    expect(request.sort_order).toBe(7);
  });

  it('member ids keep all 64 bits', () => {
    const cluster = etcdServiceDefinition('Cluster');
    const encoded = cluster.MemberList.responseSerialize({ members: [{ ID: UINT64_MAX, name: 'a' }] });
    const list: MemberListResponse = cluster.MemberList.responseDeserialize(encoded);
    expect(list.members[0]?.ID).toBe(UINT64_MAX);
  });

  it('watch stream messages round-trip through the bidi definition', () => {
    const watch = etcdServiceDefinition('Watch');
    const request: WatchRequest = watch.Watch.requestDeserialize(
      watch.Watch.requestSerialize({ create_request: { key: bytes('a'), filters: ['NODELETE'], prev_kv: true } }),
    );
    expect(request.request_union).toBe('create_request');
    if (request.request_union !== 'create_request') throw new Error('unreachable');
    expect(request.create_request.filters).toEqual(['NODELETE']);
    const response: WatchResponse = watch.Watch.responseDeserialize(
      watch.Watch.responseSerialize({ watch_id: '1', events: [{ type: 'DELETE', kv: { key: bytes('a') } }] }),
    );
    expect(response.events[0]).toMatchObject({
      type: 'DELETE',
      kv: { key: bytes('a'), mod_revision: '0' },
      prev_kv: null,
    });
  });
});
