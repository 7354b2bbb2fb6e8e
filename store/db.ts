// The member's LevelDB handle: binary keys and values throughout.
import { Level } from 'level';
import type { KeyRange } from './keyspace.js';

export type StoreDb = Level<Uint8Array, Uint8Array>;

export type BatchOp =
  | { readonly type: 'put'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: 'del'; readonly key: Uint8Array };

export async function openStoreDb(dir: string): Promise<StoreDb> {
  const db: StoreDb = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open({ createIfMissing: true });
  return db;
}

/**
 * Writes ops atomically. A chained batch costs about half of what the array form of db.batch()
 * costs per op (it skips per-op object checks), which shows on the apply path.
 */
export async function writeOps(db: StoreDb, ops: readonly BatchOp[], options: { sync: boolean }): Promise<void> {
  const batch = db.batch();
  try {
    for (const op of ops) {
      if (op.type === 'put') batch.put(op.key, op.value);
      else batch.del(op.key);
    }
  } catch (err) {
    await batch.close();
    throw err;
  }
  await batch.write({ sync: options.sync });
}

/** Visits every entry of a range in key order, a page at a time. */
export async function scan(
  db: StoreDb,
  range: KeyRange,
  visit: (key: Uint8Array, value: Uint8Array) => void,
  options: { snapshot?: ReturnType<StoreDb['snapshot']>; pageSize?: number } = {},
): Promise<void> {
  const it = db.iterator({ gte: range.gte, lt: range.lt, ...(options.snapshot ? { snapshot: options.snapshot } : {}) });
  try {
    for (;;) {
      const page = await it.nextv(options.pageSize ?? 1000);
      if (page.length === 0) return;
      for (const [k, v] of page) visit(k, v);
    }
  } finally {
    await it.close();
  }
}
