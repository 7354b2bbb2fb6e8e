// Forward: a request one member passes on for another to carry out as the leader. The call is
// admitted as every peer call is (this cluster, a known member, meant for this one) before the
// handler sees it, and the handler learns which member sent it; a refusal of the request itself
// (an etcd error) comes back as an answer, and the follower's side (leader-forwarding.ts) turns
// each outcome into what etcd would tell the client.
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { forwardToLeader, type ForwardingPort } from '../../cluster/leader-forwarding.js';
import { EtcdError } from '../../rpc/etcd-errors.js';
import { PEER_ERROR_CODE_KEY, PeerError } from '../../rpc/peer-errors.js';
import { identityMetadata, peerClientConstructor, type ForwardRequestOut, type ForwardResponseIn, type PeerClient } from '../../rpc/peer-service.js';
import { closeAll, startCluster, type Member } from './peer-test-helpers.js';

let members: Member[] = [];
let clients: PeerClient[] = [];
afterEach(async () => {
  for (const c of clients) c.close();
  clients = [];
  await closeAll(members);
  members = [];
});

const promote: ForwardRequestOut = { member_promote: '42' };

describe('Forward between members', () => {
  it('reaches the other member with the sender named, and brings its answer back', async () => {
    members = await startCluster(2);
    members[1]!.handler.answerForward = async () => ({ members: { members: [{ id: '42', name: 'x', peer_urls: ['http://127.0.0.1:1'], client_urls: [], is_learner: false }] } });
    const answer = await members[0]!.transport.forward(2, promote, Date.now() + 5000);
    expect(answer).toMatchObject({ result: 'members', members: { members: [{ id: '42', name: 'x' }] } });
    expect(members[1]!.handler.forwarded).toEqual([{ request: { request: 'member_promote', member_promote: '42' }, from: 1 }]);
  });

  it('is refused from a member this one does not know, before the handler runs', async () => {
    members = await startCluster(2);
    const Client = peerClientConstructor();
    const client = new Client(members[1]!.address, credentials.createInsecure());
    clients.push(client);
    const error = await new Promise<ServiceError | null>((resolve) => {
      client.Forward(promote, identityMetadata({ clusterId: 'test-cluster', sender: 7, recipient: 2 }), {}, (e) => resolve(e));
    });
    expect(error?.code).toBe(status.FAILED_PRECONDITION);
    expect(error?.metadata.get(PEER_ERROR_CODE_KEY)).toEqual(['PEER_UNKNOWN_MEMBER']);
    expect(members[1]!.handler.forwarded).toEqual([]);
  });

  it('fails as INTERNAL when the handler throws what is not an answer', async () => {
    members = await startCluster(2);
    members[1]!.handler.answerForward = () => Promise.reject(new Error('broken'));
    const error = await members[0]!.transport.forward(2, promote, Date.now() + 5000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PeerError);
    expect(((error as PeerError).cause as ServiceError).code).toBe(status.INTERNAL);
  });

  it('to a member that is not a peer fails without a call', async () => {
    members = await startCluster(2);
    await expect(members[0]!.transport.forward(9, promote, Date.now() + 5000)).rejects.toMatchObject({ code: 'PEER_UNAVAILABLE' });
  });
});

describe("the follower's side: what the client is told", () => {
  const port = (leader: number, forward: ForwardingPort['forward']): ForwardingPort => ({ self: 1, leader: () => leader, forward });
  const never: ForwardingPort['forward'] = () => Promise.reject(new Error('not called'));

  it('no leader known, or this member just elected: etcd errors clients retry', async () => {
    await expect(forwardToLeader(port(0, never), promote, 1000)).rejects.toMatchObject({ code: 'ETCD_NO_LEADER' });
    await expect(forwardToLeader(port(1, never), promote, 1000)).rejects.toMatchObject({ code: 'ETCD_LEADER_CHANGED' });
  });

  it("the leader's refusal is the client's error", async () => {
    const refused = (code: string): ForwardingPort['forward'] => () => Promise.resolve({ result: 'etcd_error', etcd_error: code } as ForwardResponseIn);
    const error = await forwardToLeader(port(2, refused('ETCD_PERMISSION_DENIED')), promote, 1000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EtcdError);
    expect(error).toMatchObject({ code: 'ETCD_PERMISSION_DENIED', message: 'etcdserver: permission denied' });
    await expect(forwardToLeader(port(2, refused('ETCD_FROM_THE_FUTURE')), promote, 1000)).rejects.toThrow(/does not know: ETCD_FROM_THE_FUTURE/);
  });

  it('a leader that cannot be reached, or that refuses this member, is not an answer', async () => {
    members = await startCluster(2);
    await members[1]!.transport.close();
    const unreachable = await forwardToLeader(port(2, (to, req, deadline) => members[0]!.transport.forward(to, req, deadline)), promote, 2000).catch((e: unknown) => e);
    expect(unreachable).toMatchObject({ code: 'ETCD_TIMEOUT_DUE_TO_CONNECTION_LOST' });
    const refusedMember = new PeerError('PEER_UNKNOWN_MEMBER', 'peer: member 1 is not a known member');
    await expect(forwardToLeader(port(2, () => Promise.reject(refusedMember)), promote, 1000)).rejects.toMatchObject({ code: 'ETCD_UNHEALTHY' });
  });
});
