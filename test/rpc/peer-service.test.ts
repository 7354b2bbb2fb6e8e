// The peer protocol's definition as grpc-js loads it, the identity carried in call metadata, and
// how a failed call's status becomes a typed error.

import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { BadMetadataError, ClusterMismatchError, PEER_ERROR_CODE_KEY, fromPeerStatus, toPeerStatus } from '../../rpc/peer-errors.js';
import { identityMetadata, peerChannelOptions, peerServiceDefinition, readIdentity } from '../../rpc/peer-service.js';

describe('the service definition', () => {
  it('has two client-streaming calls and one unary call (Forward) under lodestone.peer.Peer', () => {
    const definition = peerServiceDefinition();
    expect(Object.keys(definition).sort()).toEqual(['Forward', 'SendSnapshot', 'Stream']);
    for (const name of ['Stream', 'SendSnapshot'] as const) {
      expect(definition[name].path).toBe(`/lodestone.peer.Peer/${name}`);
      expect(definition[name].requestStream).toBe(true);
      expect(definition[name].responseStream).toBe(false);
    }
    expect(definition.Forward.path).toBe('/lodestone.peer.Peer/Forward');
    expect(definition.Forward.requestStream).toBe(false);
    expect(definition.Forward.responseStream).toBe(false);
  });

  it('carries a forwarded request and its answer as oneofs', () => {
    const { Forward } = peerServiceDefinition();
    const add = Forward.requestDeserialize(Forward.requestSerialize({ member_add: { peer_urls: ['http://127.0.0.1:2380'], is_learner: true } } as never));
    expect(add).toEqual({ request: 'member_add', member_add: { peer_urls: ['http://127.0.0.1:2380'], is_learner: true } });
    const remove = Forward.requestDeserialize(Forward.requestSerialize({ member_remove: '12345' } as never));
    expect(remove).toEqual({ request: 'member_remove', member_remove: '12345' });
    const refused = Forward.responseDeserialize(Forward.responseSerialize({ etcd_error: 'ETCD_MEMBER_NOT_FOUND' }));
    expect(refused).toEqual({ result: 'etcd_error', etcd_error: 'ETCD_MEMBER_NOT_FOUND' });
    const members = Forward.responseDeserialize(
      Forward.responseSerialize({ members: { members: [{ id: '7', name: 'a', peer_urls: ['http://x:1'], client_urls: [], is_learner: false }] } }),
    );
    expect(members).toMatchObject({ result: 'members', members: { members: [{ id: '7', name: 'a', peer_urls: ['http://x:1'] }] } });
    // Lease ids are int64s in decimal, negative ones too; a TTL of 0 (no such lease) is still an answer.
    const renew = Forward.requestDeserialize(Forward.requestSerialize({ lease_renew: '-5' } as never));
    expect(renew).toEqual({ request: 'lease_renew', lease_renew: '-5' });
    expect(Forward.responseDeserialize(Forward.responseSerialize({ lease_ttl: 0 }))).toEqual({ result: 'lease_ttl', lease_ttl: 0 });
    const ttl = Forward.responseDeserialize(Forward.responseSerialize({ lease_time_to_live: { ttl: -1, granted_ttl: 9_000_000_000, keys: [Buffer.from('k')] } }));
    expect(ttl).toMatchObject({ result: 'lease_time_to_live', lease_time_to_live: { ttl: -1, granted_ttl: 9_000_000_000 } });
    expect((ttl as { lease_time_to_live: { keys: readonly Uint8Array[] } }).lease_time_to_live.keys.map((k) => Buffer.from(k).toString())).toEqual(['k']);
    // A batch of renewals: one result per id, in order; a TTL of 0 is still set in its oneof.
    const renewals = Forward.requestDeserialize(Forward.requestSerialize({ lease_renewals: { ids: ['7', '-5'] } } as never));
    expect(renewals).toEqual({ request: 'lease_renewals', lease_renewals: { ids: ['7', '-5'] } });
    const renewed = Forward.responseDeserialize(Forward.responseSerialize({ lease_renewed: { results: [{ ttl: 0 }, { etcd_error: 'ETCD_NOT_LEADER' }, { ttl: 30 }] } }));
    expect(renewed).toEqual({
      result: 'lease_renewed',
      lease_renewed: { results: [{ result: 'ttl', ttl: 0 }, { result: 'etcd_error', etcd_error: 'ETCD_NOT_LEADER' }, { result: 'ttl', ttl: 30 }] },
    });
  });

  it('carries a batch of byte strings, and snapshot parts as a oneof', () => {
    const { Stream, SendSnapshot } = peerServiceDefinition();
    const batch = Stream.requestDeserialize(Stream.requestSerialize({ messages: [new Uint8Array([1, 2]), new Uint8Array()] }));
    expect(batch.messages.map((m) => [...m])).toEqual([[1, 2], []]);
    const trailer = SendSnapshot.requestDeserialize(SendSnapshot.requestSerialize({ part: 'trailer', trailer: { payload_bytes: 2 ** 40, payload_crc32c: 0xffffffff } }));
    expect(trailer).toMatchObject({ part: 'trailer', trailer: { payload_bytes: 2 ** 40, payload_crc32c: 0xffffffff } });
    const chunk = SendSnapshot.requestDeserialize(SendSnapshot.requestSerialize({ part: 'chunk', chunk: new Uint8Array([7]) }));
    expect(chunk.part).toBe('chunk');
  });
});

