// A leader's state holds a grant as soon as its batch is applied, and its lease clocks hear of it
// once the batch is visible, after the write to disk. A renewal that arrives in between (passed on by
// the follower that answered the grant, which applied it first) must wait for the clocks rather than
// answer TTL 0: etcd's client gives its session up on TTL 0 ("session expired" from etcdctl lock).
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { LeaseManager, type LeasePort } from '../../cluster/lease-manager.js';
import type { LeaseInfo } from '../../store/mvcc/types.js';

const LEASE: LeaseInfo = { id: 7n, ttl: 60, remainingTtl: 0 };

function leaderWithGrantInFlight(): { manager: LeaseManager; waits: () => number } {
  let manager: LeaseManager | undefined;
  let waits = 0;
  const port: LeasePort = {
    write: () => Promise.reject(new Error('no write expected')),
    isLeader: () => true,
    refuseOnLearner: () => undefined,
    forwardToLeader: () => Promise.reject(new Error('the leader passes nothing on')),
    // In the state already...
    lease: (id) => (id === LEASE.id ? LEASE : undefined),
    // ...and told to the clocks once the batch is visible.
    untilCommittedApplied: async () => {
      waits++;
      manager!.onApplied({ granted: [{ id: LEASE.id, ttl: LEASE.ttl }], revoked: [] });
    },
    leases: () => [],
    leaseKeys: () => [],
    revision: () => 5,
    now: () => 1000,
  };
  manager = new LeaseManager(port, { minTtl: 2, electionTimeoutMs: 1000, checkpointIntervalMs: 1000, logger: pino({ level: 'silent' }) });
  manager.promote();
  return { manager, waits: () => waits };
}

describe('a renewal on the leader between a grant reaching the state and its clocks', () => {
  it('waits for the batch to be visible and answers the granted TTL', async () => {
    const { manager, waits } = leaderWithGrantInFlight();
    expect(await manager.keepAlive(LEASE.id)).toEqual({ ttl: 60, revision: 5 });
    expect(waits()).toBe(1);
  });

  it('answers a renewal passed on by a follower the same way', async () => {
    const { manager } = leaderWithGrantInFlight();
    const answer = await manager.serveForwarded({ request: 'lease_renewals', lease_renewals: { ids: ['7'] } });
    expect(answer).toMatchObject({ lease_renewed: { results: [{ ttl: 60 }] } });
  });

  it('still answers TTL 0 for a lease the state does not hold', async () => {
    const { manager } = leaderWithGrantInFlight();
    expect((await manager.keepAlive(8n)).ttl).toBe(0);
  });
});
