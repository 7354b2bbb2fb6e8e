// A membership change made through a follower (passed on to the leader) shows in that follower's
// own member list as soon as the client hears it is done, as etcd's member waits to apply its own
// proposals: `etcdctl member add` then `member list` through the same endpoint see the new member.
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtcdClient } from '../../rpc/etcd-api.js';
import { findLeader } from '../jepsen/cluster-view.js';
import { memberList } from '../jepsen/membership.js';
import { TestCluster } from '../support/cluster.js';

interface WireMember {
  readonly ID: string;
  readonly peerURLs: string[];
  readonly isLearner: boolean;
}

function call<Res>(endpoint: string, method: 'MemberAdd' | 'MemberList' | 'MemberRemove', request: object): Promise<Res> {
  const client = createEtcdClient('Cluster', endpoint);
  return new Promise<Res>((resolve, reject) => {
    const fn = client[method] as unknown as (req: object, md: Metadata, opts: { deadline: number }, cb: (err: ServiceError | null, res?: Res) => void) => void;
    fn.call(client, request, new Metadata(), { deadline: Date.now() + 10_000 }, (err, res) => (err || !res ? reject(err ?? new Error('empty')) : resolve(res)));
  }).finally(() => client.close());
}

describe('a membership change made through a follower', () => {
  let cluster: TestCluster;
  let follower: string;

  beforeAll(async () => {
    cluster = await TestCluster.start({ implementation: 'lodestone', size: 3 });
    const hexIds = (await memberList(cluster.member(0).endpoint)).sort((a, b) => a.name.localeCompare(b.name)).map((m) => m.hexId);
    const leader = await findLeader(cluster, hexIds);
    follower = cluster.activeMembers.find((m) => m.index !== leader)!.endpoint;
  }, 60_000);

  afterAll(async () => {
    await cluster?.destroy();
  });

  it("is in the follower's own list as soon as it is answered, every time", async () => {
    for (let i = 0; i < 25; i++) {
      const peerUrl = `http://127.0.0.1:${41_000 + i}`;
      const added = await call<{ member: WireMember }>(follower, 'MemberAdd', { peerURLs: [peerUrl], isLearner: true });
      const listed = await call<{ members: WireMember[] }>(follower, 'MemberList', {});
      expect(listed.members.map((m) => m.peerURLs[0])).toContain(peerUrl);
      await call(follower, 'MemberRemove', { ID: added.member.ID });
      const after = await call<{ members: WireMember[] }>(follower, 'MemberList', {});
      expect(after.members.map((m) => m.peerURLs[0])).not.toContain(peerUrl);
    }
  }, 60_000);
});
