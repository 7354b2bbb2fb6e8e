// What Status and the metrics report of the database's size, on a real LevelDB: the files, and of
// those what holds the live key ranges — never more than the files, and without a stale state
// generation once LevelDB has it in its tables.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { measureDb } from '../../cluster/db-size.js';
import { openStoreDb, type StoreDb } from '../../store/db.js';
import { liveRanges, StateSpace } from '../../store/keyspace.js';
import { openMemoryDb } from '../../store/memory-db.js';
import { makeTempDir, removeDir } from '../store/helpers/temp-dir.js';

/** Compacts every key LevelDB holds into its tables (what Defragment asks). */
async function compactAll(db: StoreDb): Promise<void> {
  await (db as unknown as { compactRange(a: Uint8Array, b: Uint8Array): Promise<void> }).compactRange(Uint8Array.of(0), Uint8Array.of(0xff, 0xff));
}

/** `count` values of `bytes` random (incompressible) bytes under `prefix`. */
async function fill(db: StoreDb, prefix: Uint8Array, count: number, bytes: number): Promise<void> {
  const batch = db.batch();
  for (let i = 0; i < count; i++) {
    const key = new Uint8Array(prefix.length + 4);
    key.set(prefix);
    new DataView(key.buffer).setUint32(prefix.length, i);
    batch.put(key, crypto.getRandomValues(new Uint8Array(bytes)));
  }
  await batch.write();
}

describe('measureDb', () => {
  let dir: string;
  let db: StoreDb;

  beforeEach(async () => {
    dir = await makeTempDir('db-size');
    db = await openStoreDb(dir);
  });

  afterEach(async () => {
    await db.close();
    await removeDir(dir);
  });

  it('counts the journal before anything reaches a table, and never more in use than on disk', async () => {
    await fill(db, new StateSpace(1).prefix, 100, 1000);
    const early = await measureDb(db, dir, liveRanges(1));
    expect(early.inUse).toBeGreaterThan(100 * 1000);
    expect(early.inUse).toBeLessThanOrEqual(early.total);
    await compactAll(db);
    const compacted = await measureDb(db, dir, liveRanges(1));
    expect(compacted.inUse).toBeGreaterThan(100 * 1000);
    expect(compacted.inUse).toBeLessThanOrEqual(compacted.total);
  });

  it('leaves a stale generation out of what is in use', async () => {
    await fill(db, new StateSpace(1).prefix, 50, 1000);
    await fill(db, new StateSpace(2).prefix, 1000, 1000);
    await compactAll(db);
    const withBoth = await measureDb(db, dir, liveRanges(2));
    const onlyFirstLive = await measureDb(db, dir, liveRanges(1));
    expect(withBoth.inUse).toBeGreaterThan(1000 * 1000);
    // Generation 2's megabyte is on disk but not in use while generation 1 is the live one.
    expect(onlyFirstLive.total).toBe(withBoth.total);
    expect(onlyFirstLive.inUse).toBeLessThan(withBoth.inUse - 900 * 1000);
    expect(onlyFirstLive.inUse).toBeGreaterThan(40 * 1000);
  });

  it('reports nothing for a database with no folder (an in-memory member)', async () => {
    const memory = await openMemoryDb();
    try {
      expect(await measureDb(memory, `${dir}/missing`, liveRanges(1))).toEqual({ total: 0, inUse: 0, backend: 0 });
    } finally {
      await memory.close();
    }
  });
});
