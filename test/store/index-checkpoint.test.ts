// The index checkpoint written at a clean close: used by the next open, still in force through the
// writes after it (a crash then replays only those), and never trusted when it does not fit.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateSpace } from '../../store/keyspace.js';
import { encodeMarker } from '../../store/mvcc/index-checkpoint.js';
import { FROM_KEY } from '../../store/mvcc/key-bytes.js';
import { MvccHarness, b } from './helpers/mvcc-harness.js';

const ALL = { key: Uint8Array.of(0), rangeEnd: FROM_KEY };

describe('index checkpoint', () => {
  let h: MvccHarness;
  const space = new StateSpace(1);

  beforeEach(async () => {
    h = await MvccHarness.create();
    for (let i = 0; i < 50; i++) await h.put(`k${i % 7}`, `v${i}`);
    await h.del('k3');
    await h.put('k3', 'again');
    await h.compact(20);
  });

  afterEach(async () => {
    await h.destroy();
  });

  async function everyRevision(): Promise<unknown[]> {
    const out: unknown[] = [];
    for (let rev = h.store.compactRevision; rev <= h.store.revision; rev++) out.push(await h.range({ ...ALL, revision: rev }));
    return out;
  }

  it('after a clean close, opens from the checkpoint with the same state', async () => {
    const before = { reads: await everyRevision(), hash: await h.store.hashKV(), rev: h.store.revision, keys: h.store.indexedKeys };
    await h.reopen();
    expect(h.store.indexRestoredFrom).toBe('checkpoint');
    expect({ reads: await everyRevision(), hash: await h.store.hashKV(), rev: h.store.revision, keys: h.store.indexedKeys }).toEqual(before);
    await h.put('k1', 'next');
    expect((await h.range({ key: b('k1') })).kvs[0]).toMatchObject({ createRevision: 3, version: 8 });
  });

  it('stays in force through later writes, so a crash replays only the revisions after it', async () => {
    await h.reopen();
    const covered = h.store.revision;
    await h.put('k0', 'changed');
    await h.del('k1');
    expect(h.store.checkpointRevision).toBe(covered);
    const reads = await everyRevision();
    await h.reopen({ crash: true });
    expect(h.store.indexRestoredFrom).toBe('checkpoint');
    expect(h.store.revisionRecordsReplayed).toBe(2);
    expect(await everyRevision()).toEqual(reads);
  });

  it('survives a clean close with no write in between', async () => {
    await h.reopen();
    await h.reopen();
    expect(h.store.indexRestoredFrom).toBe('checkpoint');
  });

  it('is ignored when it covers a revision the state does not have', async () => {
    await h.store.close();
    await h.db.put(space.indexCheckpointMarkerKey(), encodeMarker({ applied: 1, revision: h.store.revision + 1, chunks: 1, slot: 0 }));
    await h.reopen({ crash: true });
    expect(h.store.indexRestoredFrom).toBe('revisions');
    // Removed, so that it cannot come to fit once the revision grows past it.
    expect(await h.db.get(space.indexCheckpointMarkerKey())).toBeUndefined();
    expect(await h.get('k3')).toEqual(['k3=again']);
  });

  it('is ignored when a chunk is missing', async () => {
    await h.store.close();
    await h.db.del(space.indexCheckpointKey(0, 0));
    await h.reopen({ crash: true });
    expect(h.store.indexRestoredFrom).toBe('revisions');
    expect(await h.get('k3')).toEqual(['k3=again']);
  });

  it('does not travel in snapshots', async () => {
    await h.reopen(); // the checkpoint is now on disk
    const target = await MvccHarness.create();
    try {
      await target.store.installSnapshot(await h.store.snapshot());
      expect(target.store.indexRestoredFrom).toBe('revisions');
      let checkpointKeys = 0;
      const range = new StateSpace(2).indexCheckpoint();
      for await (const _ of target.db.keys(range)) checkpointKeys++;
      expect(checkpointKeys).toBe(0);
      expect(await target.store.hashKV()).toEqual(await h.store.hashKV());
    } finally {
      await target.destroy();
    }
  });
});
