import { describe, expect, it } from 'vitest';
import { Lessor } from '../../cluster/lessor.js';

const opts = { checkpointIntervalMs: 1000, promoteExtensionMs: 1000 };

describe('the lessor keeps time only on the leader', () => {
  it('a follower expires nothing and renews nothing', () => {
    const l = new Lessor(opts);
    l.granted(1n, 5, 0);
    expect(l.renew(1n, 0)).toBe(false);
    expect(l.expired(1e9, 10)).toEqual([]);
    expect(l.remainingSeconds(1n, 0)).toBeUndefined();
  });

  it('a lease granted on the leader expires after its TTL unless renewed', () => {
    const l = new Lessor(opts);
    l.promote([], 0);
    l.granted(1n, 5, 0);
    expect(l.expired(4999, 10)).toEqual([]);
    expect(l.renew(1n, 4000)).toBe(true);
    expect(l.expired(8999, 10)).toEqual([]);
    // Whole seconds left, truncated as etcd's are: at once after the renewal already one less than the TTL.
    expect(l.remainingSeconds(1n, 4000)).toBe(4);
    expect(l.remainingSeconds(1n, 4500)).toBe(4);
    expect(l.remainingSeconds(1n, 5000)).toBe(3);
    expect(l.remainingSeconds(1n, 8999)).toBe(0);
    expect(l.expired(9000, 10)).toEqual([1n]);
    l.revoked(1n);
    expect(l.expired(20_000, 10)).toEqual([]);
  });

  it('a lease that ran out cannot be renewed while its revoke is on its way', () => {
    const l = new Lessor(opts);
    l.promote([], 0);
    l.granted(1n, 5, 0);
    expect(l.isExpired(1n, 4999)).toBe(false);
    expect(l.isExpired(1n, 5000)).toBe(true);
    expect(l.renew(1n, 5001)).toBe(false);
    expect(l.expired(5001, 10)).toEqual([1n]);
  });

  it('a new leader continues from the checkpointed remaining TTL plus the extension, never earlier', () => {
    const l = new Lessor(opts);
    l.promote([{ id: 7n, ttl: 60, remainingTtl: 10 }, { id: 8n, ttl: 60, remainingTtl: 0 }], 100_000);
    // 7: 10 s left at the checkpoint, plus 1 s of extension; 8: never checkpointed, the full 60 s plus 1 s.
    expect(l.expired(100_000 + 10_999, 10)).toEqual([]);
    expect(l.expired(100_000 + 11_000, 10)).toEqual([7n]);
    expect(l.expired(100_000 + 61_000, 10)).toEqual([7n, 8n]);
  });

  it('checkpoints only leases nobody renewed for three quarters of their TTL, then once per interval', () => {
    const l = new Lessor(opts);
    l.promote([], 0);
    l.granted(1n, 40, 0);
    l.granted(2n, 40, 0);
    l.granted(3n, 40, 0);
    expect(l.dueCheckpoints(29_999, 100)).toEqual([]);
    l.renew(2n, 10_000); // its holder renews every third of the TTL: never due
    l.renew(3n, 20_000); // a TTL check's instance, every half of it: not due either
    expect(l.dueCheckpoints(30_000, 100)).toEqual([{ id: 1n, remainingTtl: 10 }]);
    expect(l.dueCheckpoints(30_500, 100)).toEqual([]);
    expect(l.dueCheckpoints(31_000, 100)).toEqual([{ id: 1n, remainingTtl: 9 }]);
    l.renew(3n, 40_000);
    // 1 has run out (nothing left to record); 2 has been idle three quarters of its TTL now.
    expect(l.dueCheckpoints(40_000, 100)).toEqual([{ id: 2n, remainingTtl: 10 }]);
  });

  it('demotion forgets every clock', () => {
    const l = new Lessor(opts);
    l.promote([{ id: 1n, ttl: 5, remainingTtl: 0 }], 0);
    l.demote();
    expect(l.isPrimary).toBe(false);
    expect(l.expired(1e9, 10)).toEqual([]);
  });
});
