// Everything a member keeps on disk, in one LevelDB: the raft log, the MVCC state and the member's
// local meta. One database means one write-ahead log, so raft's Ready writes and the applies share
// the disk's fsyncs instead of competing for them.
import { openStoreDb, type StoreDb } from './db.js';
import { LocalMeta } from './local-meta.js';
import { MvccStore, type MvccOptions } from './mvcc/mvcc-store.js';
import { RaftLogStore } from './raft-log-store.js';

export interface MemberStoreOptions {
  readonly mvcc?: MvccOptions;
}

export class MemberStore {
  private constructor(
    private readonly db: StoreDb,
    readonly raftLog: RaftLogStore,
    readonly kv: MvccStore,
    readonly local: LocalMeta,
  ) {}

  /** Opens (creating if needed) the member's data directory and loads all state into memory. */
  static async open(dir: string, options: MemberStoreOptions = {}): Promise<MemberStore> {
    const db = await openStoreDb(dir);
    try {
      const raftLog = await RaftLogStore.open(db);
      const kv = await MvccStore.open(db, options.mvcc);
      const local = await LocalMeta.open(db);
      return new MemberStore(db, raftLog, kv, local);
    } catch (err) {
      await db.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.kv.close();
    await this.db.close();
  }
}
