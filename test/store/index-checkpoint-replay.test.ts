// Crash recovery from a checkpoint plus the revisions after it: whatever happened after the
// checkpoint (writes, deletes, writes while it was being written, compactions, a damaged chunk, a
// crash half-way through the next checkpoint), an open after a crash builds exactly the index a
// replay of every revision builds, and serves the same reads.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreDb } from '../../store/db.js';
import { StateSpace } from '../../store/keyspace.js';
import { decodeMarker, readCheckpoint } from '../../store/mvcc/index-checkpoint.js';
import { FROM_KEY } from '../../store/mvcc/key-bytes.js';
import type { CheckpointPolicy } from '../../store/mvcc/mvcc-store.js';
import { indexesOnDisk } from './helpers/index-dump.js';
import { MvccHarness, b } from './helpers/mvcc-harness.js';

const ALL = { key: Uint8Array.of(0), rangeEnd: FROM_KEY };
/** Tiny slices and chunks, so that even a small index takes many turns to write; no periodic checkpoint. */
const SLICED: Partial<CheckpointPolicy> = { everyChanges: Number.MAX_SAFE_INTEGER, minIntervalMs: 0, sliceBytes: 64, chunkBytes: 256 };
const space = new StateSpace(1);
const key = (i: number): string => `key/${String(i).padStart(3, '0')}`;

async function everyRevision(h: MvccHarness): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let rev = Math.max(h.store.compactRevision, 1); rev <= h.store.revision; rev++) out.push(await h.range({ ...ALL, revision: rev }));
  return out;
}

async function markerOf(db: StoreDb) {
  const bytes = await db.get(space.indexCheckpointMarkerKey());
  return bytes ? decodeMarker(bytes) : undefined;
}

async function countKeys(db: StoreDb, range: { gte: Uint8Array; lt: Uint8Array }): Promise<number> {
  let n = 0;
  for await (const _ of db.keys(range)) n++;
  return n;
}

/**
 * Crashes (no close, once the background work is done), then checks the index open builds against a full replay of the same disk, and
 * every readable revision against what the store served before the crash.
 */
async function crashAndCheck(h: MvccHarness, from: 'checkpoint' | 'revisions' = 'checkpoint') {
  await h.store.backgroundSettled();
  const reads = await everyRevision(h);
  const revision = h.store.revision;
  let disk: Awaited<ReturnType<typeof indexesOnDisk>> | undefined;
  await h.reopen({ crash: true, beforeOpen: async (db) => void (disk = await indexesOnDisk(db)) });
  expect(disk!.restoredFrom).toBe(from);
  expect(disk!.opened).toEqual(disk!.full);
  expect(h.store.indexRestoredFrom).toBe(from);
  expect(h.store.revision).toBe(revision);
  expect(await everyRevision(h)).toEqual(reads);
  return disk!;
}

