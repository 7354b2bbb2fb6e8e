// Who a member accepts traffic from: calls from another cluster, from an unknown or removed member, for
// another member, or with malformed metadata are refused before anything is read, with a status
// and a stable code; a stream that sends bytes that are not messages is ended, and the member keeps
// serving everyone else.

import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { PEER_ERROR_CODE_KEY, fromPeerStatus } from '../../rpc/peer-errors.js';
import { encodeMessage } from '../../rpc/peer-message-codec.js';
import { identityMetadata, peerClientConstructor, type CallIdentity, type PeerClient } from '../../rpc/peer-service.js';
import {
  closeAll,
  numbered,
  range,
  recordingLogger,
  sequenceOf,
  startCluster,
  startMember,
  type LogRecord,
  type Member,
} from './peer-test-helpers.js';

let members: Member[] = [];
let clients: PeerClient[] = [];
afterEach(async () => {
  for (const c of clients) c.close();
  clients = [];
  await closeAll(members);
  members = [];
});

function clientOf(member: Member): PeerClient {
  const Client = peerClientConstructor();
  const client = new Client(member.address, credentials.createInsecure());
  clients.push(client);
  return client;
}

/** Opens a Stream call, writes `batches`, half-closes, and resolves with how the call ended. */
function streamCall(client: PeerClient, metadata: Metadata, batches: Uint8Array[][] = []): Promise<ServiceError | null> {
  return new Promise((resolve) => {
    const call = client.Stream(metadata, {}, (error) => resolve(error));
    call.on('error', () => {});
    for (const messages of batches) call.write({ messages });
    call.end();
  });
}

const good: CallIdentity = { clusterId: 'test-cluster', sender: 1, recipient: 2 };

describe('calls that are refused at once', () => {
  it.each([
    ['another cluster', { ...good, clusterId: 'other-cluster' }, status.FAILED_PRECONDITION, 'PEER_CLUSTER_MISMATCH', /cluster id mismatch/],
    ['an unknown member', { ...good, sender: 7 }, status.FAILED_PRECONDITION, 'PEER_UNKNOWN_MEMBER', /member 7 is not a known member/],
    ['the member itself', { ...good, sender: 2 }, status.FAILED_PRECONDITION, 'PEER_UNKNOWN_MEMBER', /member 2 is not a known member/],
    ['another recipient', { ...good, recipient: 3 }, status.FAILED_PRECONDITION, 'PEER_WRONG_RECIPIENT', /for member 3, but this is member 2/],
  ] as const)('a stream from %s', async (_, identity, grpcCode, code, message) => {
    members = await startCluster(2);
    const error = await streamCall(clientOf(members[1]!), identityMetadata(identity), [[encodeMessage(numbered(1, 2, 0))]]);
    expect(error?.code).toBe(grpcCode);
    expect(error?.details).toMatch(message);
    expect(error?.metadata.get(PEER_ERROR_CODE_KEY)).toEqual([code]);
    expect(fromPeerStatus(1, error!).code).toBe(code);
    expect(members[1]!.handler.received).toEqual([]);
  });

  it('a stream without identity, or with an id that is not a number', async () => {
    members = await startCluster(2);
    const client = clientOf(members[1]!);
    const missing = await streamCall(client, new Metadata());
    expect(missing?.code).toBe(status.INVALID_ARGUMENT);
    expect(missing?.metadata.get(PEER_ERROR_CODE_KEY)).toEqual(['PEER_BAD_METADATA']);
    const metadata = identityMetadata(good);
    metadata.set('lodestone-sender', '1e3');
    const notNumber = await streamCall(client, metadata);
    expect(notNumber?.details).toMatch(/lodestone-sender is not a member id/);
  });

  it('a snapshot from another cluster', async () => {
    members = await startCluster(2);
    const error = await new Promise<ServiceError | null>((resolve) => {
      const call = clientOf(members[1]!).SendSnapshot(identityMetadata({ ...good, clusterId: 'other' }), {}, (e) => resolve(e));
      call.on('error', () => {});
      call.end();
    });
    expect(error?.metadata.get(PEER_ERROR_CODE_KEY)).toEqual(['PEER_CLUSTER_MISMATCH']);
    expect(members[1]!.handler.staged).toEqual([]);
  });
});

