// What every KvClient must do, whichever way it reaches the data: one suite, run against an embedded
// node (in-process backends) and against a remote client of a served node (gRPC).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvClient, WatchEvent } from '../../index.js';
import { Op, WatchCompactedError, isEtcdError } from '../../index.js';

export interface SuiteTarget {
  readonly client: KvClient;
  /** Compacts the store up to `revision` (the client API has no compaction). */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}

const text = (b: Uint8Array): string => Buffer.from(b).toString();

/** Takes `count` events from a watch's iterator, without ending the watch. */
async function take(it: AsyncIterator<WatchEvent>, count: number): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  while (out.length < count) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

export function kvClientSuite(name: string, open: () => Promise<SuiteTarget>): void {
  describe(`KvClient: ${name}`, () => {
    let target: SuiteTarget;
    let c: KvClient;
    beforeAll(async () => {
      target = await open();
      c = target.client;
    });
    afterAll(async () => {
      await target?.close();
    });

    it('puts and gets text and bytes, and says when a key is missing', async () => {
      const put = await c.put('s/text', 'héllo');
      expect(put.revision).toBeGreaterThan(0);
      await c.put(Uint8Array.of(0x73, 0x2f, 0xff), Uint8Array.of(1, 2, 3));
      const kv = await c.get('s/text');
      expect(kv?.valueString).toBe('héllo');
      expect(kv?.version).toBe(1);
      expect(kv?.modRevision).toBe(put.revision);
      expect([...(await c.get(Uint8Array.of(0x73, 0x2f, 0xff)))!.value]).toEqual([1, 2, 3]);
      expect(await c.get('s/missing')).toBeUndefined();
      const second = await c.put('s/text', 'again', { prevKv: true });
      expect(second.prevKv?.valueString).toBe('héllo');
      expect((await c.get('s/text', { revision: put.revision }))?.valueString).toBe('héllo');
      expect((await c.get('s/text', { serializable: true }))?.version).toBe(2);
    });

    it('ranges by prefix and by bounds, with limit, sort and counts', async () => {
      for (const k of ['r/a', 'r/b', 'r/c', 'r/d', 'rz']) await c.put(k, `v-${k}`);
      const all = await c.range({ prefix: 'r/' });
      expect(all.kvs.map((kv) => kv.keyString)).toEqual(['r/a', 'r/b', 'r/c', 'r/d']);
      expect(all.count).toBe(4);
      const limited = await c.range({ prefix: 'r/', limit: 2 });
      expect(limited.kvs.map((kv) => kv.keyString)).toEqual(['r/a', 'r/b']);
      expect(limited.more).toBe(true);
      const bounded = await c.range({ from: 'r/b', to: 'r/d' });
      expect(bounded.kvs.map((kv) => kv.keyString)).toEqual(['r/b', 'r/c']);
      const open = await c.range({ from: 'r/d' });
      expect(open.kvs.map((kv) => kv.keyString).slice(0, 2)).toEqual(['r/d', 'rz']);
      const sorted = await c.range({ prefix: 'r/', sort: { target: 'key', order: 'descend' } });
      expect(sorted.kvs.map((kv) => kv.keyString)).toEqual(['r/d', 'r/c', 'r/b', 'r/a']);
      const counted = await c.range({ prefix: 'r/', countOnly: true });
      expect(counted.count).toBe(4);
      expect(counted.kvs).toHaveLength(0);
      const keys = await c.range({ prefix: 'r/', keysOnly: true });
      expect(keys.kvs.every((kv) => kv.value.length === 0)).toBe(true);
    });

    it('deletes a key, a prefix and a range', async () => {
      for (const k of ['d/1', 'd/2', 'd/3', 'd/4', 'e/1']) await c.put(k, 'x');
      expect((await c.delete('d/1')).deleted).toBe(1);
      expect((await c.delete('d/nothing')).deleted).toBe(0);
      const r = await c.delete({ from: 'd/2', to: 'd/3' }, { prevKv: true });
      expect(r.deleted).toBe(1);
      expect(r.prevKvs.map((kv) => kv.keyString)).toEqual(['d/2']);
      expect((await c.delete({ prefix: 'd/' })).deleted).toBe(2);
      expect((await c.range({ prefix: 'd/' })).count).toBe(0);
      expect(await c.get('e/1')).toBeDefined();
    });

    it('commits transactions on value, version, create and mod compares', async () => {
      const p = await c.put('t/k', 'one');
      const yes = await c
        .txn()
        .if('t/k', 'value', '==', 'one')
        .if('t/k', 'version', '==', 1)
        .if('t/k', 'mod', '==', p.revision)
        .if('t/k', 'create', '>', 0)
        .then(Op.put('t/k', 'two'), Op.put('t/other', 'x'), Op.get('t/k'))
        .else(Op.get('t/k'))
        .commit();
      expect(yes.succeeded).toBe(true);
      expect(yes.results.map((r) => r.kind)).toEqual(['put', 'put', 'get']);
      const got = yes.results[2];
      expect(got?.kind === 'get' && got.kv?.valueString).toBe('two');
      const no = await c.txn().if('t/k', 'value', '==', 'one').then(Op.delete('t/k')).else(Op.get('t/k'), Op.range({ prefix: 't/' })).commit();
      expect(no.succeeded).toBe(false);
      expect(no.results[0]?.kind === 'get' && no.results[0].kv?.valueString).toBe('two');
      expect(no.results[1]?.kind === 'range' && no.results[1].kvs.length).toBe(2);
      // A missing key's create revision is 0: "create if absent".
      const create = () => c.txn().if('t/new', 'create', '==', 0).then(Op.put('t/new', 'first')).commit({ idempotent: false });
      expect((await create()).succeeded).toBe(true);
      expect((await create()).succeeded).toBe(false);
      const del = await c.txn().if('t/k', 'value', '!=', 'zzz').then(Op.delete({ prefix: 't/' }, { prevKv: true })).commit();
      expect(del.results[0]?.kind === 'delete' && del.results[0].deleted).toBe(3);
      expect(yes.revision).toBeLessThan(del.revision);
    });

    it('attaches keys to leases: revoking deletes them; a released lease expires with its keys', async () => {
      const lease = await c.grant(1);
      expect(lease.ttl).toBeGreaterThanOrEqual(1);
      await c.put('l/a', 'x', { lease });
      await c.put('l/b', 'y', { lease: lease.id });
      expect((await c.get('l/a'))?.lease).toBe(lease.id);
      await c.revoke(lease);
      expect(await lease.ended).toBe('revoked');
      expect((await c.range({ prefix: 'l/' })).count).toBe(0);

      const kept = await c.grant(1);
      const dropped = await c.grant(1);
      await c.put('l/kept', 'x', { lease: kept });
      await c.put('l/dropped', 'x', { lease: dropped });
      dropped.release();
      expect(await dropped.ended).toBe('released');
      // The kept lease outlives several TTLs; the released one is gone within its TTL plus the
      // leader's expiry check (generous bound).
      const deadline = Date.now() + 15_000;
      while ((await c.get('l/dropped')) !== undefined) {
        expect(Date.now()).toBeLessThan(deadline);
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, Math.max(0, (kept.ttl + 1) * 1000)));
      expect((await c.get('l/kept'))?.valueString).toBe('x');
      await kept.revoke();
      expect(await c.get('l/kept')).toBeUndefined();
    });

    it('rejects a put on a lease that does not exist with etcd\'s error', async () => {
      const err = await c.put('l/none', 'x', { lease: 0x1234n }).catch((e: unknown) => e);
      expect(isEtcdError(err, 'ETCD_LEASE_NOT_FOUND')).toBe(true);
    });

    it('watches a prefix: every change after the watch, in order, with prevKv', async () => {
      const w = await c.watch({ prefix: 'w/' }, { prevKv: true });
      const it = w[Symbol.asyncIterator]();
      await c.put('w/1', 'a');
      await c.put('w/1', 'b');
      await c.put('other', 'not watched');
      await c.txn().then(Op.put('w/2', 'c'), Op.delete('w/1')).commit();
      const events = await take(it, 4);
      expect(events.map((e) => `${e.type} ${e.kv.keyString} ${e.kv.valueString} ${e.prevKv ? text(e.prevKv.value) : '-'}`)).toEqual([
        'put w/1 a -',
        'put w/1 b a',
        'put w/2 c -',
        'delete w/1  b',
      ]);
      expect(events[2]!.revision).toBe(events[3]!.revision);
      expect(w.revision).toBe(events[3]!.revision);
      await w.close();
      expect((await it.next()).done).toBe(true);
    });

    it('watches one key from a past revision, and filters deletes', async () => {
      const first = await c.put('h/key', '1');
      await c.put('h/key', '2');
      await c.delete('h/key');
      await c.put('h/key', '3');
      const w = await c.watch('h/key', { fromRevision: first.revision, filter: 'noDelete' });
      const seen: string[] = [];
      for await (const e of w) {
        seen.push(e.kv.valueString);
        if (seen.length === 3) break; // breaking out closes the watch
      }
      expect(seen).toEqual(['1', '2', '3']);
    });

    it('ends a watch whose start revision was compacted with WatchCompactedError', async () => {
      const first = await c.put('cw/k', '1');
      const last = await c.put('cw/k', '2');
      await target.compact(last.revision);
      const w = await c.watch('cw/k', { fromRevision: first.revision });
      const err = await (async () => {
        for await (const _ of w) void _;
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WatchCompactedError);
      expect((err as WatchCompactedError).compactRevision).toBe(last.revision);
      expect(isEtcdError(err, 'ETCD_COMPACTED')).toBe(true);
    });

    it('hands a slow consumer every event of a large burst, in order, once', async () => {
      const w = await c.watch({ prefix: 'burst/' });
      const n = 3000;
      const writes = (async () => {
        for (let i = 0; i < n; i += 100) {
          await Promise.all(Array.from({ length: 100 }, (_, j) => c.put(`burst/${String(i + j).padStart(5, '0')}`, String(i + j))));
        }
      })();
      const revisions: number[] = [];
      for await (const e of w) {
        revisions.push(e.revision);
        // Slower than the writer at first: the queue fills and the watcher is paused.
        if (revisions.length < 1500 && revisions.length % 100 === 0) await new Promise((r) => setTimeout(r, 5));
        if (revisions.length === n) break;
      }
      await writes;
      expect(revisions).toHaveLength(n);
      for (let i = 1; i < n; i++) expect(revisions[i]).toBeGreaterThan(revisions[i - 1]!);
    });
  });
}
