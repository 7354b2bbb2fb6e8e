// Raft's log storage on LevelDB. Reads are served from memory (raft's storage interface is
// synchronous); every change is written to disk first and reaches memory only once it is durable, so
// raft never reads an entry that a crash could take back.
//
// On disk: entries keyed by index, the hard state, the latest snapshot's metadata and data, and the
// log's starting point: the (index, term) just before the first entry, left by the last compaction or
// incoming snapshot (MemoryStorage keeps it as its first, dummy entry).
import { CompactedError, SnapshotOutOfDateError, UnavailableError } from '../raft/errors.js';
import { MemoryStorage, type InitialState, type LogStorage } from '../raft/storage.js';
import {
  EMPTY_CONF_STATE,
  EMPTY_HARD_STATE,
  type ConfState,
  type Entry,
  type HardState,
  type Snapshot,
} from '../raft/types.js';
import {
  decodeEntry,
  decodeHardState,
  decodeSnapshot,
  encodeEntry,
  encodeHardState,
  encodeSnapshot,
} from './codec/raft-codec.js';
import { scan, writeOps, type BatchOp, type StoreDb } from './db.js';
import { CorruptDataError, LogCompactBeyondSnapshotError } from './errors.js';
import { HARD_STATE_KEY, LOG_START_KEY, RAFT_LOG_RANGE, RAFT_SNAPSHOT_KEY, raftLogIndexOf, raftLogKey } from './keyspace.js';
import { ByteReader } from './codec/byte-reader.js';
import { ByteWriter } from './codec/byte-writer.js';
import { Mutex } from './mutex.js';

/** What one raft Ready asks to persist before its messages may leave. */
export interface RaftPersist {
  readonly hardState?: HardState;
  /** New entries; they replace any existing entries from their first index on. */
  readonly entries?: readonly Entry[];
  /** A snapshot received from the leader: it replaces the whole log. */
  readonly snapshot?: Snapshot;
  /**
   * Wait for the disk (fsync). Default true. raft's Ready says when it may be skipped (mustSync
   * false: only the commit index moved, which raft can relearn from the leader after a crash).
   */
  readonly sync?: boolean;
}

export class RaftLogStore implements LogStorage {
  private readonly lock = new Mutex();

  private constructor(
    private readonly db: StoreDb,
    private readonly mem: MemoryStorage,
  ) {}

  /** Loads the hard state, the latest snapshot and the live log into memory. */
  static async open(db: StoreDb): Promise<RaftLogStore> {
    const hsBytes = await db.get(HARD_STATE_KEY);
    const snapBytes = await db.get(RAFT_SNAPSHOT_KEY);
    const startBytes = await db.get(LOG_START_KEY);
    const snap: Snapshot = snapBytes
      ? decodeSnapshot(snapBytes)
      : { meta: { index: 0, term: 0, confState: EMPTY_CONF_STATE }, data: new Uint8Array() };
    const entries: Entry[] = [];
    await scan(db, RAFT_LOG_RANGE, (k, v) => entries.push(decodeEntry(raftLogIndexOf(k), v)));
    const mem = rebuildLog(startBytes ? decodeLogStart(startBytes) : { index: 0, term: 0 }, snap, entries);
    mem.setHardState(hsBytes ? decodeHardState(hsBytes) : EMPTY_HARD_STATE);
    return new RaftLogStore(db, mem);
  }

  // --- LogStorage, from memory ---

  initialState(): InitialState {
    return this.mem.initialState();
  }

  entries(lo: number, hi: number, maxSize: number): Entry[] {
    return this.mem.entries(lo, hi, maxSize);
  }

  term(i: number): number {
    return this.mem.term(i);
  }

  firstIndex(): number {
    return this.mem.firstIndex();
  }

  lastIndex(): number {
    return this.mem.lastIndex();
  }

  snapshot(): Snapshot {
    return this.mem.snapshot();
  }

  // --- writes ---

