// The MVCC key-value state, etcd's model: a revision per write txn, key history in an in-memory
// index rebuilt at open, values in LevelDB keyed by revision. Writes arrive only as committed raft
// entries (applyBatch); the changes of a batch and the applied index reach disk in one LevelDB batch,
// so a crash never skips or repeats an entry.
import { RecentKvs } from './recent-kvs.js';
import type { ConfState } from '../../raft/types.js';
import { encodeConfState } from '../codec/raft-codec.js';
import { whenDurable, writeOps, type BatchOp, type StoreDb } from '../db.js';
import {
  ApplyOrderError,
  CompactedError,
  FutureRevisionError,
  StoreClosedError,
  StoreFailedError,
  isRequestError,
  type StoreError,
} from '../errors.js';
import { ACTIVE_GENERATION_KEY, liveRanges, readU32, staleGenerations, StateSpace, writeU32, type KeyRange } from '../keyspace.js';
import type { LeaseTable } from '../lease/lease-table.js';
import { readMeta, type MetaKey, type MetaWrite } from '../meta.js';
import { Mutex } from '../mutex.js';
import { stageSnapshot } from '../snapshot/install.js';
import { StateSnapshot } from '../snapshot/state-snapshot.js';
import type { SnapshotHeader } from '../snapshot/stream-format.js';
import { applyWrite, readOnlyTxn } from './apply.js';
import { BatchContext, fetchRecentOrStored } from './batch-context.js';
import { hashRevisions } from './hash.js';
import { readHistory } from './history.js';
import { writeCheckpoint, type CheckpointSource } from './checkpoint-writer.js';
import type { CheckpointMarker } from './index-checkpoint.js';
import { KeepSet } from './keep-set.js';
import { fromKeyString } from './key-bytes.js';
import { purgeCompacted } from './purge.js';
import { executeRange } from './range.js';
import type { ReadView } from './read-view.js';
import { loadState, type LoadedState } from './state-loader.js';
import { encodeNumber, STORE_META } from './store-meta.js';
import type { TreeIndex } from './tree-index.js';
import type {
  HashKVResult,
  HistoryPage,
  HistoryRequest,
  LeaseInfo,
  MvccEvent,
  RangeRequest,
  RangeResponse,
  TxnRequest,
  TxnResponse,
  WriteRequest,
  WriteResponse,
} from './types.js';
import { checkRangeRequest, requestLimits, type RequestLimits } from './validate.js';

export interface MvccOptions {
  readonly limits?: Partial<RequestLimits>;
  /** Size of the chunks a state snapshot is streamed in. */
  readonly snapshotChunkBytes?: number;
  /** When the index checkpoint is written while the store runs (see CheckpointPolicy). */
  readonly checkpoint?: Partial<CheckpointPolicy>;
}

/**
 * The index checkpoint is written again once both `everyChanges` changes (revision records: one per
 * key a put, delete or txn changes) and `minIntervalMs` have passed since the last one, and at
 * close. A crash then replays about `everyChanges` records at most (plus those applied while the
 * checkpoint was being written).
 */
export interface CheckpointPolicy {
  readonly everyChanges: number;
  readonly minIntervalMs: number;
  /** Serialized per turn of the event loop. */
  readonly sliceBytes: number;
  readonly chunkBytes: number;
}

const DEFAULT_CHECKPOINT_POLICY: CheckpointPolicy = {
  everyChanges: 100_000,
  minIntervalMs: 10_000,
  sliceBytes: 64 * 1024,
  chunkBytes: 1024 * 1024,
};

/** A committed raft entry, as the store applies it. */
export interface ApplyItem {
  readonly index: number;
  readonly request: WriteRequest;
  /** The configuration from this entry on (a conf change entry), stored with the applied index. */
  readonly confState?: ConfState;
  /** Changes to the replicated state meta, stored with the applied index. */
  readonly meta?: readonly MetaWrite[];
  /**
   * Runs just before the request, against the state as this entry finds it (earlier entries of the
   * batch included); a request error it throws (an auth refusal, say) fails the request alone.
   */
  readonly guard?: (view: GuardView) => void;
}

