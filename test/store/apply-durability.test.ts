// An apply batch answered before it is on disk: readable first, then carried again by the next synced
// write to the database — so a power loss keeps every batch up to some index, never a later one
// without an earlier one (LevelDB syncs only its current log file; an unsynced batch may sit in the
// one before it).
import { describe, expect, it } from 'vitest';
import { whenDurable, writeOps, type StoreDb } from '../../store/db.js';
import { openMemoryDb } from '../../store/memory-db.js';
import { MvccStore, type ApplyItem } from '../../store/mvcc/mvcc-store.js';

const put = (index: number, key: string): ApplyItem => ({ index, request: { type: 'put', request: { key: Buffer.from(key), value: Buffer.from('v') } } });

interface WrittenBatch {
  readonly synced: boolean;
  /** Each op as "put <hex key>" or "del <hex key>", in the batch's order. */
  readonly ops: readonly string[];
}

/** Records each chained batch written to the database: its ops in order, and whether it was synced. */
function recordBatches(db: StoreDb, log: WrittenBatch[]): void {
  const batch = db.batch.bind(db);
  db.batch = ((...args: unknown[]) => {
    if (args.length > 0) return (batch as (...a: unknown[]) => unknown)(...args);
    const chained = batch();
    const ops: string[] = [];
    const putOp = chained.put.bind(chained);
    const delOp = chained.del.bind(chained);
    chained.put = (key: Uint8Array, value: Uint8Array) => {
      ops.push(`put ${Buffer.from(key).toString('hex')}`);
      return putOp(key, value);
    };
    chained.del = (key: Uint8Array) => {
      ops.push(`del ${Buffer.from(key).toString('hex')}`);
      return delOp(key);
    };
    const write = chained.write.bind(chained);
    chained.write = (options: { sync?: boolean } = {}) => {
      log.push({ synced: options.sync === true, ops });
      return write(options);
    };
    return chained;
  }) as StoreDb['batch'];
}

describe('an apply batch answered before it is durable', () => {
  it('is readable when its answer goes out, and counted durable only once a synced write carried it', async () => {
    const db = await openMemoryDb();
    const store = await MvccStore.open(db);
    const log: WrittenBatch[] = [];
    const events: string[] = [];
    recordBatches(db, log);
    let read: Promise<void> = Promise.resolve();
    await store.applyBatch([put(1, 'a'), put(2, 'b')], {
      sync: true,
      onVisible: (outcomes) => {
        events.push(`visible ${outcomes.length} outcomes, applied ${store.appliedIndex}, durable ${store.durableAppliedIndex}`);
        read = store.range({ key: Buffer.from('a') }).then((r) => void events.push(`read a: ${r.kvs.length}`));
      },
    });
    await read;
    expect(events).toEqual(['visible 2 outcomes, applied 2, durable 0', 'read a: 1']);
    expect(log).toHaveLength(1);
    expect(log[0]!.synced).toBe(false);
    expect(store.durableAppliedIndex).toBe(0);
    // Nothing else is written: the writer syncs by itself soon after.
    await whenDurable(db);
    await new Promise((r) => setImmediate(r));
    expect(log).toHaveLength(2);
    expect(log[1]).toEqual({ synced: true, ops: log[0]!.ops });
    expect(store.durableAppliedIndex).toBe(2);
    await store.close();
    await db.close();
  });

  it('a synced write carries every unsynced batch before it, in order, ahead of its own ops', async () => {
    const db = await openMemoryDb();
    const store = await MvccStore.open(db);
    const log: WrittenBatch[] = [];
    recordBatches(db, log);
    await store.applyBatch([put(1, 'a')], { sync: true, onVisible: () => undefined });
    await store.applyBatch([put(2, 'b')], { sync: true, onVisible: () => undefined });
    expect(log.map((b) => b.synced)).toEqual([false, false]);
    // What the raft log's save of the next entries looks like: its own op, synced.
    const own = { type: 'put', key: Buffer.from('raft-log-entry'), value: Buffer.from('x') } as const;
    await writeOps(db, [own], { sync: true, kind: 'log' });
    expect(log).toHaveLength(3);
    expect(log[2]).toEqual({ synced: true, ops: [...log[0]!.ops, ...log[1]!.ops, `put ${own.key.toString('hex')}`] });
    await new Promise((r) => setImmediate(r));
    expect(store.durableAppliedIndex).toBe(2);
    // Carried once: the next synced write has only its own ops.
    await writeOps(db, [own], { sync: true, kind: 'log' });
    expect(log[3]).toEqual({ synced: true, ops: [`put ${own.key.toString('hex')}`] });
    await store.close();
    await db.close();
  });

  it('too many unsynced ops waiting make the next batch synced, whatever it asked', async () => {
    const db = await openMemoryDb();
    const log: WrittenBatch[] = [];
    recordBatches(db, log);
    const ops = Array.from({ length: 5000 }, (_, i) => ({ type: 'put', key: Buffer.from(`k${i}`), value: Buffer.from('v') }) as const);
    await writeOps(db, ops, { sync: false });
    await writeOps(db, [{ type: 'del', key: Buffer.from('k0') }], { sync: false });
    expect(log.map((b) => [b.synced, b.ops.length])).toEqual([
      [false, 5000],
      [true, 5001],
    ]);
    await db.close();
  });
});
