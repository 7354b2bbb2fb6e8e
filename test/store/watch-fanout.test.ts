// Many watchers, many writes: every watcher sees exactly the events of its span from its start
// revision, in order, once, whether it stayed live, started in the past, or was slow and caught up
// from history. Compared with a naive model worked out from the log of applied events.
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FROM_KEY, prefixEnd } from '../../store/mvcc/key-bytes.js';
import type { WriteRequest } from '../../store/mvcc/types.js';
import type { WatchSpec, Watcher } from '../../store/watch/types.js';
import { b } from './helpers/mvcc-harness.js';
import { putReq, RecordingSink, WatchHarness } from './helpers/watch-harness.js';
import { EventLog } from './helpers/watch-model.js';

interface Subject {
  readonly spec: WatchSpec;
  readonly start: number;
  /** It was asked to start at the compaction revision, whose deletes are gone (as in etcd). */
  readonly startAtCompaction?: boolean;
  readonly sink: RecordingSink;
  readonly watcher: Watcher;
  /** A slow sink refuses now and then and is resumed later. */
  readonly slow: boolean;
}

/** A small seeded PRNG (mulberry32), so that a failure replays. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const keyName = (i: number): string => `key/${Math.floor(i / 10)}/${i % 10}`;

/** A watch spec over the keys key/<d>/<k>: one key, a directory, everything from a key, or a range. */
function randomSpec(rand: () => number, keys: number): WatchSpec {
  const k = Math.floor(rand() * keys);
  const kind = rand();
  const base = { startRevision: 0, prevKv: rand() < 0.2, noPut: rand() < 0.05, noDelete: rand() < 0.1 };
  if (kind < 0.4) return { ...base, key: b(keyName(k)) };
  if (kind < 0.7) return { ...base, key: b(keyName(k).slice(0, -1)), rangeEnd: prefixEnd(b(keyName(k).slice(0, -1))) };
  if (kind < 0.8) return { ...base, key: b(keyName(k)), rangeEnd: FROM_KEY };
  if (kind < 0.9) return { ...base, key: b(keyName(k)), rangeEnd: b(keyName(Math.min(keys - 1, k + 1 + Math.floor(rand() * 30)))) };
  return { ...base, key: Uint8Array.of(0), rangeEnd: FROM_KEY };
}

/**
 * Each watcher got, in order and once, the logged events of its span from its start revision —
 * all of them, or, if it ended at a compaction, those up to its delivered revision, which lies
 * below the compaction revision (a watcher asked to start at the compaction revision gets no delete
 * of that revision: etcd's compaction drops them).
 */
function check(w: WatchHarness, subjects: readonly Subject[], compactRev: number): void {
  const log = new EventLog(w.log);
  const finalRev = w.h.store.revision;
  // prevKv read from history at a compacted revision is not available, as in etcd.
  const prevRequired = (i: number): boolean => w.log[i]!.kv.modRevision - 1 >= compactRev;
  for (const s of subjects) {
    let expected = log.expectedPositions(s.spec, s.start);
    if (s.startAtCompaction) expected = expected.filter((i) => !(w.log[i]!.kv.modRevision === s.start && w.log[i]!.type === 'delete'));
    if (s.sink.compacted !== undefined) {
      const upTo = s.watcher.deliveredRevision;
      expect(upTo + 1).toBeLessThanOrEqual(s.sink.compacted);
      expected = expected.filter((i) => w.log[i]!.kv.modRevision <= upTo);
    } else {
      expect(s.watcher.deliveredRevision).toBe(finalRev);
    }
    const got = s.sink.events.map((e) => log.locate(e, s.spec.prevKv, prevRequired));
    // Compared by hand, and only the first difference handed to expect: millions of expect calls are slow.
    let first = 0;
    while (first < Math.max(got.length, expected.length) && got[first] === expected[first]) first++;
    expect(got.slice(first, first + 3)).toEqual(expected.slice(first, first + 3));
  }
}