/** What a guard may look at. */
export interface GuardView {
  /** The keys attached to a lease now, in key order. */
  leaseKeys(lease: bigint): Uint8Array[];
}

export type ApplyOutcome =
  | { readonly status: 'applied'; readonly index: number; readonly response: WriteResponse; readonly events: readonly MvccEvent[] }
  /** The request failed as on etcd; the entry still counts as applied. */
  | { readonly status: 'failed'; readonly index: number; readonly error: StoreError }
  /** At or below the applied index: applied before (e.g. replayed after a restart). */
  | { readonly status: 'skipped'; readonly index: number };

export interface ApplyOptions {
  /** Wait for the disk (fsync). Default true; see applyBatch. */
  readonly sync?: boolean;
  /** Fill prevKv in put and delete events (costs a read per changed key). Default false. */
  readonly eventsWithPrevKv?: boolean;
  /**
   * With `sync`: called once the batch is in the state and readable, before it is on disk, so its
   * requests can be answered without waiting for the disk (their entries are durable in the raft
   * log). The batch reaches the disk with the next synced write to the database, which carries it
   * again (see writeOps): whatever a power loss keeps of the state is every batch up to some index,
   * never a later batch without an earlier one. durableAppliedIndex follows.
   */
  readonly onVisible?: (outcomes: readonly ApplyOutcome[]) => void;
}

export interface InstalledSnapshot {
  readonly appliedIndex: number;
  readonly revision: number;
  readonly confState: ConfState;
}

const DEFAULT_SNAPSHOT_CHUNK_BYTES = 256 * 1024;

export class MvccStore {
  private readonly writeLock = new Mutex();
  private readonly limits: RequestLimits;
  private readonly chunkBytes: number;
  private space: StateSpace;
  private index: TreeIndex;
  private currentRev: number;
  private compactRev: number;
  private applied: number;
  private durableApplied: number;
  private conf: ConfState;
  private memberMeta: Map<string, Uint8Array>;
  private leaseTable: LeaseTable;
  private readonly checkpointPolicy: CheckpointPolicy;
  /** The index checkpoint in force on disk, if any. */
  private checkpoint: CheckpointMarker | undefined;
  /** A checkpoint is queued or being written. */
  private checkpointing = false;
  /** When the last periodic checkpoint began (performance.now()). */
  private checkpointStartedAt: number | undefined;
  /** Revision records applied since open, and how many of them the checkpoint in force covers. */
  private changes: number;
  private changesCovered = 0;
  private restored: LoadedState['restoredFrom'];
  private replayedAtOpen: number;
  private closing: Promise<void> | undefined;
  /** Purges of compacted revisions and removal of replaced generations, one after another. */
  private background: Promise<void> = Promise.resolve();
  private backgroundError: unknown;
  private closed = false;
  private failure: StoreFailedError | undefined;
  /** The values of the latest revisions, so reads of what was just written skip LevelDB. */
  private readonly recent = new RecentKvs();

  private constructor(
    private readonly db: StoreDb,
    space: StateSpace,
    state: LoadedState,
    options: MvccOptions,
  ) {
    this.limits = requestLimits(options.limits);
    this.chunkBytes = options.snapshotChunkBytes ?? DEFAULT_SNAPSHOT_CHUNK_BYTES;
    this.checkpointPolicy = { ...DEFAULT_CHECKPOINT_POLICY, ...options.checkpoint };
    this.space = space;
    this.index = state.index;
    this.currentRev = state.revision;
    this.compactRev = state.compactScheduled;
    this.applied = state.applied;
    this.durableApplied = state.applied;
    this.conf = state.confState;
    this.memberMeta = state.memberMeta;
    this.leaseTable = state.leases;
    this.checkpoint = state.checkpoint;
    this.restored = state.restoredFrom;
    this.replayedAtOpen = state.revisionRecordsRead;
    // What a crash now would replay.
    this.changes = state.revisionRecordsRead;
    if (state.unfinishedCompaction) this.schedulePurge(state.compactScheduled, state.unfinishedCompaction);
  }

