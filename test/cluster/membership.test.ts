// Membership changes of a running 3-member cluster through etcd's Cluster API, as `etcdctl member
// add / remove` make them: a member added and started with --initial-cluster-state existing gets
// every earlier write; a removed member stops by itself — also the leader, and also one that was
// down when it was removed (its peers refuse it as removed when it comes back, as etcd's do); a
// member added while its peers are down joins once they are back.
import { Metadata } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtcdClient } from '../../rpc/etcd-api.js';
import { ensureAdded, ensureRemoved, memberList } from '../jepsen/membership.js';
import { findLeader } from '../jepsen/cluster-view.js';
import { TestCluster } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';

const PREFIX = 'membership/';

function kv(endpoint: string, call: 'Put' | 'Range', request: object): Promise<{ kvs?: { key: Buffer; value: Buffer }[] }> {
  const client = createEtcdClient('KV', endpoint);
  return new Promise<{ kvs?: { key: Buffer; value: Buffer }[] }>((resolve, reject) => {
    const fn = client[call] as unknown as (req: object, md: Metadata, opts: { deadline: number }, cb: (err: Error | null, res?: { kvs?: { key: Buffer; value: Buffer }[] }) => void) => void;
    fn.call(client, request, new Metadata(), { deadline: Date.now() + 10_000 }, (err, res) => (err ? reject(err) : resolve(res ?? {})));
  }).finally(() => client.close());
}

async function putKeys(endpoint: string, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) await kv(endpoint, 'Put', { key: Buffer.from(`${PREFIX}${i}`), value: Buffer.from(`v${i}`) });
}

/** The keys under PREFIX as `member` holds them (serializable: its own applied state). */
async function localKeys(endpoint: string): Promise<number> {
  const end = Buffer.from(PREFIX);
  end[end.length - 1]!++;
  const res = await kv(endpoint, 'Range', { key: Buffer.from(PREFIX), range_end: end, serializable: true });
  return res.kvs?.length ?? 0;
}


describe('membership changes of a running cluster', () => {
  let cluster: TestCluster;
  let hexIds: string[];
  let written = 0;

  beforeAll(async () => {
    cluster = await TestCluster.start({ implementation: 'lodestone', size: 3 });
    hexIds = (await memberList(cluster.member(0).endpoint)).sort((a, b) => a.name.localeCompare(b.name)).map((m) => m.hexId);
    await putKeys(cluster.member(0).endpoint, 0, 50);
    written = 50;
  }, 60_000);

  afterAll(async () => {
    await cluster?.destroy();
  });

  it('a member added with MemberAdd and started with --initial-cluster-state existing gets every earlier write', async () => {
    const joined = await cluster.addMember(async (joining) => {
      const r = await ensureAdded(cluster, joining.peerUrl, [0], 20_000);
      hexIds[joining.index] = r.member.hexId;
      return [...cluster.activeMembers.map((m) => `${m.name}=${m.peerUrl}`), `${joining.name}=${joining.peerUrl}`].join(',');
    });
    await cluster.waitReady();
    const listed = await memberList(joined.endpoint);
    expect(listed.map((m) => m.name).sort()).toEqual(['infra1', 'infra2', 'infra3', 'infra4']);
    await eventually('the new member to hold every earlier write', async () => ((await localKeys(joined.endpoint)) === written ? true : undefined));
    // It takes writes too (passed on to the leader).
    await putKeys(joined.endpoint, written, 10);
    written += 10;
    for (const m of cluster.activeMembers) await eventually(`${m.name} to hold ${written} keys`, async () => ((await localKeys(m.endpoint)) === written ? true : undefined));
  }, 90_000);

  it('the leader removed through a follower stops by itself; the others elect a new leader and take writes', async () => {
    const leader = await eventually('a leader', async () => findLeader(cluster, hexIds));
    await ensureRemoved(cluster, leader, hexIds[leader]!, 20_000);
    expect(await cluster.markRemoved(leader)).toBe(true);
    await cluster.waitReady();
    const rest = cluster.activeMembers;
    expect(rest).toHaveLength(3);
    expect((await memberList(rest[0]!.endpoint)).map((m) => m.hexId)).not.toContain(hexIds[leader]);
    await putKeys(rest[0]!.endpoint, written, 10);
    written += 10;
    expect(await localKeys(rest[0]!.endpoint)).toBe(written);
  }, 90_000);

  it('a member removed while it was down stops when it comes back: its peers refuse it as removed', async () => {
    const leader = await eventually('a leader', async () => findLeader(cluster, hexIds));
    const target = cluster.activeMembers.find((m) => m.index !== leader)!;
    await cluster.stop(target.index);
    await ensureRemoved(cluster, target.index, hexIds[target.index]!, 20_000);
    cluster.restart(target.index);
    await target.process.waitForLine(/says this member was removed from the cluster; stopping/, { timeoutMs: 20_000 });
    expect(await cluster.markRemoved(target.index)).toBe(true);
    await cluster.waitReady();
    expect(cluster.activeMembers).toHaveLength(2);
    await putKeys(cluster.activeMembers[0]!.endpoint, written, 5);
    written += 5;
    await eventually('both members to hold every write', async () =>
      (await localKeys(cluster.activeMembers[1]!.endpoint)) === written ? true : undefined,
    );
  }, 90_000);

  it('a member added while its peers are down — as when every member restarts at once — joins once they are back', async () => {
    const peers = cluster.activeMembers.map((m) => m.index);
    const joined = await cluster.addMember(async (joining) => {
      const r = await ensureAdded(cluster, joining.peerUrl, [peers[0]!], 20_000);
      hexIds[joining.index] = r.member.hexId;
      const initialCluster = [...cluster.activeMembers.map((m) => `${m.name}=${m.peerUrl}`), `${joining.name}=${joining.peerUrl}`].join(',');
      // It starts while nobody it could ask is listening; they come back three seconds later.
      for (const i of peers) await cluster.kill(i);
      setTimeout(() => {
        for (const i of peers) cluster.restart(i);
      }, 3000);
      return initialCluster;
    });
    await cluster.waitReady();
    expect((await memberList(joined.endpoint)).map((m) => m.hexId).sort()).toEqual([...peers.map((i) => hexIds[i]!), hexIds[joined.index]!].sort());
    await eventually('the new member to hold every earlier write', async () => ((await localKeys(joined.endpoint)) === written ? true : undefined));
  }, 90_000);
});