describe('the caller’s identity in metadata', () => {
  it('round-trips', () => {
    const identity = { clusterId: 'prod-east', sender: Number.MAX_SAFE_INTEGER, recipient: 2 };
    expect(readIdentity(identityMetadata(identity))).toEqual(identity);
  });

  it.each(['0', '-1', '01', '1.5', '1e3', ' 1', '9007199254740993', ''])('refuses the id "%s"', (id) => {
    const metadata = identityMetadata({ clusterId: 'c', sender: 1, recipient: 2 });
    metadata.set('lodestone-sender', id);
    expect(() => readIdentity(metadata)).toThrow(BadMetadataError);
  });

  it('refuses a missing or repeated key', () => {
    expect(() => readIdentity(new Metadata())).toThrow(/lodestone-cluster-id/);
    const metadata = identityMetadata({ clusterId: 'c', sender: 1, recipient: 2 });
    metadata.add('lodestone-recipient', '3');
    expect(() => readIdentity(metadata)).toThrow(/one text value for lodestone-recipient/);
  });
});

describe('errors across a call', () => {
  it('a refusal keeps its code', () => {
    const sent = toPeerStatus(new ClusterMismatchError('a', 'b'));
    expect(sent.code).toBe(status.FAILED_PRECONDITION);
    const received = Object.assign(new Error(sent.details), { code: sent.code!, details: sent.details!, metadata: sent.metadata! }) as ServiceError;
    const error = fromPeerStatus(2, received);
    expect(error.code).toBe('PEER_CLUSTER_MISMATCH');
    expect(error.message).toBe(sent.details);
  });

  it('any other failure is PEER_UNAVAILABLE', () => {
    const metadata = new Metadata();
    metadata.set(PEER_ERROR_CODE_KEY, 'NOT_A_CODE');
    const received = Object.assign(new Error('14 UNAVAILABLE: connection refused'), {
      code: status.UNAVAILABLE,
      details: 'connection refused',
      metadata,
    }) as ServiceError;
    const error = fromPeerStatus(2, received);
    expect(error.code).toBe('PEER_UNAVAILABLE');
    expect(error.message).toBe('peer: member 2 is unavailable: connection refused');
  });
});

describe('channel options', () => {
  it('raise gRPC’s message size limits both ways', () => {
    const options = peerChannelOptions({ maxMessageBytes: 100 * 1024 * 1024 });
    expect(options['grpc.max_send_message_length']).toBe(100 * 1024 * 1024);
    expect(options['grpc.max_receive_message_length']).toBe(100 * 1024 * 1024);
  });
});