describe('index checkpoint and replay of the revisions after it', () => {
  let h: MvccHarness;

  beforeEach(async () => {
    h = await MvccHarness.create({ checkpoint: SLICED });
    for (let i = 0; i < 60; i++) await h.put(key(i % 40), `v${i}`);
    await h.del(key(5));
    await h.del(key(6));
    await h.put(key(6), 'back');
    await h.store.checkpointIndex();
  });

  afterEach(async () => {
    await h.destroy();
  });

  it('replays only the writes after the checkpoint: overwrites, new keys, a txn of several puts', async () => {
    const covered = h.store.checkpointRevision;
    expect(covered).toBe(h.store.revision);
    await h.put(key(1), 'later');
    await h.put(key(100), 'new');
    await h.put(key(5), 'recreated');
    await h.txn({ compare: [], success: [1, 2, 3].map((i) => ({ type: 'put' as const, request: { key: b(key(200 + i)), value: b('t') } })), failure: [] });
    const disk = await crashAndCheck(h);
    expect(disk.recordsRead).toBe(6);
    expect(await h.get(key(5))).toEqual([`${key(5)}=recreated`]);
  });

  it('replays deletes after the checkpoint: single, ranges, delete and re-create, keys born after it', async () => {
    await h.del(key(1));
    await h.del(key(10), key(20));
    await h.del(key(6));
    await h.put(key(6), 'third life');
    await h.put(key(300), 'short-lived');
    await h.del(key(300));
    await h.del(key(1)); // nothing left to delete
    await crashAndCheck(h);
    expect(await h.get(key(10), key(20))).toEqual([]);
    expect(await h.get(key(300))).toEqual([]);
    expect((await h.range({ key: b(key(6)) })).kvs[0]).toMatchObject({ version: 1 });
  });

  it('takes keys written while the checkpoint was being written, whichever side of the cursor', async () => {
    for (let i = 40; i < 200; i++) await h.put(key(i), 'more');
    const written = h.store.checkpointIndex();
    let finished = false;
    void written.then(() => (finished = true));
    // Writes ahead of and behind the slice being written, deletes, and keys new to the index.
    let rounds = 0;
    for (; rounds < 20 && !finished; rounds++) {
      await h.put(key(199 - rounds * 7), `during ${rounds}`);
      await h.put(key(rounds * 3), `during ${rounds}`);
      await h.del(key(100 + rounds));
      await h.put(`key/new/${rounds}`, 'born during');
    }
    expect(rounds).toBeGreaterThan(2);
    await written;
    const marker = (await markerOf(h.db))!;
    expect(marker.revision).toBeLessThan(h.store.revision);
    // Some keys went into the checkpoint with revisions newer than the one it covers.
    const chunks = await h.db.getMany(Array.from({ length: marker.chunks }, (_, i) => space.indexCheckpointKey(marker.slot, i)));
    const newer = [...readCheckpoint(chunks as Uint8Array[]).values()].filter((ki) => ki.reaches(marker.revision + 1, 0));
    expect(newer.length).toBeGreaterThan(0);
    await h.put(key(7), 'after');
    await crashAndCheck(h);
  });

  it('survives a compaction below the revision it covers (the purge then runs at once)', async () => {
    const covered = h.store.checkpointRevision;
    await h.put(key(2), 'after');
    await h.del(key(3));
    await h.compact(covered - 10);
    await h.store.compactionsSettled();
    expect(h.store.checkpointRevision).toBe(covered);
    await crashAndCheck(h);
  });

  it('is replaced before a compaction above it removes anything, so no deleted key comes back', async () => {
    const covered = h.store.checkpointRevision;
    await h.del(key(8));
    await h.del(key(9));
    await h.put(key(9), 'again');
    await h.put(key(11), 'after');
    await h.compact(h.store.revision);
    await h.store.compactionsSettled();
    expect(h.store.checkpointRevision).toBeGreaterThan(covered);
    await h.put(key(12), 'tail');
    await crashAndCheck(h);
    expect(await h.get(key(8))).toEqual([]);
    expect((await h.range({ key: b(key(9)) })).kvs[0]).toMatchObject({ version: 1, createRevision: h.store.compactRevision - 1 });
  });

  it('a crash right after a compaction above it, before the background work, loses nothing', async () => {
    await h.del(key(8));
    await h.put(key(13), 'after');
    await h.compact(h.store.revision);
    const reads = await everyRevision(h);
    let disk: Awaited<ReturnType<typeof indexesOnDisk>> | undefined;
    await h.reopen({ crash: true, beforeOpen: async (db) => void (disk = await indexesOnDisk(db)) });
    expect(disk!.opened).toEqual(disk!.full);
    expect(await everyRevision(h)).toEqual(reads);
    await crashAndCheck(h);
  });

  it('falls back to every revision when a chunk is missing', async () => {
    await h.put(key(1), 'after');
    const marker = (await markerOf(h.db))!;
    expect(marker.chunks).toBeGreaterThan(2);
    await h.db.del(space.indexCheckpointKey(marker.slot, 1));
    await crashAndCheck(h, 'revisions');
  });

  it('falls back to every revision when a chunk is damaged', async () => {
    await h.put(key(1), 'after');
    const marker = (await markerOf(h.db))!;
    const chunkKey = space.indexCheckpointKey(marker.slot, 1);
    const chunk = (await h.db.get(chunkKey))!;
    await h.db.put(chunkKey, chunk.subarray(0, chunk.length - 3));
    await crashAndCheck(h, 'revisions');
  });

  it('falls back to every revision when a chunk from another checkpoint is out of place', async () => {
    const marker = (await markerOf(h.db))!;
    const first = (await h.db.get(space.indexCheckpointKey(marker.slot, 0)))!;
    await h.db.put(space.indexCheckpointKey(marker.slot, marker.chunks - 1), first);
    await crashAndCheck(h, 'revisions');
  });

  it('keeps the previous checkpoint in force when a crash interrupts the next one', async () => {
    const old = (await markerOf(h.db))!;
    for (let i = 40; i < 200; i++) await h.put(key(i), 'more');
    const reads = await everyRevision(h);
    void h.store.checkpointIndex();
    const next = space.indexCheckpointSlot(1 - old.slot);
    for (let turns = 0; (await countKeys(h.db, next)) < 3; turns++) {
      expect(turns).toBeLessThan(10_000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    let disk: Awaited<ReturnType<typeof indexesOnDisk>> | undefined;
    let marker: Awaited<ReturnType<typeof markerOf>>;
    await h.reopen({
      crash: true,
      beforeOpen: async (db) => {
        marker = await markerOf(db);
        disk = await indexesOnDisk(db);
      },
    });
    expect(marker).toEqual(old);
    expect(disk!.restoredFrom).toBe('checkpoint');
    expect(disk!.recordsRead).toBe(160);
    expect(disk!.opened).toEqual(disk!.full);
    expect(await everyRevision(h)).toEqual(reads);
  });

  it('alternates slots and clears the one it leaves', async () => {
    const first = (await markerOf(h.db))!;
    await h.put(key(1), 'after');
    await h.store.checkpointIndex();
    const second = (await markerOf(h.db))!;
    expect(second.slot).toBe(1 - first.slot);
    expect(await countKeys(h.db, space.indexCheckpointSlot(first.slot))).toBe(0);
    expect(await countKeys(h.db, space.indexCheckpointSlot(second.slot))).toBe(second.chunks);
    const disk = await crashAndCheck(h);
    expect(disk.recordsRead).toBe(0);
  });

  it('yields to the event loop between slices', async () => {
    for (let i = 40; i < 400; i++) await h.put(key(i), 'more');
    let turns = 0;
    let running = true;
    const tick = (): void => {
      turns++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    await h.store.checkpointIndex();
    running = false;
    const marker = (await markerOf(h.db))!;
    expect(turns).toBeGreaterThan(marker.chunks * 2);
  });
});

describe('periodic index checkpoints', () => {
  let h: MvccHarness | undefined;

  afterEach(async () => {
    await h?.destroy();
    h = undefined;
  });

  it('are written while the store runs, so a crash replays only the revisions since the last', async () => {
    h = await MvccHarness.create({ checkpoint: { ...SLICED, everyChanges: 25 } });
    for (let i = 0; i < 110; i++) await h.put(key(i % 30), `v${i}`);
    await h.store.backgroundSettled();
    expect(h.store.checkpointRevision).toBeGreaterThan(75);
    const disk = await crashAndCheck(h);
    expect(disk.recordsRead).toBe(h.store.revision - h.store.checkpointRevision);
    expect(disk.recordsRead).toBeLessThan(35);
  });

  it('count changes, not revisions: one txn of many puts is as much to replay as many puts', async () => {
    h = await MvccHarness.create({ checkpoint: { ...SLICED, everyChanges: 50 } });
    await h.txn({ compare: [], success: Array.from({ length: 40 }, (_, i) => ({ type: 'put' as const, request: { key: b(key(i)), value: b('t') } })), failure: [] });
    await h.store.backgroundSettled();
    expect(h.store.checkpointRevision).toBe(0);
    await h.txn({ compare: [], success: Array.from({ length: 20 }, (_, i) => ({ type: 'put' as const, request: { key: b(key(i)), value: b('u') } })), failure: [] });
    await h.store.backgroundSettled();
    expect(h.store.checkpointRevision).toBe(3);
  });

  it('count the records an open replayed towards the next one', async () => {
    h = await MvccHarness.create({ checkpoint: { ...SLICED, everyChanges: 50 } });
    await h.txn({ compare: [], success: Array.from({ length: 45 }, (_, i) => ({ type: 'put' as const, request: { key: b(key(i)), value: b('t') } })), failure: [] });
    await h.store.backgroundSettled();
    expect(h.store.checkpointRevision).toBe(0);
    await h.reopen({ crash: true });
    expect(h.store.revisionRecordsReplayed).toBe(45);
    await h.put('one', 'more');
    await h.put('and', 'another');
    await h.store.backgroundSettled();
    expect(h.store.checkpointRevision).toBe(0);
    for (let i = 0; i < 3; i++) await h.put('again', `${i}`);
    await h.store.backgroundSettled();
    expect(h.store.checkpointRevision).toBe(7);
  });

  it('wait the minimum interval between two', async () => {
    h = await MvccHarness.create({ checkpoint: { ...SLICED, everyChanges: 10, minIntervalMs: 60_000 } });
    for (let i = 0; i < 15; i++) await h.put(key(i), 'v');
    await h.store.backgroundSettled();
    const first = h.store.checkpointRevision;
    expect(first).toBeGreaterThanOrEqual(11);
    for (let i = 0; i < 30; i++) await h.put(key(i), 'w');
    await h.store.backgroundSettled();
    expect(h.store.checkpointRevision).toBe(first);
  });

  it('go to the new generation after a snapshot install, which starts without one', async () => {
    h = await MvccHarness.create({ checkpoint: { ...SLICED, everyChanges: 10 } });
    const source = await MvccHarness.create();
    try {
      for (let i = 0; i < 50; i++) await source.put(key(i % 20), `s${i}`);
      await h.put('old', 'generation');
      await h.store.backgroundSettled();
      await h.store.installSnapshot(await source.store.snapshot());
      expect(h.store.checkpointRevision).toBe(0);
      for (let i = 0; i < 15; i++) await h.put(key(i), 'after install');
      await h.store.backgroundSettled();
      expect(h.store.checkpointRevision).toBeGreaterThan(50);
      const reads = await everyRevision(h);
      let disk: Awaited<ReturnType<typeof indexesOnDisk>> | undefined;
      await h.reopen({ crash: true, beforeOpen: async (db) => void (disk = await indexesOnDisk(db, 2)) });
      expect(disk!.restoredFrom).toBe('checkpoint');
      expect(disk!.opened).toEqual(disk!.full);
      expect(h.store.indexRestoredFrom).toBe('checkpoint');
      expect(await everyRevision(h)).toEqual(reads);
      expect(await countKeys(h.db, space.all())).toBe(0);
    } finally {
      await source.destroy();
    }
  });
});