  /**
   * Loads the live state generation (its index from the checkpoint and the revisions after it, or
   * from every revision), and clears what an interrupted install left.
   */
  static async open(db: StoreDb, options: MvccOptions = {}): Promise<MvccStore> {
    const genBytes = await db.get(ACTIVE_GENERATION_KEY);
    const space = new StateSpace(genBytes ? readU32(genBytes, 0) : 1);
    for (const range of staleGenerations(space.generation)) await db.clear(range);
    const state = await loadState(db, space);
    // A checkpoint that did not fit the state must not come to fit it later, as the revision grows.
    if (!state.checkpoint && (await db.get(space.indexCheckpointMarkerKey()))) {
      await writeOps(db, [{ type: 'del', key: space.indexCheckpointMarkerKey() }], { sync: true });
    }
    return new MvccStore(db, space, state, options);
  }

  get revision(): number {
    return this.currentRev;
  }

  get compactRevision(): number {
    return this.compactRev;
  }

  get appliedIndex(): number {
    return this.applied;
  }

  /** The applied index as of the last batch known to be on disk. */
  get durableAppliedIndex(): number {
    return this.durableApplied;
  }

  get confState(): ConfState {
    return this.conf;
  }

  /** Keys in the index, deleted ones included until a compaction drops them. */
  get indexedKeys(): number {
    return this.index.size;
  }

  /** Keys that exist now (deleted ones not counted). */
  get keyCount(): number {
    return this.index.liveCount;
  }

  /** The key ranges of the database that hold data in use: the log, the live state generation, local meta. */
  liveRanges(): KeyRange[] {
    return liveRanges(this.space.generation);
  }

  /** The live state generation's replicated key ranges (what a snapshot carries): the state's own bytes. */
  stateRanges(): KeyRange[] {
    return this.space.replicated();
  }

  /** Settles once the purges of compactions applied so far have run (their deletes are in LevelDB). */
  backgroundSettled(): Promise<void> {
    return this.background;
  }

  /**
   * Where open (or the last snapshot install) got the index: every revision replayed, or a
   * checkpoint and the revisions after it.
   */
  get indexRestoredFrom(): 'revisions' | 'checkpoint' {
    return this.restored;
  }

  /** Revision records open (or the last snapshot install) read to build the index. */
  get revisionRecordsReplayed(): number {
    return this.replayedAtOpen;
  }

  /** The revision the index checkpoint in force covers (0 if there is none). */
  get checkpointRevision(): number {
    return this.checkpoint?.revision ?? 0;
  }

  /** Every replicated state meta record whose name starts with `prefix`, as stored. */
  metaRecords(prefix: string): [string, Uint8Array][] {
    return [...this.memberMeta].filter(([name]) => name.startsWith(prefix));
  }

  /** A value of the replicated state meta (see ApplyItem.meta). */
  meta<T>(key: MetaKey<T>): T | undefined {
    return readMeta(this.memberMeta, key);
  }

  // --- reads ---

  async range(req: RangeRequest): Promise<RangeResponse> {
    this.ensureUsable();
    checkRangeRequest(req);
    return executeRange(this.committedView(), req);
  }

  /** A txn whose ops are all ranges, served from committed state (after a ReadIndex, say). */
  async readTxn(req: TxnRequest): Promise<TxnResponse> {
    this.ensureUsable();
    return readOnlyTxn(this.committedView(), req);
  }

  /**
   * The events of a key span with revisions in [fromRevision, toRevision], in revision order, a page
   * at a time (resume from `nextRevision` while `more`). Below the compaction revision it fails with
   * CompactedError, which carries that revision.
   */
  async history(req: HistoryRequest): Promise<HistoryPage> {
    this.ensureUsable();
    checkRangeRequest(req);
    return readHistory({ db: this.db, space: this.space, index: this.index, revision: this.currentRev, compactRevision: () => this.compactRev }, req);
  }

  // --- leases (the replicated decisions; the member keeps the time) ---

  /** Every lease, in ID order. */
  leases(): LeaseInfo[] {
    this.ensureUsable();
    return this.leaseTable.list();
  }

  lease(id: bigint): LeaseInfo | undefined {
    this.ensureUsable();
    return this.leaseTable.get(id);
  }

