// This member's own meta (its member ID, the cluster ID it joined, …): kept beside the replicated
// state but never part of it, so a snapshot from a peer cannot overwrite who this member is.
// Everything is cached in memory at open; reads are synchronous.
import { scan, type StoreDb } from './db.js';
import { LOCAL_META_RANGE, localMetaKey, localMetaNameOf } from './keyspace.js';
import { readMeta, type MetaKey } from './meta.js';

export class LocalMeta {
  private constructor(
    private readonly db: StoreDb,
    private readonly cache: Map<string, Uint8Array>,
  ) {}

  static async open(db: StoreDb): Promise<LocalMeta> {
    const cache = new Map<string, Uint8Array>();
    await scan(db, LOCAL_META_RANGE, (k, v) => cache.set(localMetaNameOf(k), v));
    return new LocalMeta(db, cache);
  }

  get<T>(key: MetaKey<T>): T | undefined {
    return readMeta(this.cache, key);
  }

  /** Writes durably (synced) before resolving. */
  async set<T>(key: MetaKey<T>, value: T): Promise<void> {
    const bytes = key.codec.encode(value);
    await this.db.put(localMetaKey(key.name), bytes, { sync: true });
    this.cache.set(key.name, bytes);
  }

  async delete<T>(key: MetaKey<T>): Promise<void> {
    await this.db.del(localMetaKey(key.name), { sync: true });
    this.cache.delete(key.name);
  }
}
