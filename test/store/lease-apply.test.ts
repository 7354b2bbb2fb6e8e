// Leases in the replicated state: grant, revoke (deleting attached keys in one revision), checkpoint,
// attaching keys by put and detaching them by delete, and the lease table surviving a reopen and a
// snapshot install. The member keeps the time; the store applies the decisions.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeaseExistsError, LeaseNotFoundError, LeaseTtlTooLargeError } from '../../store/errors.js';
import type { ApplyItem } from '../../store/mvcc/mvcc-store.js';
import { FROM_KEY } from '../../store/mvcc/key-bytes.js';
import type { RequestOp, WriteRequest } from '../../store/mvcc/types.js';
import { MAX_LEASE_TTL } from '../../store/mvcc/validate.js';
import { MvccHarness, b, str } from './helpers/mvcc-harness.js';

const keysOf = (h: MvccHarness, id: bigint): string[] => h.store.leaseKeys(id).map(str);

describe('leases', () => {
  let h: MvccHarness;

  beforeEach(async () => {
    h = await MvccHarness.create();
  });

  afterEach(async () => {
    await h.destroy();
  });

  describe('grant', () => {
    it('records the lease without consuming a revision', async () => {
      await h.put('a', '1'); // 2
      expect(await h.grant(7n, 30)).toEqual({ revision: 2, id: 7n, ttl: 30 });
      expect(h.store.revision).toBe(2);
      expect(h.store.lease(7n)).toEqual({ id: 7n, ttl: 30, remainingTtl: 0 });
      expect(h.store.lease(8n)).toBeUndefined();
      expect(keysOf(h, 7n)).toEqual([]);
    });

    it('lists leases in ID order, negative IDs included', async () => {
      for (const id of [5n, -3n, 0x7fff_ffff_ffff_ffffn, 1n]) await h.grant(id, 10);
      expect(h.store.leases().map((l) => l.id)).toEqual([-3n, 1n, 5n, 0x7fff_ffff_ffff_ffffn]);
    });

    it('refuses an ID in use, the ID 0 and a TTL over etcd’s maximum, changing nothing', async () => {
      await h.grant(7n, 30);
      const index = h.store.appliedIndex;
      await expect(h.grant(7n, 99)).rejects.toThrow(LeaseExistsError);
      await expect(h.grant(7n, 99)).rejects.toThrow('etcdserver: lease already exists');
      await expect(h.grant(0n, 5)).rejects.toThrow(LeaseNotFoundError);
      await expect(h.grant(9n, MAX_LEASE_TTL + 1)).rejects.toThrow(LeaseTtlTooLargeError);
      await expect(h.grant(9n, MAX_LEASE_TTL + 1)).rejects.toThrow('etcdserver: too large lease TTL');
      expect(h.store.appliedIndex).toBe(index + 5); // failed entries still count as applied
      expect(h.store.leases()).toEqual([{ id: 7n, ttl: 30, remainingTtl: 0 }]);
      expect(h.store.revision).toBe(1);
    });
  });

  describe('attaching keys', () => {
    beforeEach(async () => {
      await h.grant(1n);
      await h.grant(2n);
    });

    it('a put with a lease attaches the key; another lease moves it; no lease detaches it', async () => {
      await h.put('k', 'v', { lease: 1n });
      expect(keysOf(h, 1n)).toEqual(['k']);
      await h.put('k', 'v', { lease: 2n });
      expect(keysOf(h, 1n)).toEqual([]);
      expect(keysOf(h, 2n)).toEqual(['k']);
      await h.put('k', 'v');
      expect(keysOf(h, 2n)).toEqual([]);
    });

    it('ignoreLease keeps the attachment; a delete detaches', async () => {
      await h.put('k', 'v', { lease: 1n });
      await h.put('k', 'w', { ignoreLease: true });
      expect(keysOf(h, 1n)).toEqual(['k']);
      await h.put('j', 'v', { lease: 1n });
      await h.del('a', FROM_KEY);
      expect(keysOf(h, 1n)).toEqual([]);
      // A revocation now deletes nothing and consumes no revision.
      const rev = h.store.revision;
      expect(await h.revoke(1n)).toEqual({ revision: rev });
    });

    it('a put with a lease that does not exist fails, consuming no revision', async () => {
      await h.put('k', 'v', { lease: 1n }); // 2
      await expect(h.put('k', 'x', { lease: 3n })).rejects.toThrow(LeaseNotFoundError);
      await expect(h.put('k', 'x', { lease: 3n })).rejects.toThrow('etcdserver: requested lease not found');
      expect(h.store.revision).toBe(2);
      expect(await h.get('k')).toEqual(['k=v']);
      expect(keysOf(h, 1n)).toEqual(['k']);
    });

    it('a txn whose chosen branch puts with a missing lease fails as a whole; the other branch is not checked', async () => {
      const put = (key: string, lease: bigint): RequestOp => ({ type: 'put', request: { key: b(key), value: b('v'), lease } });
      const bad = [put('a', 1n), { type: 'txn' as const, request: { success: [put('b', 3n)] } }];
      await expect(h.txn({ success: bad })).rejects.toThrow(LeaseNotFoundError);
      expect(h.store.revision).toBe(1);
      expect(keysOf(h, 1n)).toEqual([]);
      // The compare fails, so the failure branch runs and the bad one is never looked at.
      const r = await h.txn({ compare: [{ key: b('a'), result: 'equal', target: 'version', version: 5 }], success: bad, failure: [put('c', 2n)] });
      expect(r).toMatchObject({ succeeded: false, revision: 2 });
      expect(keysOf(h, 2n)).toEqual(['c']);
    });

    it('puts inside a txn attach and move keys', async () => {
      await h.put('a', '1', { lease: 1n });
      await h.txn({
        success: [
          { type: 'put', request: { key: b('a'), value: b('2'), lease: 2n } },
          { type: 'put', request: { key: b('b'), value: b('2'), lease: 1n } },
        ],
      });
      expect(keysOf(h, 1n)).toEqual(['b']);
      expect(keysOf(h, 2n)).toEqual(['a']);
    });
  });

  describe('revoke', () => {
    it('deletes every attached key in one revision, in key order, with the events, then the lease', async () => {
      await h.grant(1n);
      await h.put('z', '1', { lease: 1n }); // 2
      await h.put('a', '2', { lease: 1n }); // 3
      await h.put('m', '3'); // 4: not attached
      await h.put('q', '4', { lease: 1n }); // 5
      expect(await h.revoke(1n)).toEqual({ revision: 6 });
      expect(h.lastEvents.map((e) => [e.type, str(e.kv.key), e.kv.modRevision])).toEqual([
        ['delete', 'a', 6],
        ['delete', 'q', 6],
        ['delete', 'z', 6],
      ]);
      expect(h.lastEvents.every((e) => e.prevKv === undefined)).toBe(true);
      expect(await h.get('a', FROM_KEY)).toEqual(['m=3']);
      expect(h.store.lease(1n)).toBeUndefined();
      expect(keysOf(h, 1n)).toEqual([]);
      await expect(h.revoke(1n)).rejects.toThrow(LeaseNotFoundError);
      expect(h.store.revision).toBe(6);
    });

    it('carries prevKv in its events when asked', async () => {
      await h.grant(1n);
      await h.put('a', 'x', { lease: 1n });
      await h.write({ type: 'leaseRevoke', request: { id: 1n } }, { eventsWithPrevKv: true });
      expect(h.lastEvents.map((e) => e.prevKv && str(e.prevKv.value))).toEqual(['x']);
    });

    it('of a lease without keys consumes no revision', async () => {
      await h.put('a', '1'); // 2
      await h.grant(1n);
      expect(await h.revoke(1n)).toEqual({ revision: 2 });
      expect(h.lastEvents).toEqual([]);
      expect(h.store.revision).toBe(2);
    });

    it('applies in order within one batch: a put after the revoke fails, one after a grant succeeds', async () => {
      const start = h.store.appliedIndex;
      const reqs: WriteRequest[] = [
        { type: 'leaseGrant', request: { id: 4n, ttl: 10 } },
        { type: 'put', request: { key: b('k'), value: b('v'), lease: 4n } },
        { type: 'leaseRevoke', request: { id: 4n } },
        { type: 'put', request: { key: b('j'), value: b('v'), lease: 4n } },
      ];
      const items: ApplyItem[] = reqs.map((request, i) => ({ index: start + 1 + i, request }));
      const outcomes = await h.store.applyBatch(items);
      expect(outcomes.map((o) => o.status)).toEqual(['applied', 'applied', 'applied', 'failed']);
      expect(h.store.revision).toBe(3);
      expect(await h.get('a', FROM_KEY)).toEqual([]);
    });
  });

  describe('checkpoint', () => {
    it('records remaining TTLs, ignores unknown leases, consumes no revision', async () => {
      await h.grant(1n, 100);
      await h.grant(2n, 100);
      await h.put('a', '1'); // 2
      const r = await h.write({ type: 'leaseCheckpoint', request: { checkpoints: [{ id: 1n, remainingTtl: 42 }, { id: 9n, remainingTtl: 5 }] } });
      expect(r).toEqual({ type: 'leaseCheckpoint', response: { revision: 2 } });
      expect(h.store.leases()).toEqual([
        { id: 1n, ttl: 100, remainingTtl: 42 },
        { id: 2n, ttl: 100, remainingTtl: 0 },
      ]);
      expect(h.store.revision).toBe(2);
      // A renewal clears it (etcd checkpoints 0).
      await h.write({ type: 'leaseCheckpoint', request: { checkpoints: [{ id: 1n, remainingTtl: 0 }] } });
      expect(h.store.lease(1n)!.remainingTtl).toBe(0);
    });
  });

  describe('persistence', () => {
    async function build(): Promise<void> {
      await h.grant(1n, 30);
      await h.grant(-2n, 60);
      await h.grant(3n, 90);
      await h.put('a', '1', { lease: 1n });
      await h.put('b', '1', { lease: -2n });
      await h.put('c', '1', { lease: 1n });
      await h.put('c', '2', { lease: -2n }); // moved
      await h.put('d', '1', { lease: 3n });
      await h.del('d'); // detached
      await h.write({ type: 'leaseCheckpoint', request: { checkpoints: [{ id: -2n, remainingTtl: 17 }] } });
    }

    const state = (x: MvccHarness) => ({
      leases: x.store.leases(),
      keys: x.store.leases().map((l) => [l.id, x.store.leaseKeys(l.id).map(str)]),
    });
    const expected = {
      leases: [
        { id: -2n, ttl: 60, remainingTtl: 17 },
        { id: 1n, ttl: 30, remainingTtl: 0 },
        { id: 3n, ttl: 90, remainingTtl: 0 },
      ],
      keys: [
        [-2n, ['b', 'c']],
        [1n, ['a']],
        [3n, []],
      ],
    };

    it('survives a clean reopen and a crash', async () => {
      await build();
      expect(state(h)).toEqual(expected);
      await h.reopen();
      expect(h.store.indexRestoredFrom).toBe('checkpoint');
      expect(state(h)).toEqual(expected);
      await h.reopen({ crash: true });
      expect(state(h)).toEqual(expected);
      // And still works: revoking -2 deletes b and c.
      await h.revoke(-2n);
      expect(await h.get('a', FROM_KEY)).toEqual(['a=1']);
    });

    it('travels in a snapshot and replaces the receiver’s leases', async () => {
      await build();
      const target = await MvccHarness.create();
      try {
        await target.grant(50n);
        await target.put('x', '1', { lease: 50n });
        await target.store.installSnapshot(await h.store.snapshot());
        expect(state(target)).toEqual(expected);
        expect(target.store.lease(50n)).toBeUndefined();
        await target.reopen({ crash: true });
        expect(state(target)).toEqual(expected);
      } finally {
        await target.destroy();
      }
    });

    it('is not part of HashKV, which covers keys only', async () => {
      await h.put('a', '1');
      const before = await h.store.hashKV();
      await h.grant(1n);
      await h.write({ type: 'leaseCheckpoint', request: { checkpoints: [{ id: 1n, remainingTtl: 3 }] } });
      expect(await h.store.hashKV()).toEqual(before);
    });
  });
});