  /** The keys attached to a lease, in key order (none if there is no such lease). */
  leaseKeys(id: bigint): Uint8Array[] {
    this.ensureUsable();
    return this.leaseTable.keysOf(id).map(fromKeyString);
  }

  /** etcd's HashKV at `revision` (0 = current). */
  async hashKV(revision = 0): Promise<HashKVResult> {
    const started = await this.writeLock.run(async () => {
      this.ensureUsable();
      if (revision > 0 && revision < this.compactRev) throw new CompactedError();
      if (revision > this.currentRev) throw new FutureRevisionError();
      const upTo = revision > 0 ? revision : this.currentRev;
      const keep = this.compactRev > 0 ? this.index.keep(this.compactRev) : new KeepSet();
      // The iterator is taken here, under the lock, so it matches the keep set; it is read after.
      const hash = hashRevisions(this.db, this.space, upTo, this.compactRev, keep);
      hash.catch(() => undefined); // awaited below; this only keeps an early failure from counting as unhandled
      return { hash, compactRevision: this.compactRev, revision: this.currentRev, hashRevision: upTo };
    });
    return { ...started, hash: await started.hash };
  }

  // --- writes ---

  /**
   * Applies committed entries in order, all in one LevelDB batch together with the new applied
   * index. Entries at or below the applied index are skipped. A request etcd would reject fails on
   * its own (its outcome carries the error) and consumes no revision; the entry still counts as
   * applied. With `sync: false` a power loss may lose the batch, which raft then replays from its
   * log; the member must then not compact its raft log past what it has applied durably.
   */
  applyBatch(items: readonly ApplyItem[], options: ApplyOptions = {}): Promise<ApplyOutcome[]> {
    return this.writeLock.run(async () => {
      this.ensureUsable();
      for (let i = 1; i < items.length; i++) {
        if (items[i]!.index <= items[i - 1]!.index) throw new ApplyOrderError(items[i - 1]!.index, items[i]!.index);
      }
      // A compaction takes effect for readers at once, as in etcd: reads below it fail from now on.
      const onCompact = (revision: number): void => {
        this.compactRev = revision;
      };
      const batch = new BatchContext(this.db, this.recent, this.index, this.space, this.leaseTable, this.limits, this.currentRev, this.compactRev, options.eventsWithPrevKv ?? false, onCompact);
      const outcomes: ApplyOutcome[] = [];
      let applied = this.applied;
      let conf = this.conf;
      const metaWrites = new Map<string, Uint8Array | null>();
      const sync = options.sync ?? true;
      // Readable before it is durable: the next synced write makes it so.
      const deferred = sync && options.onVisible !== undefined;
      let ops: BatchOp[] = [];
      try {
        for (const item of items) {
          if (item.index <= this.applied) {
            outcomes.push({ status: 'skipped', index: item.index });
            continue;
          }
          outcomes.push(await this.applyOne(batch, item));
          applied = item.index;
          if (item.confState) conf = item.confState;
          for (const m of item.meta ?? []) metaWrites.set(m.name, m.value);
        }
        if (applied === this.applied) {
          options.onVisible?.(outcomes);
          return outcomes;
        }
        ops = this.stateOps(batch, applied, conf, metaWrites);
        await writeOps(this.db, ops, { sync: deferred ? false : sync });
      } catch (err) {
        // The index may hold changes that never reached disk: refuse further work until reopened.
        this.failure = new StoreFailedError(err);
        throw this.failure;
      }
      batch.pending.forEachValue((main, sub, kv) => this.recent.add(main, sub, kv));
      this.currentRev = batch.revision;
      this.applied = applied;
      this.conf = conf;
      for (const [name, value] of metaWrites) {
        if (value === null) this.memberMeta.delete(name);
        else this.memberMeta.set(name, value);
      }
      options.onVisible?.(outcomes);
      if (deferred) {
        whenDurable(this.db).then(
          () => {
            if (applied > this.durableApplied) this.durableApplied = applied;
          },
          (err: unknown) => {
            this.failure ??= new StoreFailedError(err);
          },
        );
      } else if (sync) this.durableApplied = applied;
      for (const c of batch.compactions) this.schedulePurge(c.revision, c.keep);
      this.changes += batch.pending.changes;
      if (this.checkpointDue()) this.scheduleCheckpoint();
      return outcomes;
    });
  }

