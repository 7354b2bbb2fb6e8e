// The member's LevelDB handle: binary keys and values throughout.
import { Level } from 'level';
import type { KeyRange } from './keyspace.js';

export type StoreDb = Level<Uint8Array, Uint8Array>;

/**
 * What a write is for, so the disk metrics can tell the raft log's syncs (etcd's WAL fsyncs) from
 * the state's (etcd's backend commits) even when group commit puts both in one batch.
 */
export type WriteKind = 'log' | 'state';

/** One batch that reached LevelDB: how long its write took, and what it carried. */
export interface BatchWritten {
  readonly seconds: number;
  readonly sync: boolean;
  readonly kinds: ReadonlySet<WriteKind>;
}

export type BatchOp =
  | { readonly type: 'put'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: 'del'; readonly key: Uint8Array };

export async function openStoreDb(dir: string): Promise<StoreDb> {
  const db: StoreDb = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open({ createIfMissing: true });
  return db;
}

/**
 * Writes ops atomically, and durably when `sync`. Writes to one database are group-committed: those
 * handed in while a write is on its way, or in the same turn of the event loop, go to LevelDB as one
 * batch, synced if any of them asks to be — so a member's synced raft-log write and its synced
 * apply batch cost one fsync between them, not one each. Order is kept: a write lands in the same
 * batch as, or a later batch than, every write handed in before it. A batch that fails fails every
 * write in it.
 */
export function writeOps(db: StoreDb, ops: readonly BatchOp[], options: { sync: boolean; kind?: WriteKind }): Promise<void> {
  return groupWriter(db).submit(ops, options.sync, options.kind ?? 'state');
}

/** Hears of every batch written to `db` through writeOps (one listener per database: its member's). */
export function observeWrites(db: StoreDb, listener: ((b: BatchWritten) => void) | undefined): void {
  groupWriter(db).listener = listener;
}

function groupWriter(db: StoreDb): GroupWriter {
  let writer = groupWriters.get(db);
  if (!writer) {
    writer = new GroupWriter(db);
    groupWriters.set(db, writer);
  }
  return writer;
}

const groupWriters = new WeakMap<StoreDb, GroupWriter>();

interface PendingWrite {
  readonly ops: readonly BatchOp[];
  readonly sync: boolean;
  readonly kind: WriteKind;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

class GroupWriter {
  private pending: PendingWrite[] = [];
  private writing = false;
  private scheduled = false;
  listener: ((b: BatchWritten) => void) | undefined;

  constructor(private readonly db: StoreDb) {}

  submit(ops: readonly BatchOp[], sync: boolean, kind: WriteKind): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ ops, sync, kind, resolve, reject });
      this.schedule();
    });
  }

  /** The next batch goes once the current turn's writes are all in (and the last batch is done). */
  private schedule(): void {
    if (this.writing || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const group = this.pending;
    this.pending = [];
    if (group.length === 0) return;
    this.writing = true;
    try {
      // A chained batch costs about half of what the array form of db.batch() costs per op (it
      // skips per-op object checks), which shows on the apply path.
      const batch = this.db.batch();
      try {
        for (const w of group) {
          for (const op of w.ops) {
            if (op.type === 'put') batch.put(op.key, op.value);
            else batch.del(op.key);
          }
        }
      } catch (err) {
        await batch.close();
        throw err;
      }
      const sync = group.some((w) => w.sync);
      const started = performance.now();
      await batch.write({ sync });
      const seconds = (performance.now() - started) / 1000;
      for (const w of group) w.resolve();
      // After the writers are answered: a failing listener cannot fail a write that succeeded.
      this.listener?.({ seconds, sync, kinds: new Set(group.map((w) => w.kind)) });
    } catch (err) {
      for (const w of group) w.reject(err);
    } finally {
      this.writing = false;
      if (this.pending.length > 0) this.schedule();
    }
  }
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
