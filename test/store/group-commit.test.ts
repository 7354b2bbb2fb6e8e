// Group commit: writes handed in together reach LevelDB as one batch, in order, synced if any of
// them asked to be; a failed batch fails each of its writes.
import { describe, expect, it } from 'vitest';
import { writeOps, type BatchOp, type StoreDb } from '../../store/db.js';
import { openMemoryDb } from '../../store/memory-db.js';

const put = (k: string, v = k): BatchOp => ({ type: 'put', key: Buffer.from(k), value: Buffer.from(v) });

/** Counts the batches the database is given, with their sync flag and size. */
function spy(db: StoreDb): { batches: { ops: number; sync: boolean }[] } {
  const seen: { ops: number; sync: boolean }[] = [];
  const batch = db.batch.bind(db);
  db.batch = ((...args: unknown[]) => {
    if (args.length > 0) return (batch as (...a: unknown[]) => unknown)(...args);
    const chained = batch();
    let ops = 0;
    const put = chained.put.bind(chained);
    chained.put = (k: Uint8Array, v: Uint8Array) => {
      ops++;
      return put(k, v);
    };
    const write = chained.write.bind(chained);
    chained.write = (options: { sync?: boolean } = {}) => {
      seen.push({ ops, sync: options.sync === true });
      return write(options);
    };
    return chained;
  }) as StoreDb['batch'];
  return { batches: seen };
}

describe('writeOps group-commits the writes of one database', () => {
  it('writes handed in in the same turn go as one batch, synced because one of them asked to be', async () => {
    const db = await openMemoryDb();
    const { batches } = spy(db);
    await Promise.all([writeOps(db, [put('a'), put('b')], { sync: false }), writeOps(db, [put('c')], { sync: true }), writeOps(db, [put('d')], { sync: false })]);
    expect(batches).toEqual([{ ops: 4, sync: true }]);
    expect(Buffer.from(await db.get(Buffer.from('c'))!).toString()).toBe('c');
    await db.close();
  });

  it('keeps order: a later write to the same key wins, whether or not it shares the batch', async () => {
    const db = await openMemoryDb();
    const first = writeOps(db, [put('k', 'one')], { sync: false });
    const second = writeOps(db, [put('k', 'two')], { sync: false });
    await Promise.all([first, second]);
    expect(Buffer.from((await db.get(Buffer.from('k')))!).toString()).toBe('two');
    await writeOps(db, [put('k', 'three')], { sync: true });
    expect(Buffer.from((await db.get(Buffer.from('k')))!).toString()).toBe('three');
    await db.close();
  });

  it('writes handed in while a batch is on its way go together in the next one', async () => {
    const db = await openMemoryDb();
    const { batches } = spy(db);
    const first = writeOps(db, [put('a')], { sync: true });
    await new Promise((r) => setImmediate(r)); // the first batch is now on its way
    const later = [writeOps(db, [put('b')], { sync: false }), writeOps(db, [put('c')], { sync: false })];
    await Promise.all([first, ...later]);
    expect(batches).toEqual([
      { ops: 1, sync: true },
      { ops: 2, sync: false },
    ]);
    await db.close();
  });

  it('fails every write of a batch that fails, and goes on with the next', async () => {
    const db = await openMemoryDb();
    const write = db.batch.bind(db);
    let failNext = true;
    db.batch = ((...args: unknown[]) => {
      const chained = (write as (...a: unknown[]) => ReturnType<StoreDb['batch']>)(...args);
      if (args.length === 0 && failNext) {
        failNext = false;
        chained.write = () => Promise.reject(new Error('disk full'));
      }
      return chained;
    }) as StoreDb['batch'];
    const results = await Promise.allSettled([writeOps(db, [put('a')], { sync: true }), writeOps(db, [put('b')], { sync: false })]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await writeOps(db, [put('c')], { sync: true });
    expect(await db.get(Buffer.from('c'))).toBeDefined();
    await db.close();
  });
});