  private async applyOne(batch: BatchContext, item: ApplyItem): Promise<ApplyOutcome> {
    try {
      item.guard?.({ leaseKeys: (id) => batch.leases.keysOf(id).map(fromKeyString) });
      const result = await applyWrite(batch, item.request);
      batch.revision = result.revision;
      return { status: 'applied', index: item.index, response: result.response, events: result.events };
    } catch (err) {
      if (isRequestError(err)) return { status: 'failed', index: item.index, error: err };
      throw err;
    }
  }

  /** The batch's changes plus the state meta that goes with them. */
  private stateOps(batch: BatchContext, applied: number, conf: ConfState, metaWrites: Map<string, Uint8Array | null>): BatchOp[] {
    const ops = batch.pending.ops;
    const s = this.space;
    ops.push({ type: 'put', key: s.storeMetaKey(STORE_META.applied), value: encodeNumber(applied) });
    if (batch.revision !== this.currentRev) ops.push({ type: 'put', key: s.storeMetaKey(STORE_META.revision), value: encodeNumber(batch.revision) });
    if (conf !== this.conf) ops.push({ type: 'put', key: s.storeMetaKey(STORE_META.confState), value: encodeConfState(conf) });
    if (batch.compactions.length > 0) {
      ops.push({ type: 'put', key: s.storeMetaKey(STORE_META.compactScheduled), value: encodeNumber(batch.compactRev) });
    }
    for (const [name, value] of metaWrites) {
      const key = s.memberMetaKey(name);
      ops.push(value === null ? { type: 'del', key } : { type: 'put', key, value });
    }
    return ops;
  }

  /** Resolves once every scheduled compaction has also been removed from disk. */
  async compactionsSettled(): Promise<void> {
    await this.background;
    if (this.backgroundError !== undefined) throw this.backgroundError;
  }

  // --- snapshots ---

  /** A consistent snapshot of the whole replicated state as of now; writes may go on meanwhile. */
  snapshot(): Promise<StateSnapshot> {
    return this.writeLock.run(async () => {
      this.ensureUsable();
      const header: SnapshotHeader = { appliedIndex: this.applied, revision: this.currentRev, confState: this.conf };
      return new StateSnapshot(this.db, this.db.snapshot(), this.space, header, this.chunkBytes);
    });
  }

  /**
   * Replaces the whole replicated state with a snapshot stream. The stream fills a fresh state
   * generation (its index is built on the way); only once it is complete and its checksum verified
   * does one small synced write switch to it. Any failure before that leaves the current state as it
   * was.
   */
  installSnapshot(chunks: AsyncIterable<Uint8Array>): Promise<InstalledSnapshot> {
    return this.writeLock.run(async () => {
      this.ensureUsable();
      const target = new StateSpace(this.space.generation + 1);
      let loaded: LoadedState;
      try {
        loaded = (await stageSnapshot(this.db, chunks, target, this.applied)).state;
        const pointer = new Uint8Array(4);
        writeU32(pointer, 0, target.generation);
        // Through writeOps: the old generation's writes not yet synced go to disk before the switch.
        await writeOps(this.db, [{ type: 'put', key: ACTIVE_GENERATION_KEY, value: pointer }], { sync: true });
      } catch (err) {
        await this.db.clear(target.all()).catch(() => undefined);
        throw err;
      }
      const old = this.space;
      this.space = target;
      this.index = loaded.index;
      this.recent.clear();
      this.currentRev = loaded.revision;
      this.compactRev = loaded.compactScheduled;
      this.applied = loaded.applied;
      this.durableApplied = loaded.applied;
      this.conf = loaded.confState;
      this.memberMeta = loaded.memberMeta;
      this.leaseTable = loaded.leases;
      this.checkpoint = loaded.checkpoint;
      this.checkpointStartedAt = undefined;
      this.restored = loaded.restoredFrom;
      this.replayedAtOpen = loaded.revisionRecordsRead;
      this.changes = loaded.revisionRecordsRead;
      this.changesCovered = 0;
      this.runInBackground(() => this.db.clear(old.all()));
      if (loaded.unfinishedCompaction) this.schedulePurge(loaded.compactScheduled, loaded.unfinishedCompaction);
      return { appliedIndex: loaded.applied, revision: loaded.revision, confState: loaded.confState };
    });
  }

