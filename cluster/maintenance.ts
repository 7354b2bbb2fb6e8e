// etcd's Maintenance API on a member: its status, the key-value hash, moving the leader away, and
// reclaiming disk space; and the backend size the quota is checked against.
import type { NodeId } from '../raft/index.js';
import { EtcdError } from '../rpc/etcd-errors.js';
import type { AlarmInfo, StatusInfo } from '../rpc/member-backend.js';
import type { StoreDb } from '../store/db.js';
import type { MvccStore } from '../store/mvcc/mvcc-store.js';
import { KEY_SPACES } from '../store/keyspace.js';
import { alarmText } from './alarms.js';
import { measureDb, type DbSize } from './db-size.js';
import { etcdBackendFile, etcdBackendHash } from './etcd-backend-view.js';
import type { RaftDriver } from './raft-driver.js';

/** etcd's ErrNoLeader, which its Status lists among the errors while there is no leader. */
const NO_LEADER = 'etcdserver: no leader';

/** How often the database's size is measured again (it is read from the files, not kept). */
const SIZE_REFRESH_MS = 2000;


/** classic-level has compactRange; the abstract-level type the store uses does not name it. */
interface CompactableDb {
  compactRange?: (start: Uint8Array, end: Uint8Array) => Promise<void>;
}

export interface MaintenanceOptions {
  readonly self: NodeId;
  readonly electionTimeoutMs: number;
  /** The LevelDB folder, whose size Status reports; undefined in memory. */
  readonly dbDir: string | undefined;
  /** The alarms active in the cluster. */
  readonly alarms: () => readonly AlarmInfo[];
  /** The etcd version the member answers as (the backend's cluster version follows it). */
  readonly serverVersion: string;
}

export class Maintenance {
  /** The LevelDB files' size, refreshed in the background for Status and the metrics. */
  private size: DbSize = { total: 0, inUse: 0, backend: 0 };
  /** Bytes the state took on since the last measurement began: the quota sees them before the files do. */
  private grown = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Defragment calls run one at a time. */
  private defragging: Promise<void> = Promise.resolve();

  constructor(
    private readonly driver: RaftDriver,
    private readonly mvcc: MvccStore,
    private readonly db: StoreDb,
    private readonly options: MaintenanceOptions,
  ) {}

  async start(): Promise<void> {
    if (!this.options.dbDir) return;
    await this.measure();
    this.timer = setInterval(() => {
      // A database closing under a measurement: the last figures stay.
      this.measure().catch(() => undefined);
    }, SIZE_REFRESH_MS);
    this.timer.unref();
  }

  private async measure(): Promise<void> {
    const dir = this.options.dbDir;
    if (!dir) return;
    const before = this.grown;
    this.size = await measureDb(this.db, dir, this.mvcc.liveRanges(), this.mvcc.stateRanges());
    // What was written before the measurement began is in it (in the journal at least).
    this.grown = Math.max(0, this.grown - before);
  }

  /** The state took on `bytes` more (keys and values applied): counted until the next measurement. */
  noteGrowth(bytes: number): void {
    this.grown += bytes;
  }

  /** The backend size the quota is checked against (see db-size.ts): as last measured, plus what was applied since. */
  get backendBytes(): number {
    return this.size.backend + this.grown;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  /** The database's size as last measured (zero in memory). */
  get dbSize(): DbSize {
    return this.size;
  }

  status(): StatusInfo {
    const st = this.driver.status();
    const errors = [...(st.lead === 0 ? [NO_LEADER] : []), ...this.options.alarms().map(alarmText)];
    return {
      leader: st.lead,
      // etcd's Status: the committed index, and the applied one beside it.
      raftIndex: st.commit,
      raftTerm: st.term,
      raftAppliedIndex: st.applied,
      revision: this.mvcc.revision,
      isLearner: this.driver.fullStatus().confState.learners.includes(this.options.self),
      dbSize: this.size.total,
      dbSizeInUse: this.size.inUse,
      errors,
    };
  }

  async hashKV(revision: number): Promise<{ hash: number; compactRevision: number; revision: number }> {
    const r = await this.mvcc.hashKV(revision);
    return { hash: r.hash, compactRevision: r.compactRevision, revision: r.revision };
  }

  hash(): Promise<{ hash: number; revision: number }> {
    return etcdBackendHash(this.mvcc, this.options.serverVersion);
  }

  backendSnapshot(): Promise<Uint8Array> {
    return etcdBackendFile(this.mvcc, this.options.serverVersion);
  }

  async moveLeader(target: NodeId): Promise<void> {
    const st = this.driver.fullStatus();
    if (st.softState.role !== 'leader') throw new EtcdError('ETCD_NOT_LEADER');
    if (target === this.options.self) return;
    if (!st.confState.voters.includes(target)) throw new EtcdError('ETCD_BAD_LEADER_TRANSFEREE');
    this.driver.transferLeader(target);
    // The transfer is abandoned after an election timeout if the target does not take over.
    const deadline = performance.now() + 2 * this.options.electionTimeoutMs;
    while (this.driver.status().lead !== target) {
      if (performance.now() > deadline || this.stopped) throw new EtcdError('ETCD_TIMEOUT');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Reclaims the space of deleted and compacted data: LevelDB rewrites its tables without it. Unlike
   * etcd's, which copies bbolt into a new file with reads and writes blocked, this runs beside them:
   * LevelDB compacts in its own thread while the member goes on serving.
   */
  defragment(): Promise<void> {
    const run = this.defragging.then(() => this.compactEverything());
    this.defragging = run.catch(() => undefined);
    return run;
  }

  private async compactEverything(): Promise<void> {
    const db = this.db as unknown as CompactableDb;
    if (!db.compactRange) return;
    // The purges of compactions already applied delete what a compaction let go of: they go first.
    await this.mvcc.backgroundSettled();
    // Each space of the key layout in turn — root, raft log, raft state, the state generations,
    // local meta: separate calls let LevelDB run its own compactions and memtable flushes between
    // them, so that writes arriving meanwhile do not pile up behind one compaction of everything.
    for (const space of KEY_SPACES) {
      if (this.stopped) return;
      await db.compactRange.call(this.db, Uint8Array.of(space), Uint8Array.of(space + 1));
    }
    // Status, the metrics and the quota see the smaller size now, not at the next refresh.
    await this.measure();
  }
}
