// A lease that ran out on the leader's clock is gone for good: a renewal that arrives before its
// revoke is applied waits for the revoke and answers TTL 0 (etcd's lessor does the same), instead
// of bringing the lease back while the revoke deletes its keys. The member's expiry hook (a
// ZooKeeper session's close) runs before the revoke is proposed.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { LeaseManager, type LeasePort } from '../../cluster/lease-manager.js';
import type { LeaseInfo } from '../../store/mvcc/types.js';

const LEASE: LeaseInfo = { id: 9n, ttl: 2, remainingTtl: 0 };

function leader(hook?: (id: bigint) => Promise<void>): { manager: LeaseManager; clock: { now: number }; writes: string[]; applyRevoke: () => void } {
  const clock = { now: 0 };
  const writes: string[] = [];
  let present = true;
  let manager: LeaseManager | undefined;
  const port: LeasePort = {
    write: async (req) => {
      writes.push(req.type);
      return { type: req.type, response: { revision: 6 } } as never;
    },
    isLeader: () => true,
    refuseOnLearner: () => undefined,
    forwardToLeader: () => Promise.reject(new Error('the leader passes nothing on')),
    lease: (id) => (id === LEASE.id && present ? LEASE : undefined),
    untilCommittedApplied: async () => undefined,
    leases: () => (present ? [LEASE] : []),
    leaseKeys: () => [],
    revision: () => 5,
    now: () => clock.now,
  };
  manager = new LeaseManager(port, { minTtl: 2, electionTimeoutMs: 1000, checkpointIntervalMs: 1000, logger: pino({ level: 'silent' }), ...(hook ? { beforeExpiredRevoke: hook } : {}) });
  manager.promote();
  manager.onApplied({ granted: [{ id: LEASE.id, ttl: LEASE.ttl }], revoked: [] });
  const applyRevoke = (): void => {
    present = false;
    manager!.onApplied({ granted: [], revoked: [LEASE.id] });
  };
  return { manager, clock, writes, applyRevoke };
}

const tick = (m: LeaseManager): void => (m as unknown as { onTimer(): void }).onTimer();

describe('an expired lease on the leader', () => {
  it('is renewed while its TTL lasts', async () => {
    const { manager, clock } = leader();
    clock.now = 1500;
    expect((await manager.keepAlive(LEASE.id)).ttl).toBe(2);
  });

  it('answers a renewal after the TTL only once the revoke is applied, with TTL 0', async () => {
    const { manager, clock, applyRevoke } = leader();
    clock.now = 2500;
    let answered: number | undefined;
    const renewal = manager.keepAlive(LEASE.id).then((r) => (answered = r.ttl));
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBeUndefined();
    applyRevoke();
    await renewal;
    expect(answered).toBe(0);
    manager.close();
  });

  it('runs the expiry hook before proposing the revoke', async () => {
    const order: string[] = [];
    let release: () => void = () => undefined;
    const { manager, clock, writes } = leader((id) => {
      order.push(`hook ${id}`);
      return new Promise<void>((resolve) => (release = resolve));
    });
    clock.now = 2500;
    tick(manager);
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual(['hook 9']);
    expect(writes).toEqual([]);
    release();
    await new Promise((r) => setTimeout(r, 20));
    expect(writes).toEqual(['leaseRevoke']);
    manager.close();
  });

  it('is revoked even when the hook fails', async () => {
    const { manager, clock, writes } = leader(() => Promise.reject(new Error('no leader for the close')));
    clock.now = 2500;
    tick(manager);
    await new Promise((r) => setTimeout(r, 20));
    expect(writes).toEqual(['leaseRevoke']);
    manager.close();
  });
});
