// A follower answers a LeaseGrant once it has applied the grant, and the leader may not have applied
// it yet (it sent the commit on before its own apply finished). The holder's first keepalive, passed
// on to the leader, must still find the lease: a keepalive answered TTL 0 makes etcd's client give
// its session up ("session expired" from etcdctl lock). The leader's applies are held back by a fault
// file so that it is always behind when the renewal reaches it.
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtcdClient, type LeaseKeepAliveResponse } from '../../rpc/etcd-api.js';
import { FAULT_SETTLE_MS, startClusterWithFaults, type ClusterWithFaults } from '../support/member-fault-files.js';

/** Longer than a follower takes to apply a committed entry, so the leader is behind it. */
const LEADER_APPLY_DELAY_MS = 1500;
const TTL_S = 30;

function unary<Res>(invoke: (cb: (err: ServiceError | null, res?: Res) => void) => void): Promise<Res> {
  return new Promise((resolve, reject) => invoke((err, res) => (err || res === undefined ? reject(err ?? new Error('empty response')) : resolve(res))));
}

const deadline = (ms = 10_000): { deadline: number } => ({ deadline: Date.now() + ms });

describe('a lease granted through a follower, renewed before the leader has applied the grant', () => {
  let started: ClusterWithFaults | undefined;
  const closers: (() => void)[] = [];
  let firstTtl: string | undefined;
  let timeToLive: string | undefined;
  let leaderApplied = { before: 0, grantIndex: 0 };

  afterAll(async () => {
    for (const c of closers) c();
    await started?.destroy();
  }, 30_000);

  beforeAll(async () => {
    started = await startClusterWithFaults('lease-grant-follower-');
    const { cluster, faults: files } = started;
    const { leaderIndex } = await cluster.waitReady();
    const leader = cluster.member(leaderIndex);
    const follower = cluster.members.find((m) => m.index !== leaderIndex)!;
    await files.set(leader.name, { applyDelayMs: LEADER_APPLY_DELAY_MS });
    await new Promise((r) => setTimeout(r, FAULT_SETTLE_MS));

    const lease = createEtcdClient('Lease', follower.endpoint);
    const onLeader = createEtcdClient('Maintenance', leader.endpoint);
    const onFollower = createEtcdClient('Maintenance', follower.endpoint);
    closers.push(() => [lease, onLeader, onFollower].forEach((c) => c.close()));
    const appliedOn = async (m: typeof onLeader): Promise<number> =>
      Number((await unary<{ raftAppliedIndex: string }>((cb) => m.Status({}, new Metadata(), deadline(), cb))).raftAppliedIndex);

    const granted = await unary<{ ID: string; TTL: string }>((cb) => lease.LeaseGrant({ TTL: String(TTL_S) }, new Metadata(), deadline(), cb));
    const grantIndex = await appliedOn(onFollower);
    leaderApplied = { before: await appliedOn(onLeader), grantIndex };

    const keepAlive = lease.LeaseKeepAlive(new Metadata());
    closers.push(() => keepAlive.cancel());
    keepAlive.on('error', () => undefined);
    const answered = new Promise<LeaseKeepAliveResponse>((resolve) => keepAlive.once('data', resolve));
    keepAlive.write({ ID: granted.ID });
    firstTtl = (await answered).TTL;
    timeToLive = (await unary<{ TTL: string }>((cb) => lease.LeaseTimeToLive({ ID: granted.ID }, new Metadata(), deadline(), cb))).TTL;
  }, 60_000);

  it('the leader had not applied the grant when the follower answered it', () => {
    expect(leaderApplied.before).toBeLessThan(leaderApplied.grantIndex);
  });

  it('the first keepalive answers the granted TTL, not 0', () => {
    expect(firstTtl).toBe(String(TTL_S));
  });

  it('the lease is known to the leader\'s clock', () => {
    expect(Number(timeToLive)).toBeGreaterThan(TTL_S - 5);
  });
});