describe('watch fan-out', () => {
  let w: WatchHarness;

  beforeEach(async () => {
    w = await WatchHarness.create();
  });

  afterEach(async () => {
    await w.destroy();
  });

  it('1,000 watchers see every event of 10,000 puts in order, once, slow ones included', async () => {
    const rand = prng(20_260_501);
    const keys = 200;
    const subjects: Subject[] = [];
    const addWatchers = (n: number): void => {
      for (let i = 0; i < n; i++) {
        const spec = randomSpec(rand, keys);
        const past = rand() < 0.3 && w.h.store.revision > 1;
        const start = past ? 1 + Math.ceil(rand() * (w.h.store.revision - 1)) : w.h.store.revision + 1;
        const full = { ...spec, startRevision: past ? start : 0 };
        const sink = new RecordingSink();
        const slow = rand() < 0.1;
        if (slow) sink.accept = () => rand() > 0.1;
        subjects.push({ spec: full, start, sink, watcher: w.hub.watch(full, sink), slow });
      }
    };
    addWatchers(750);
    const batches = 200;
    for (let batch = 0; batch < batches; batch++) {
      const reqs: WriteRequest[] = [];
      for (let i = 0; i < 50; i++) reqs.push(putReq(keyName(Math.floor(rand() * keys)), `${batch}.${i}`));
      await w.apply(...reqs);
      if (batch % 20 === 10) addWatchers(25); // some join midway, some of them in the past
      if (batch % 7 === 0) for (const s of subjects) if (s.slow && rand() < 0.5) s.watcher.resume();
    }
    for (let round = 0; round < 100; round++) {
      await w.hub.settled();
      if (subjects.every((s) => s.watcher.deliveredRevision === w.h.store.revision)) break;
      for (const s of subjects) s.watcher.resume();
    }
    expect(subjects).toHaveLength(1000);
    expect(w.log).toHaveLength(10_000);
    expect(w.hub.stats).toEqual({ watchers: 1000, unsynced: 0 });
    check(w, subjects, 0);
    // The log agrees with the store's own history.
    const log = new EventLog(w.log);
    let from = 1;
    let read = 0;
    for (;;) {
      const page = await w.h.store.history({ key: Uint8Array.of(0), rangeEnd: FROM_KEY, fromRevision: from, limit: 5000 });
      const at = page.events.map((e) => log.locate(e, false, () => false));
      expect(at).toEqual(page.events.map((_, i) => read + i));
      read += page.events.length;
      if (!page.more) break;
      from = page.nextRevision;
    }
    expect(read).toBe(10_000);
  });

  it('property: puts, deletes, txns and compactions, with watchers coming, going slow and resuming', async () => {
    type Step =
      | { kind: 'put'; key: number; lease: number }
      | { kind: 'revoke'; lease: number }
      | { kind: 'delete'; key: number; range: number }
      | { kind: 'txn'; keys: number[] }
      | { kind: 'compact'; back: number }
      | { kind: 'watch'; seed: number; past: number; slow: boolean }
      | { kind: 'resume' };
    const keys = 30;
    const stepArb: fc.Arbitrary<Step> = fc.oneof(
      { weight: 8, arbitrary: fc.record({ kind: fc.constant('put' as const), key: fc.nat(keys - 1), lease: fc.nat(3) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('revoke' as const), lease: fc.integer({ min: 1, max: 3 }) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: fc.nat(keys - 1), range: fc.nat(12) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('txn' as const), keys: fc.uniqueArray(fc.nat(keys - 1), { minLength: 1, maxLength: 4 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const), back: fc.nat(8) }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('watch' as const), seed: fc.nat(), past: fc.nat(10), slow: fc.boolean() }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('resume' as const) }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 5, maxLength: 60 }), fc.nat(), async (steps, seed) => {
        const run = await WatchHarness.create({ batchEvents: 3, pageEvents: 4 });
        const rand = prng(seed);
        const subjects: Subject[] = [];
        let compactRev = 0;
        try {
          // Leases 1-3: a revocation deletes its keys in one revision, and the lease is granted again.
          await run.apply(...[1n, 2n, 3n].map((id): WriteRequest => ({ type: 'leaseGrant', request: { id, ttl: 60 } })));
          for (const step of steps) {
            switch (step.kind) {
              case 'put': {
                const put = putReq(keyName(step.key), `${run.h.store.revision}`);
                await run.apply({ type: 'put', request: { ...put.request, lease: BigInt(step.lease) } });
                break;
              }
              case 'revoke': {
                const id = BigInt(step.lease);
                await run.apply({ type: 'leaseRevoke', request: { id } }, { type: 'leaseGrant', request: { id, ttl: 60 } });
                break;
              }
              case 'delete': {
                const end = keyName(Math.min(keys - 1, step.key + step.range));
                await run.apply({ type: 'deleteRange', request: step.range === 0 ? { key: b(keyName(step.key)) } : { key: b(keyName(step.key)), rangeEnd: b(end) } });
                break;
              }
              case 'txn':
                await run.apply({ type: 'txn', request: { success: step.keys.map((k) => putReq(keyName(k), `t${run.h.store.revision}`)) } });
                break;
              case 'compact': {
                const rev = run.h.store.revision - step.back;
                if (rev > compactRev) {
                  await run.apply({ type: 'compaction', request: { revision: rev } });
                  compactRev = rev;
                }
                break;
              }
              case 'watch': {
                const r = prng(step.seed);
                const spec = randomSpec(r, keys);
                const start = step.past > 0 ? Math.max(1, run.h.store.revision - step.past + 1) : run.h.store.revision + 1;
                const full = { ...spec, startRevision: step.past > 0 ? start : 0 };
                const sink = new RecordingSink();
                if (step.slow) sink.accept = () => rand() > 0.5;
                const startAtCompaction = step.past > 0 && start === compactRev;
                subjects.push({ spec: full, start, startAtCompaction, sink, watcher: run.hub.watch(full, sink), slow: step.slow });
                break;
              }
              case 'resume':
                for (const s of subjects) s.watcher.resume();
                break;
            }
            if (rand() < 0.3) await run.hub.settled();
          }
          for (let round = 0; round < 200; round++) {
            await run.hub.settled();
            const pending = subjects.filter((s) => s.sink.compacted === undefined && s.watcher.deliveredRevision !== run.h.store.revision);
            if (pending.length === 0) break;
            for (const s of pending) s.watcher.resume();
          }
          check(run, subjects, compactRev);
        } finally {
          await run.destroy();
        }
      }),
      { numRuns: 40 },
    );
  });
});