  /** Persists everything from one Ready in one LevelDB batch, synced unless told otherwise (group commit). */
  save(ready: RaftPersist): Promise<void> {
    return this.lock.run(async () => {
      const ops: BatchOp[] = [];
      let offset = this.mem.firstIndex() - 1;
      let last = this.mem.lastIndex();
      const snap = ready.snapshot;
      if (snap) {
        if (snap.meta.index <= this.mem.snapshot().meta.index) throw new SnapshotOutOfDateError();
        for (let i = offset + 1; i <= last; i++) ops.push({ type: 'del', key: raftLogKey(i) });
        ops.push({ type: 'put', key: RAFT_SNAPSHOT_KEY, value: encodeSnapshot(snap) });
        ops.push({ type: 'put', key: LOG_START_KEY, value: encodeLogStart(snap.meta) });
        offset = last = snap.meta.index;
      }
      const fresh = (ready.entries ?? []).filter((e) => e.index > offset);
      if (fresh.length > 0) {
        if (fresh[0]!.index > last + 1) throw new UnavailableError();
        const newLast = fresh[fresh.length - 1]!.index;
        // A conflicting suffix longer than the new entries must go too.
        for (let i = newLast + 1; i <= last; i++) ops.push({ type: 'del', key: raftLogKey(i) });
        for (const e of fresh) ops.push({ type: 'put', key: raftLogKey(e.index), value: encodeEntry(e) });
      }
      if (ready.hardState) ops.push({ type: 'put', key: HARD_STATE_KEY, value: encodeHardState(ready.hardState) });
      if (ops.length === 0) return;
      await writeOps(this.db, ops, { sync: ready.sync ?? true, kind: 'log' });
      if (snap) this.mem.applySnapshot(snap);
      if (fresh.length > 0) this.mem.append(fresh);
      if (ready.hardState) this.mem.setHardState(ready.hardState);
    });
  }

  /**
   * Records a snapshot of the application's state at applied index `index`. `data` should stay small
   * (the MVCC state travels separately, as a stream).
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Promise<Snapshot> {
    return this.lock.run(async () => {
      if (index <= this.mem.snapshot().meta.index) throw new SnapshotOutOfDateError();
      if (index > this.mem.lastIndex()) throw new UnavailableError();
      const snap: Snapshot = { meta: { index, term: this.mem.term(index), confState }, data };
      await this.db.put(RAFT_SNAPSHOT_KEY, encodeSnapshot(snap), { sync: true });
      return this.mem.createSnapshot(index, confState, data);
    });
  }

  /**
   * Drops the log before `index` (which stays, as the log's starting point), on disk as well.
   * `index` may not pass the latest snapshot: the log must reach back to it.
   */
  compact(index: number): Promise<void> {
    return this.lock.run(async () => {
      const offset = this.mem.firstIndex() - 1;
      if (index <= offset) throw new CompactedError();
      if (index > this.mem.lastIndex()) throw new UnavailableError();
      const snapIndex = this.mem.snapshot().meta.index;
      if (index > snapIndex) throw new LogCompactBeyondSnapshotError(index, snapIndex);
      const ops: BatchOp[] = [{ type: 'put', key: LOG_START_KEY, value: encodeLogStart({ index, term: this.mem.term(index) }) }];
      for (let i = offset + 1; i <= index; i++) ops.push({ type: 'del', key: raftLogKey(i) });
      // Losing a compaction in a crash only leaves more log behind; no need to wait for the disk.
      await writeOps(this.db, ops, { sync: false, kind: 'log' });
      this.mem.compact(index);
    });
  }
}

interface LogStart {
  readonly index: number;
  readonly term: number;
}

function encodeLogStart(start: LogStart): Uint8Array {
  return new ByteWriter(16).uvarint(start.index).uvarint(start.term).finish();
}

function decodeLogStart(bytes: Uint8Array): LogStart {
  const r = new ByteReader(bytes);
  const start = { index: r.uvarint(), term: r.uvarint() };
  r.end();
  return start;
}

/** Rebuilds the in-memory log from its starting point, the snapshot and the entries found on disk. */
function rebuildLog(start: LogStart, snap: Snapshot, entries: Entry[]): MemoryStorage {
  for (let i = 0; i < entries.length; i++) {
    if (entries[i]!.index !== start.index + 1 + i) throw new CorruptDataError(`log entry ${start.index + 1 + i} is missing`);
  }
  if (start.index > snap.meta.index) throw new CorruptDataError(`log starts at ${start.index}, past the snapshot at ${snap.meta.index}`);
  if (start.index === snap.meta.index) {
    if (start.term !== snap.meta.term) throw new CorruptDataError(`log start term differs from the snapshot's`);
    const mem = new MemoryStorage(snap);
    mem.append(entries);
    return mem;
  }
  // The log reaches back before the snapshot (it was compacted to an older point): start the
  // in-memory log there, then lay the snapshot over it.
  const mem = new MemoryStorage({ meta: { index: start.index, term: start.term, confState: snap.meta.confState }, data: snap.data });
  mem.append(entries);
  if (snap.meta.index > mem.lastIndex()) throw new CorruptDataError(`snapshot at ${snap.meta.index} is past the log's end`);
  if (mem.term(snap.meta.index) !== snap.meta.term) throw new CorruptDataError(`term of entry ${snap.meta.index} differs from the snapshot's`);
  mem.createSnapshot(snap.meta.index, snap.meta.confState, snap.data);
  return mem;
}
