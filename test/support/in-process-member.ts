// A real one-member cluster in this process, in memory, on free ports, with short raft timings,
// returned once it leads: for tests that need a member's own API (its KV, leases, ZooKeeper port).
import { Member } from '../../cluster/member.js';
import type { MemberOptions } from '../../cluster/member-options.js';

export async function startInProcessMember(extra: Partial<MemberOptions> = {}): Promise<Member> {
  const member = await Member.start({
    name: 'a',
    inMemory: true,
    servePeers: false,
    initialCluster: 'a=http://localhost:2380',
    listenClientUrls: ['http://127.0.0.1:0'],
    advertiseClientUrls: ['http://127.0.0.1:0'],
    heartbeatInterval: 50,
    electionTimeout: 500,
    logLevel: 'silent',
    ...extra,
  });
  for (let i = 0; i < 100 && member.raftStatus().role !== 'leader'; i++) await new Promise((r) => setTimeout(r, 50));
  return member;
}
