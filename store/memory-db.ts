// An in-memory stand-in for the member's LevelDB (the same abstract-level interface), for embedded
// nodes that keep nothing on disk — tests, mostly. Everything is gone when it closes.
import { MemoryLevel } from 'memory-level';
import type { StoreDb } from './db.js';

export async function openMemoryDb(): Promise<StoreDb> {
  const db = new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  // Both implement abstract-level's interface, which is all the store uses.
  return db as unknown as StoreDb;
}
