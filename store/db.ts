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
 * batch, synced if any of them asks to be. Order is kept: a write lands in the same batch as, or a
 * later batch than, every write handed in before it. A batch that fails fails every write in it.
 *
 * An unsynced write becomes durable with the next synced batch, which carries it again: LevelDB syncs
 * only its current log file, and an unsynced write may sit in the file before it — a power loss
 * could then keep the later synced batch and lose the earlier one. Repeating every unsynced op since
 * the last sync, in order, ahead of the synced batch's own makes what survives always a prefix of
 * the writes. whenDurable() tells when everything written so far is on disk; a write left unsynced
 * is synced by itself after UNSYNCED_MAX_MS at the latest.
 */
export function writeOps(db: StoreDb, ops: readonly BatchOp[], options: { sync: boolean; kind?: WriteKind }): Promise<void> {
  return groupWriter(db).submit(ops, options.sync, options.kind ?? 'state');
}

/** Resolves once every write handed to writeOps so far is on disk. */
export function whenDurable(db: StoreDb): Promise<void> {
  return groupWriter(db).whenDurable();
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

/** How long an unsynced write may wait for a synced batch to carry it (etcd's backend batch interval). */
const UNSYNCED_MAX_MS = 100;
/** Past this many ops waiting to be carried again, the next batch is synced whatever it asked. */
const UNSYNCED_MAX_OPS = 4096;

class GroupWriter {
  private pending: PendingWrite[] = [];
  private writing = false;
  private scheduled = false;
  /** The ops of the batches written unsynced since the last synced one, in order. */
  private unsynced: (readonly BatchOp[])[] = [];
  private unsyncedOps = 0;
  /** Waiting for everything written before they asked to be on disk. */
  private durableWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private syncTimer: NodeJS.Timeout | undefined;
  listener: ((b: BatchWritten) => void) | undefined;

  constructor(private readonly db: StoreDb) {}

  submit(ops: readonly BatchOp[], sync: boolean, kind: WriteKind): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ ops, sync, kind, resolve, reject });
      this.schedule();
    });
  }

  whenDurable(): Promise<void> {
    if (this.unsynced.length === 0 && this.pending.length === 0 && !this.writing) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.durableWaiters.push({ resolve, reject });
      this.armSyncTimer();
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

  /** A synced batch with nothing of its own, if none comes by itself in time. */
  private armSyncTimer(): void {
    if (this.syncTimer !== undefined) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      if (this.unsynced.length === 0 && this.durableWaiters.length === 0) return;
      if (this.db.status !== 'open') {
        this.failWaiters(new Error('the database closed before its writes were synced'));
        return;
      }
      this.submit([], true, 'state').catch(() => undefined);
    }, UNSYNCED_MAX_MS);
    this.syncTimer.unref();
  }

  private failWaiters(err: unknown): void {
    const waiters = this.durableWaiters;
    this.durableWaiters = [];
    for (const w of waiters) w.reject(err);
  }

  private async flush(): Promise<void> {
    const group = this.pending;
    this.pending = [];
    if (group.length === 0) return;
    this.writing = true;
    const sync = this.unsyncedOps >= UNSYNCED_MAX_OPS || group.some((w) => w.sync);
    const carried = sync ? this.unsynced : [];
    const waiters = sync ? this.durableWaiters : [];
    if (sync) this.durableWaiters = [];
    try {
      // A chained batch costs about half of what the array form of db.batch() costs per op (it
      // skips per-op object checks), which shows on the apply path.
      const batch = this.db.batch();
      try {
        for (const ops of carried) addOps(batch, ops);
        for (const w of group) addOps(batch, w.ops);
      } catch (err) {
        await batch.close();
        throw err;
      }
      const started = performance.now();
      await batch.write({ sync });
      const seconds = (performance.now() - started) / 1000;
      if (sync) {
        this.unsynced = [];
        this.unsyncedOps = 0;
      } else {
        for (const w of group) {
          if (w.ops.length === 0) continue;
          this.unsynced.push(w.ops);
          this.unsyncedOps += w.ops.length;
        }
        this.armSyncTimer();
      }
      for (const w of group) w.resolve();
      for (const w of waiters) w.resolve();
      // After the writers are answered: a failing listener cannot fail a write that succeeded.
      this.listener?.({ seconds, sync, kinds: new Set(group.map((w) => w.kind)) });
    } catch (err) {
      for (const w of group) w.reject(err);
      for (const w of waiters) w.reject(err);
    } finally {
      this.writing = false;
      if (this.pending.length > 0) this.schedule();
    }
  }
}

function addOps(batch: ReturnType<StoreDb['batch']>, ops: readonly BatchOp[]): void {
  for (const op of ops) {
    if (op.type === 'put') batch.put(op.key, op.value);
    else batch.del(op.key);
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
