// The watch hub: live delivery, start revisions in the past (catching up while writes go on),
// filters, prevKv, compaction, slow watchers, batching, and a snapshot install under watchers.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreClosedError } from '../../store/errors.js';
import { FROM_KEY, prefixEnd } from '../../store/mvcc/key-bytes.js';
import type { WatchSpec } from '../../store/watch/types.js';
import { b, MvccHarness } from './helpers/mvcc-harness.js';
import { putReq, RecordingSink, showEvent, WatchHarness } from './helpers/watch-harness.js';

const spec = (key: string, extra: Partial<WatchSpec> = {}): WatchSpec => ({
  key: b(key),
  startRevision: 0,
  prevKv: false,
  noPut: false,
  noDelete: false,
  ...extra,
});
const prefix = (p: string, extra: Partial<WatchSpec> = {}): WatchSpec => spec(p, { rangeEnd: prefixEnd(b(p)), ...extra });

describe('WatchHub', () => {
  let w: WatchHarness;

  beforeEach(async () => {
    w = await WatchHarness.create();
  });

  afterEach(async () => {
    await w.destroy();
  });

  describe('live', () => {
    it('delivers the events of a key from the next revision, and reports progress', async () => {
      await w.put('a', '0'); // 2: before the watch
      const sink = new RecordingSink();
      const watcher = w.hub.watch(spec('a'), sink);
      expect(watcher.deliveredRevision).toBe(2);
      await w.put('a', '1'); // 3
      await w.put('b', '1'); // 4
      await w.del('a'); // 5
      expect(sink.shown).toEqual(['put a=1@3', 'delete a@5']);
      expect(watcher.deliveredRevision).toBe(5);
      await w.put('c', '1'); // 6: not its key, but progress moves on
      expect(watcher.deliveredRevision).toBe(6);
    });

    it('delivers one revision’s events together, ranges and from-key spans included', async () => {
      const inPrefix = new RecordingSink();
      const fromKey = new RecordingSink();
      w.hub.watch(prefix('p/'), inPrefix);
      w.hub.watch(spec('p/b', { rangeEnd: FROM_KEY }), fromKey);
      await w.apply({ type: 'txn', request: { success: [putReq('p/a', '1'), putReq('p/c', '1'), putReq('q', '1')] } }); // 2
      await w.del('p/', 'p0'); // 3
      expect(inPrefix.calls.map((c) => c.map(showEvent))).toEqual([['put p/a=1@2', 'put p/c=1@2'], ['delete p/a@3', 'delete p/c@3']]);
      expect(fromKey.calls.map((c) => c.map(showEvent))).toEqual([['put p/c=1@2', 'put q=1@2'], ['delete p/c@3']]);
    });

    it('delivers a batch of several entries in one call, in revision order', async () => {
      const sink = new RecordingSink();
      w.hub.watch(spec('a', { rangeEnd: FROM_KEY }), sink);
      await w.apply(putReq('a', '1'), putReq('b', '1'), putReq('a', '2'));
      expect(sink.calls.map((c) => c.map(showEvent))).toEqual([['put a=1@2', 'put b=1@3', 'put a=2@4']]);
    });

    it('cuts deliveries at revision boundaries, never splitting a revision', async () => {
      const hub = await WatchHarness.create({ batchEvents: 2 });
      try {
        const sink = new RecordingSink();
        hub.hub.watch(spec('a', { rangeEnd: FROM_KEY }), sink);
        await hub.apply(
          putReq('a', '1'), // 2
          { type: 'txn', request: { success: [putReq('x', '1'), putReq('y', '1'), putReq('z', '1')] } }, // 3
          putReq('b', '1'), // 4
          putReq('c', '1'), // 5
          putReq('d', '1'), // 6
        );
        expect(sink.calls.map((c) => c.map((e) => e.kv.modRevision))).toEqual([[2], [3, 3, 3], [4, 5], [6]]);
      } finally {
        await hub.destroy();
      }
    });

    it('filters puts or deletes', async () => {
      const noPut = new RecordingSink();
      const noDelete = new RecordingSink();
      w.hub.watch(spec('k', { noPut: true }), noPut);
      w.hub.watch(spec('k', { noDelete: true }), noDelete);
      await w.put('k', '1');
      await w.del('k');
      expect(noPut.shown).toEqual(['delete k@3']);
      expect(noDelete.shown).toEqual(['put k=1@2']);
    });

    it('gives prevKv to the watchers that ask, and only to them', async () => {
      const withPrev = new RecordingSink();
      const without = new RecordingSink();
      w.hub.watch(spec('k', { prevKv: true }), withPrev);
      w.hub.watch(spec('k'), without);
      expect(w.hub.wantsPrevKv()).toBe(true);
      await w.put('k', '1');
      await w.put('k', '2');
      await w.del('k');
      expect(withPrev.shown).toEqual(['put k=1@2', 'put k=2@3 <1>', 'delete k@4 <2>']);
      expect(without.shown).toEqual(['put k=1@2', 'put k=2@3', 'delete k@4']);
    });

    it('reads prevKv from history when the batch was applied without it', async () => {
      await w.put('k', '1'); // 2
      // The member asked wantsPrevKv() before this watcher came: the batch carries no prevKv.
      const start = w.h.store.appliedIndex + 1;
      const outcomes = await w.h.store.applyBatch([{ index: start, request: putReq('k', '2') }], { eventsWithPrevKv: false });
      const sink = new RecordingSink();
      w.hub.watch(spec('k', { prevKv: true }), sink);
      w.hub.notify(outcomes[0]!.status === 'applied' ? outcomes[0]!.events : [], w.h.store.revision);
      await w.hub.settled();
      await w.put('k', '3'); // 4: applied with prevKv, live again
      expect(sink.shown).toEqual(['put k=2@3 <1>', 'put k=3@4 <2>']);
    });

    it('starts a future start revision when the store reaches it', async () => {
      const sink = new RecordingSink();
      w.hub.watch(spec('k', { startRevision: 4 }), sink);
      await w.put('k', '1'); // 2
      await w.put('k', '2'); // 3
      await w.put('k', '3'); // 4
      await w.apply(putReq('k', '4'), putReq('k', '5')); // 5, 6
      expect(sink.shown).toEqual(['put k=3@4', 'put k=4@5', 'put k=5@6']);
    });

    it('stops delivering once canceled, even from inside its sink', async () => {
      const sink = new RecordingSink();
      const watcher = w.hub.watch(spec('k'), sink);
      sink.accept = () => {
        watcher.cancel();
        return true;
      };
      await w.put('k', '1');
      await w.put('k', '2');
      expect(sink.shown).toEqual(['put k=1@2']);
      expect(w.hub.wantsPrevKv()).toBe(false);
      expect(w.hub.stats).toEqual({ watchers: 0, unsynced: 0 });
    });
  });

  describe('from a past revision', () => {
    it('replays history, then switches to live events without a gap or a repeat while writes go on', async () => {
      for (let i = 0; i < 50; i++) await w.put(`k${i % 5}`, `${i}`); // 2..51
      const sink = new RecordingSink();
      const hub = w.hub;
      hub.watch(spec('k', { rangeEnd: b('l'), startRevision: 10 }), sink);
      // Writes go on while the watcher catches up: each write lands between history pages.
      const writes = (async () => {
        for (let i = 50; i < 120; i++) await w.put(`k${i % 5}`, `${i}`);
      })();
      await writes;
      await hub.settled();
      await w.put('k0', 'last');
      const expected = w.log.filter((e) => e.kv.modRevision >= 10).map((e) => showEvent({ type: e.type, kv: e.kv }));
      expect(sink.shown).toEqual(expected);
      expect(sink.events.at(-1)!.kv.modRevision).toBe(w.h.store.revision);
    });

    it.each([3, 1000])('joins the live set exactly at the notified revision when writes land during every history read (pages of %i)', async (pageEvents) => {
      let during: (() => Promise<void>) | undefined;
      const gated = await WatchHarness.create({ pageEvents }, (store) => ({
        get revision() {
          return store.revision;
        },
        get compactRevision() {
          return store.compactRevision;
        },
        history: async (req) => {
          const page = await store.history(req);
          await during?.();
          return page;
        },
      }));
      try {
        for (let i = 0; i < 10; i++) await gated.put('k', `${i}`); // 2..11
        let n = 0;
        // One write per read, then two, then none: the watcher ends a read one, two or zero revisions behind.
        during = async () => {
          const writes = [1, 2, 0][n++ % 3]!;
          for (let i = 0; i < writes; i++) await gated.put('k', `w${n}.${i}`);
          if (n > 12) during = undefined;
        };
        const sink = new RecordingSink();
        gated.hub.watch(spec('k', { startRevision: 2 }), sink);
        await gated.hub.settled();
        await gated.put('k', 'after');
        expect(sink.events.map((e) => e.kv.modRevision)).toEqual(gated.log.map((e) => e.kv.modRevision));
        expect(n).toBeGreaterThan(2);
      } finally {
        await gated.destroy();
      }
    });

    it('tells the sink, with the last events of a catch-up, the revision it reached', async () => {
      const hub = await WatchHarness.create({ pageEvents: 2, batchEvents: 1 });
      try {
        for (let i = 0; i < 4; i++) await hub.put('k', `${i}`); // 2..5
        await hub.put('other', 'x'); // 6
        const sink = new RecordingSink();
        hub.hub.watch(spec('k', { startRevision: 2 }), sink);
        await hub.hub.settled();
        await hub.put('k', 'live'); // 7
        expect(sink.calls.map((c) => c.map((e) => e.kv.modRevision))).toEqual([[2], [3], [4], [5], [7]]);
        // Pages 2-3 and 4-5 end short of the notified revision; the one that reaches 6 has nothing for k.
        expect(sink.through).toEqual([undefined, undefined, undefined, undefined, undefined]);
        // A page that reaches 7 carries k@5 and k@7, one per call: the last call says 7.
        const last = new RecordingSink();
        hub.hub.watch(spec('k', { startRevision: 5 }), last);
        await hub.hub.settled();
        expect(last.calls.map((c) => c.map((e) => e.kv.modRevision))).toEqual([[5], [7]]);
        expect(last.through).toEqual([undefined, 7]);
      } finally {
        await hub.destroy();
      }
    });

    it('announces nothing before watch() returns', async () => {
      await w.put('k', '1');
      const sink = new RecordingSink();
      w.hub.watch(spec('k', { startRevision: 2 }), sink);
      expect(sink.calls).toEqual([]);
      await w.hub.settled();
      expect(sink.shown).toEqual(['put k=1@2']);
    });

    it('fills prevKv from history too', async () => {
      await w.put('k', '1');
      await w.put('k', '2');
      await w.del('k');
      const sink = new RecordingSink();
      w.hub.watch(spec('k', { startRevision: 2, prevKv: true }), sink);
      await w.hub.settled();
      expect(sink.shown).toEqual(['put k=1@2', 'put k=2@3 <1>', 'delete k@4 <2>']);
    });

    it('below the compaction revision: onCompacted and the watcher ends; at it: replays', async () => {
      for (let i = 0; i < 5; i++) await w.put('k', `${i}`); // 2..6
      await w.h.compact(4);
      const old = new RecordingSink();
      const atCompaction = new RecordingSink();
      const watcher = w.hub.watch(spec('k', { startRevision: 3 }), old);
      w.hub.watch(spec('k', { startRevision: 4 }), atCompaction);
      await w.hub.settled();
      expect(old.compacted).toBe(4);
      expect(old.calls).toEqual([]);
      expect(atCompaction.shown).toEqual(['put k=2@4', 'put k=3@5', 'put k=4@6']);
      await w.put('k', 'x');
      expect(old.calls).toEqual([]);
      expect(watcher.deliveredRevision).toBe(2);
    });
  });

  describe('slow watchers', () => {
    it('a sink that refuses stops receiving, does not hold up the others, and catches up after resume()', async () => {
      const slow = new RecordingSink();
      const fast = new RecordingSink();
      slow.accept = () => false;
      const slowWatcher = w.hub.watch(prefix('k'), slow);
      w.hub.watch(prefix('k'), fast);
      for (let i = 0; i < 20; i++) await w.put(`k${i % 3}`, `${i}`); // 2..21
      expect(slow.shown).toEqual(['put k0=0@2']); // taken, then it refused more
      expect(fast.events).toHaveLength(20);
      expect(slowWatcher.deliveredRevision).toBe(2);
      slow.accept = () => true;
      slowWatcher.resume();
      await w.hub.settled();
      await w.put('k1', 'live'); // 22: reaches it live again
      expect(slow.shown).toEqual(fast.shown);
      expect(slow.events.map((e) => e.kv.modRevision)).toEqual(Array.from({ length: 21 }, (_, i) => i + 2));
      expect(slowWatcher.deliveredRevision).toBe(22);
    });

    it('resumes from the first revision not delivered when it refuses in the middle of a catch-up', async () => {
      for (let i = 0; i < 30; i++) await w.put('k', `${i}`); // 2..31
      const hub = w.hub;
      const sink = new RecordingSink();
      let budget = 3;
      sink.accept = () => --budget > 0;
      const watcher = hub.watch(spec('k', { startRevision: 2 }), sink);
      for (let round = 0; round < 40 && watcher.deliveredRevision < w.h.store.revision; round++) {
        await hub.settled();
        budget = 3;
        watcher.resume();
      }
      await hub.settled();
      expect(sink.events.map((e) => e.kv.modRevision)).toEqual(Array.from({ length: 30 }, (_, i) => i + 2));
    });

    it('a watcher being caught up whose next revision is compacted away gets onCompacted', async () => {
      const sink = new RecordingSink();
      sink.accept = () => false;
      const watcher = w.hub.watch(spec('k'), sink);
      for (let i = 0; i < 5; i++) await w.put('k', `${i}`); // 2..6; it stops after 2
      await w.h.compact(5);
      watcher.resume();
      await w.hub.settled();
      expect(sink.compacted).toBe(5);
      expect(sink.shown).toEqual(['put k=0@2']);
      expect(w.hub.stats.watchers).toBe(0);
    });

    it('a paused watcher whose next revision is the compaction revision ends too: its deletes are gone', async () => {
      await w.put('k', '0'); // 2
      const sink = new RecordingSink();
      sink.accept = () => false;
      const watcher = w.hub.watch(spec('k'), sink);
      await w.put('k', '1'); // 3: taken, then it pauses
      await w.del('k'); // 4
      await w.h.compact(4);
      watcher.resume();
      await w.hub.settled();
      expect(sink.shown).toEqual(['put k=1@3']);
      expect(sink.compacted).toBe(4);
    });

    it('holds no events for a paused watcher however much is written', async () => {
      const sink = new RecordingSink();
      sink.accept = () => false;
      const watcher = w.hub.watch(spec('k'), sink);
      for (let i = 0; i < 200; i++) await w.put('k', `${i}`);
      expect(sink.calls).toHaveLength(1);
      expect(w.hub.stats).toEqual({ watchers: 1, unsynced: 0 });
      sink.accept = () => true;
      watcher.resume();
      await w.hub.settled();
      expect(sink.events).toHaveLength(200);
    });
  });

  it('after close() delivers nothing, refuses new watchers, and lets old handles be canceled or resumed', async () => {
    const live = new RecordingSink();
    const paused = new RecordingSink();
    paused.accept = () => false;
    const liveWatcher = w.hub.watch(spec('k'), live);
    const pausedWatcher = w.hub.watch(spec('k', { prevKv: true }), paused);
    await w.put('k', '1');
    w.hub.close();
    await w.put('k', '2');
    expect(live.shown).toEqual(['put k=1@2']);
    expect(() => w.hub.watch(spec('k'), new RecordingSink())).toThrow(StoreClosedError);
    pausedWatcher.resume();
    liveWatcher.cancel();
    pausedWatcher.cancel();
    await w.hub.settled();
    expect(paused.calls).toHaveLength(1);
    expect(w.hub.wantsPrevKv()).toBe(false);
  });

  describe('the store jumping ahead', () => {
    it('after a snapshot install, live watchers catch up from the installed history', async () => {
      const source = await MvccHarness.create();
      try {
        for (let i = 0; i < 10; i++) await source.put(`k${i}`, `${i}`); // 2..11
        const sink = new RecordingSink();
        w.hub.watch(prefix('k'), sink);
        await w.h.store.installSnapshot(await source.store.snapshot());
        w.hub.restored();
        await w.hub.settled();
        expect(sink.events.map((e) => e.kv.modRevision)).toEqual(Array.from({ length: 10 }, (_, i) => i + 2));
      } finally {
        await source.destroy();
      }
    });

    it('a notify that skips revisions sends live watchers to history for them', async () => {
      const sink = new RecordingSink();
      w.hub.watch(spec('k'), sink);
      // Applied without telling the hub.
      await w.h.store.applyBatch([{ index: w.h.store.appliedIndex + 1, request: putReq('k', '1') }]);
      await w.put('k', '2'); // notify starts at 3: 2 is missing
      await w.hub.settled();
      expect(sink.shown).toEqual(['put k=1@2', 'put k=2@3']);
    });
  });
});
