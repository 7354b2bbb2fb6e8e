// The peer protocol's definition as grpc-js loads it, the identity carried in call metadata, and
// how a failed call's status becomes a typed error.

import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { BadMetadataError, ClusterMismatchError, PEER_ERROR_CODE_KEY, fromPeerStatus, toPeerStatus } from '../../rpc/peer-errors.js';
import { identityMetadata, peerChannelOptions, peerServiceDefinition, readIdentity } from '../../rpc/peer-service.js';

describe('the service definition', () => {
  it('has two client-streaming calls under lodestone.peer.Peer', () => {
    const definition = peerServiceDefinition();
    expect(Object.keys(definition).sort()).toEqual(['SendSnapshot', 'Stream']);
    for (const name of ['Stream', 'SendSnapshot'] as const) {
      expect(definition[name].path).toBe(`/lodestone.peer.Peer/${name}`);
      expect(definition[name].requestStream).toBe(true);
      expect(definition[name].responseStream).toBe(false);
    }
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
