// An apply batch answered before it is on disk: readable first, then written again synced before the
// store counts it durable or takes the next batch — so a power loss keeps every batch up to some
// index, never a later one without an earlier one.
import { describe, expect, it } from 'vitest';
import type { StoreDb } from '../../store/db.js';
import { openMemoryDb } from '../../store/memory-db.js';
import { MvccStore, type ApplyItem } from '../../store/mvcc/mvcc-store.js';

const put = (index: number, key: string): ApplyItem => ({ index, request: { type: 'put', request: { key: Buffer.from(key), value: Buffer.from('v') } } });

/** Records each batch written to the database: its size and whether it was synced. */
function recordBatches(db: StoreDb, log: string[]): void {
  const batch = db.batch.bind(db);
  db.batch = ((...args: unknown[]) => {
    if (args.length > 0) return (batch as (...a: unknown[]) => unknown)(...args);
    const chained = batch();
    const write = chained.write.bind(chained);
    chained.write = (options: { sync?: boolean } = {}) => {
      log.push(`write ${chained.length} ops${options.sync ? ', synced' : ''}`);
      return write(options);
    };
    return chained;
  }) as StoreDb['batch'];
}

describe('an apply batch answered before it is durable', () => {
  it('is readable when its answer goes out, then written again synced before the store counts it durable', async () => {
    const db = await openMemoryDb();
    const store = await MvccStore.open(db);
    const log: string[] = [];
    recordBatches(db, log);
    await store.applyBatch([put(1, 'a'), put(2, 'b')], {
      sync: true,
      onVisible: async (outcomes) => {
        log.push(`visible ${outcomes.length} outcomes, applied ${store.appliedIndex}, durable ${store.durableAppliedIndex}`);
        const r = await store.range({ key: Buffer.from('a') });
        log.push(`read a: ${r.kvs.length}`);
      },
    });
    log.push(`done: durable ${store.durableAppliedIndex}`);
    const writes = log.filter((l) => l.startsWith('write'));
    expect(writes).toHaveLength(2);
    expect(writes[0]).toMatch(/^write \d+ ops$/);
    expect(writes[1]).toBe(`${writes[0]}, synced`);
    const visibleAt = log.indexOf('visible 2 outcomes, applied 2, durable 0');
    expect(visibleAt).toBeGreaterThan(log.indexOf(writes[0]!));
    expect(visibleAt).toBeLessThan(log.indexOf(writes[1]!));
    expect(log).toContain('read a: 1');
    expect(log.at(-1)).toBe('done: durable 2');
    await store.close();
    await db.close();
  });

  it('the next batch is not written until the one before it is on disk', async () => {
    const db = await openMemoryDb();
    const store = await MvccStore.open(db);
    const log: string[] = [];
    recordBatches(db, log);
    const first = store.applyBatch([put(1, 'a')], { sync: true, onVisible: () => log.push('first visible') });
    const second = store.applyBatch([put(2, 'b')], { sync: true, onVisible: () => log.push('second visible') });
    await Promise.all([first, second]);
    const writes = log.map((l) => l.replace(/\d+ ops/, 'n ops'));
    expect(writes).toEqual(['write n ops', 'first visible', 'write n ops, synced', 'write n ops', 'second visible', 'write n ops, synced']);
    await store.close();
    await db.close();
  });
});