  // --- index checkpoints ---

  /**
   * Writes the index checkpoint now (after the background work queued so far), so that a crash
   * from here on replays only the revisions after it. Resolves once it is on disk, or was given up
   * because the store closed or moved to another generation.
   */
  async checkpointIndex(): Promise<void> {
    this.ensureUsable();
    this.checkpointing = true;
    const space = this.space;
    return this.runInBackground(() => this.checkpointJob(space));
  }

  private checkpointDue(): boolean {
    const policy = this.checkpointPolicy;
    if (this.checkpointing || this.changes - this.changesCovered < policy.everyChanges) return false;
    return this.checkpointStartedAt === undefined || performance.now() - this.checkpointStartedAt >= policy.minIntervalMs;
  }

  private scheduleCheckpoint(): void {
    this.checkpointing = true;
    const space = this.space;
    void this.runInBackground(() => this.checkpointJob(space));
  }

  private async checkpointJob(space: StateSpace): Promise<void> {
    try {
      this.checkpointStartedAt = performance.now();
      await this.writeCheckpointOf(space, () => !this.closed && !this.failure && this.space === space);
    } finally {
      this.checkpointing = false;
    }
  }

  /** Writes a checkpoint of `space` while `wanted` holds, and makes it the one in force. */
  private async writeCheckpointOf(space: StateSpace, wanted: () => boolean): Promise<void> {
    let covered: number | undefined;
    const source: CheckpointSource = {
      db: this.db,
      space,
      locked: (section) => this.writeLock.run(async () => section()),
      current: () => {
        // The first slice's position is the one the checkpoint covers.
        covered ??= this.changes;
        return { index: this.index, applied: this.applied, revision: this.currentRev };
      },
      wanted,
    };
    const marker = await writeCheckpoint(source, this.checkpoint, this.checkpointPolicy);
    if (marker && this.space === space) {
      this.checkpoint = marker;
      this.changesCovered = covered ?? this.changes;
    }
  }

  // --- lifecycle ---

  /**
   * Refuses further calls, waits for running work (background purges and checkpoints stop early),
   * then writes the index checkpoint so that the next open replays nothing.
   */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    await this.writeLock.run(async () => {
      this.closed = true;
    });
    await this.background;
    if (this.failure) return;
    const current = this.checkpoint;
    if (current && current.applied === this.applied && current.revision === this.currentRev) return;
    const space = this.space;
    await this.writeCheckpointOf(space, () => !this.failure);
  }

  private ensureUsable(): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw new StoreClosedError();
  }

  private committedView(): ReadView {
    const space = this.space;
    return {
      index: this.index,
      rev: this.currentRev,
      compactRev: this.compactRev,
      fetch: (hits) => fetchRecentOrStored(this.recent, this.db, space, hits),
    };
  }

  /**
   * Queues the removal of what a compaction made unreachable. Revisions after the checkpoint in
   * force must stay until a newer checkpoint covers them (open replays them onto it, and a missing
   * tombstone there would bring a deleted key back), so a checkpoint older than the compaction is
   * replaced first.
   */
  private schedulePurge(revision: number, keep: KeepSet): void {
    const space = this.space;
    const wanted = (): boolean => !this.closed && this.space === space;
    void this.runInBackground(async () => {
      if (this.checkpoint && this.checkpoint.revision < revision) {
        await this.writeCheckpointOf(space, () => wanted() && !this.failure);
        if (this.checkpoint && this.checkpoint.revision < revision) return;
      }
      await purgeCompacted(this.db, space, revision, keep, wanted);
    });
  }

  private runInBackground(job: () => Promise<unknown>): Promise<void> {
    this.background = this.background.then(job).then(
      () => undefined,
      (err: unknown) => {
        this.backgroundError = err;
      },
    );
    return this.background;
  }
}