describe('a member removed from the cluster', () => {
  it('is refused saying so — an open stream ended, new ones refused — and is told it was removed', async () => {
    const removed = new Set<number>();
    const sender = recordingLogger();
    const a = await startMember(1, { logger: sender.logger });
    const b = await startMember(2, { isRemoved: (id) => removed.has(id) });
    members.push(a, b);
    a.transport.setPeer(2, [b.address]);
    b.transport.setPeer(1, [a.address]);
    a.transport.send([numbered(1, 2, 0)]);
    await b.handler.until(() => b.handler.received.length === 1);
    expect(a.handler.removedBy).toEqual([]);
    // Member 2 applies the removal of member 1: it forgets it, and refuses it from now on.
    removed.add(1);
    b.transport.removePeer(1);
    await a.handler.until(() => a.handler.removedBy.length > 0);
    expect(a.handler.removedBy[0]).toBe(2);
    const refusal = await sender.until((r) => r.msg === 'peer refused the stream' && r.code === 'PEER_MEMBER_REMOVED');
    expect(refusal.reason).toMatch(/member 1 has been permanently removed from the cluster/);
    // A fresh call is refused the same way, before anything is read.
    const error = await streamCall(clientOf(b), identityMetadata(good), [[encodeMessage(numbered(1, 2, 1))]]);
    expect(error?.code).toBe(status.FAILED_PRECONDITION);
    expect(error?.metadata.get(PEER_ERROR_CODE_KEY)).toEqual(['PEER_MEMBER_REMOVED']);
    expect(b.handler.received).toHaveLength(1);
  });
});

describe('transports of different clusters', () => {
  it('never deliver to each other; the sender logs the refusal and reports the peer unreachable', async () => {
    const sender = recordingLogger();
    const receiver = recordingLogger();
    const a = await startMember(1, { clusterId: 'cluster-a', logger: sender.logger });
    const b = await startMember(2, { clusterId: 'cluster-b', logger: receiver.logger });
    members.push(a, b);
    a.transport.setPeer(2, [b.address]);
    b.transport.setPeer(1, [a.address]);
    a.transport.send([numbered(1, 2, 0)]);
    const isRefusal = (r: LogRecord): boolean => r.msg === 'peer refused the stream' && r.code === 'PEER_CLUSTER_MISMATCH';
    const refusal = await sender.until(isRefusal);
    a.transport.send([numbered(1, 2, 1)]);
    await a.handler.until(() => a.handler.unreachable.includes(2));
    expect(refusal.reason).toMatch(/this member is in cluster "cluster-b", the caller in "cluster-a"/);
    await receiver.until((r) => r.msg === 'refused a peer call' && r.code === 'PEER_CLUSTER_MISMATCH');
    expect(b.handler.received).toEqual([]);
  });
});

describe('streams that send what is not a message', () => {
  it.each([
    ['bytes that do not decode', () => new Uint8Array([0xff, 1, 2])],
    ['a message from another member', () => encodeMessage(numbered(3, 2, 0))],
    ['a message for another member', () => encodeMessage(numbered(1, 3, 0))],
    [
      'a snapshot message',
      () =>
        encodeMessage({
          type: 'snapshot',
          from: 1,
          to: 2,
          term: 1,
          snapshot: { meta: { index: 1, term: 1, confState: { voters: [1], learners: [] } }, data: new Uint8Array() },
        }),
    ],
  ])('%s: the stream ends with PEER_BAD_MESSAGE and the member serves the others', async (_, bad) => {
    members = await startCluster(3);
    const [, b, c] = members as [Member, Member, Member];
    const error = await streamCall(clientOf(b), identityMetadata(good), [[encodeMessage(numbered(1, 2, 0)), bad()]]);
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(error?.metadata.get(PEER_ERROR_CODE_KEY)).toEqual(['PEER_BAD_MESSAGE']);
    // Nothing of the bad batch was delivered, not even its good first message.
    expect(b.handler.received).toEqual([]);
    c.transport.send(range(0, 20).map((s) => numbered(3, 2, s)));
    await b.handler.until(() => b.handler.received.length === 20);
    expect(b.handler.received.map(sequenceOf)).toEqual(range(0, 20));
  });
});

describe('proposals and reads passed on by a member that is not the leader', () => {
  it('keep their original sender and are delivered (the answer goes back to the member that asked)', async () => {
    members = await startCluster(3);
    const [, b] = members as [Member, Member, Member];
    const relayed = encodeMessage({ type: 'propose', from: 3, to: 2, term: 0, entries: [{ type: 'normal', data: new Uint8Array([7]) }] });
    const read = encodeMessage({ type: 'readIndex', from: 3, to: 2, term: 0, context: 'r1' });
    const error = await streamCall(clientOf(b), identityMetadata(good), [[relayed, read]]);
    expect(error).toBeNull();
    await b.handler.until(() => b.handler.received.length === 2);
    expect(b.handler.received.map((m) => [m.type, m.from])).toEqual([
      ['propose', 3],
      ['readIndex', 3],
    ]);
  });
});
