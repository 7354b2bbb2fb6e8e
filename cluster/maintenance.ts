// etcd's Maintenance API on a member: its status, the key-value hash, moving the leader away, and
// reclaiming disk space.
import type { NodeId } from '../raft/index.js';
import { EtcdError } from '../rpc/etcd-errors.js';
import type { StatusInfo } from '../rpc/member-backend.js';
import type { StoreDb } from '../store/db.js';
import type { MvccStore } from '../store/mvcc/mvcc-store.js';
import { dirSize } from './dir-size.js';
import type { RaftDriver } from './raft-driver.js';

export interface MaintenanceOptions {
  readonly self: NodeId;
  readonly electionTimeoutMs: number;
  /** The LevelDB folder, whose size Status reports; undefined in memory. */
  readonly dbDir: string | undefined;
}

export class Maintenance {
  /** Bytes of the LevelDB files, refreshed in the background for Status. */
  private dbSize = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly driver: RaftDriver,
    private readonly mvcc: MvccStore,
    private readonly db: StoreDb,
    private readonly options: MaintenanceOptions,
  ) {}

  async start(): Promise<void> {
    const dir = this.options.dbDir;
    if (!dir) return;
    this.dbSize = await dirSize(dir);
    this.timer = setInterval(() => {
      dirSize(dir).then((n) => (this.dbSize = n), () => undefined);
    }, 2000);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  status(): StatusInfo {
    const st = this.driver.status();
    return {
      leader: st.lead,
      raftIndex: st.lastIndex,
      raftTerm: st.term,
      raftAppliedIndex: st.applied,
      revision: this.mvcc.revision,
      isLearner: this.driver.fullStatus().confState.learners.includes(this.options.self),
      dbSize: this.dbSize,
    };
  }

  async hashKV(revision: number): Promise<{ hash: number; compactRevision: number; revision: number }> {
    const r = await this.mvcc.hashKV(revision);
    return { hash: r.hash, compactRevision: r.compactRevision, revision: r.revision };
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

  async defragment(): Promise<void> {
    // LevelDB reclaims space by compacting its files; ask it to compact all of them now.
    const db = this.db as unknown as { compactRange?: (start: Uint8Array, end: Uint8Array) => Promise<void> };
    if (db.compactRange) await db.compactRange(new Uint8Array([0]), new Uint8Array([0xff, 0xff, 0xff, 0xff]));
  }
}
