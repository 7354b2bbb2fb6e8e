// Snapshots and log compaction. The raft log forgets what the state holds every snapshotCount
// entries (keeping a tail for slow followers); a follower too far behind gets the whole state as a
// stream from the leader, staged on disk until raft tells it to install it.
import type { Logger } from 'pino';
import type { SnapshotMessage } from '../raft/index.js';
import type { MvccStore } from '../store/mvcc/mvcc-store.js';
import type { RaftLogStore } from '../store/raft-log-store.js';
import type { SnapshotStaging } from './snapshot-staging.js';

export interface SnapshotOptions {
  /** Applied entries between two raft log snapshots (etcd's --snapshot-count). */
  readonly snapshotCount: number;
  /** Entries kept behind a snapshot for followers that lag a little. */
  readonly catchUpEntries: number;
}

/** The state and log are older than what a member can start on: its data lost writes. */
export class StateBehindLogError extends Error {
  readonly code = 'LODESTONE_STATE_BEHIND_LOG';
  constructor(stateIndex: number, snapshotIndex: number) {
    super(
      `the key-value state holds entries up to ${stateIndex}, but the raft log was compacted up to its snapshot at ${snapshotIndex}: ` +
        `entries ${stateIndex + 1}–${snapshotIndex} are in neither. The data directory lost writes (a disk or file-system fault); ` +
        'remove this member from the cluster and add it back with an empty data directory, or restore it from a snapshot',
    );
    this.name = 'StateBehindLogError';
  }
}

/** Refuses to start on a state that lacks entries the log no longer holds. */
export function checkStateCoversLog(stateIndex: number, logSnapshotIndex: number): void {
  if (stateIndex < logSnapshotIndex) throw new StateBehindLogError(stateIndex, logSnapshotIndex);
}

export class Snapshots {
  /** A compaction under way: the next waits for it rather than starting beside it. */
  private compacting = false;

  constructor(
    private readonly mvcc: MvccStore,
    private readonly logStore: RaftLogStore,
    private readonly staging: SnapshotStaging,
    private readonly options: SnapshotOptions,
    private readonly logger: Logger,
  ) {}

  /** Leader side: the state to ship with a raft snapshot message (as of now, at or past its index). */
  async *outgoing(m: SnapshotMessage): AsyncIterable<Uint8Array> {
    const snap = await this.mvcc.snapshot();
    this.logger.info({ to: m.to.toString(16), index: m.snapshot.meta.index, applied: snap.appliedIndex }, 'sending snapshot');
    yield* snap;
  }

  /** Follower side: keeps the payload on disk until raft asks for it to be installed. */
  async receive(m: SnapshotMessage, payload: AsyncIterable<Uint8Array>): Promise<void> {
    await this.staging.receive(m.snapshot.meta.index, m.snapshot.meta.term, payload);
    this.logger.info({ from: m.from.toString(16), index: m.snapshot.meta.index }, 'received snapshot');
  }

  /** Replaces the state with the staged snapshot; resolves with the index the state holds now. */
  async install(index: number, term: number): Promise<number> {
    const installed = await this.mvcc.installSnapshot(this.staging.read(index, term));
    await this.staging.clear();
    this.logger.info({ index, applied: installed.appliedIndex, revision: installed.revision }, 'installed snapshot');
    return installed.appliedIndex;
  }

  /** Every snapshotCount applied entries: snapshot the log and drop all but the catch-up tail. */
  async maybeCompactLog(): Promise<void> {
    if (this.compacting) return;
    const snapIndex = this.logStore.snapshot().meta.index;
    // What the store holds durably: a batch may be readable before it is on disk.
    const applied = this.mvcc.durableAppliedIndex;
    if (applied - snapIndex < this.options.snapshotCount) return;
    this.compacting = true;
    try {
      await this.logStore.createSnapshot(applied, this.mvcc.confState, new Uint8Array());
      const compactTo = applied - this.options.catchUpEntries;
      if (compactTo > this.logStore.firstIndex()) await this.logStore.compact(compactTo);
      this.logger.info({ index: applied, compactedTo: compactTo }, 'raft log snapshot');
    } finally {
      this.compacting = false;
    }
  }
}
