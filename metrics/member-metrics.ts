// The metrics an etcd member exports, with etcd 3.4's names, help texts, types, labels and buckets,
// for one member. Each member has its own registry: several members can run in one process (tests,
// embedded clusters), and each must count only its own events. Counters and histograms are fed by
// the member as things happen; gauges read the member's state when scraped, which is the value etcd
// would have set last.
import { Counter, exponentialBuckets, Gauge, Histogram, Registry } from 'prom-client';
import type { NodeId } from '../raft/index.js';
import type { BatchWritten } from '../store/db.js';
import { GrpcServerMetrics } from './grpc-server-metrics.js';
import { processRegistry } from './process-metrics.js';

/** What the gauges read from the member at each scrape. */
export interface MemberFigures {
  readonly memberId: NodeId;
  /** The etcd version the member answers as ("3.5.0"). */
  readonly serverVersion: string;
  leader(): NodeId;
  isLeader(): boolean;
  isLearner(): boolean;
  commitIndex(): number;
  appliedIndex(): number;
  /** Proposals this member made that have no outcome yet. */
  pendingProposals(): number;
  /** Keys that exist now. */
  keys(): number;
  watchers(): { readonly total: number; readonly slow: number };
  /** Bytes of the database's files, and of those the bytes in use. */
  dbSize(): { readonly total: number; readonly inUse: number };
  /** The backend quota in bytes, as etcd reports it (the default for 0; a negative value: none). */
  quotaBytes?(): number;
}

/** etcd's disk latency buckets: 1 ms doubling to about 8 s. */
const DISK_BUCKETS = exponentialBuckets(0.001, 2, 14);
/** etcd's peer round-trip buckets: 0.1 ms doubling to about 3.3 s. */
const RTT_BUCKETS = exponentialBuckets(0.0001, 2, 16);

export class MemberMetrics {
  /** This member's metrics only. */
  readonly registry = new Registry();
  /** The gRPC server's, in the same registry. */
  readonly grpc: GrpcServerMetrics;
  /** What /metrics shows: this member's metrics and the process's. */
  private readonly exposed: Registry;
  private lastLeader: NodeId = 0;
  private readonly leaderChanges: Counter;
  private readonly proposalsFailed: Counter;
  private readonly walFsync: Histogram;
  private readonly backendCommit: Histogram;
  private readonly peerRtt: Histogram<'To'>;
  private readonly healthSuccess: Counter;
  private readonly healthFailures: Counter;

  constructor(figures: MemberFigures) {
    const registers = [this.registry];
    const gauge = (name: string, help: string, read: () => number): void => {
      new Gauge({ name, help, registers, collect() { this.set(read()); } });
    };
    const info = (name: string, help: string, label: string, value: string): void => {
      new Gauge({ name, help, labelNames: [label], registers }).set({ [label]: value }, 1);
    };

    gauge('etcd_server_has_leader', 'Whether or not a leader exists. 1 is existence, 0 is not.', () => (figures.leader() !== 0 ? 1 : 0));
    gauge('etcd_server_is_leader', 'Whether or not this member is a leader. 1 if is, 0 otherwise.', () => (figures.isLeader() ? 1 : 0));
    gauge('etcd_server_is_learner', 'Whether or not this member is a learner. 1 if is, 0 otherwise.', () => (figures.isLearner() ? 1 : 0));
    this.leaderChanges = new Counter({ name: 'etcd_server_leader_changes_seen_total', help: 'The number of leader changes seen.', registers });
    // etcd sets these two gauges to raft's commit index and its applied index.
    gauge('etcd_server_proposals_committed_total', 'The total number of consensus proposals committed.', () => figures.commitIndex());
    gauge('etcd_server_proposals_applied_total', 'The total number of consensus proposals applied.', () => figures.appliedIndex());
    gauge('etcd_server_proposals_pending', 'The current number of pending proposals to commit.', () => figures.pendingProposals());
    this.proposalsFailed = new Counter({ name: 'etcd_server_proposals_failed_total', help: 'The total number of failed proposals seen.', registers });
    this.healthSuccess = new Counter({ name: 'etcd_server_health_success', help: 'The total number of successful health checks', registers });
    this.healthFailures = new Counter({ name: 'etcd_server_health_failures', help: 'The total number of failed health checks', registers });
    info('etcd_server_id', "Server or member ID in hexadecimal format. 1 for 'server_id' label with current ID.", 'server_id', figures.memberId.toString(16));
    info('etcd_server_version', "Which version is running. 1 for 'server_version' label with current version.", 'server_version', figures.serverVersion);
    info('etcd_cluster_version', "Which version is running. 1 for 'cluster_version' label with current cluster version", 'cluster_version', majorMinor(figures.serverVersion));

    this.walFsync = new Histogram({ name: 'etcd_disk_wal_fsync_duration_seconds', help: 'The latency distributions of fsync called by WAL.', buckets: DISK_BUCKETS, registers });
    this.backendCommit = new Histogram({ name: 'etcd_disk_backend_commit_duration_seconds', help: 'The latency distributions of commit called by backend.', buckets: DISK_BUCKETS, registers });
    gauge('etcd_mvcc_db_total_size_in_bytes', 'Total size of the underlying database physically allocated in bytes.', () => figures.dbSize().total);
    gauge('etcd_mvcc_db_total_size_in_use_in_bytes', 'Total size of the underlying database logically in use in bytes.', () => figures.dbSize().inUse);
    const quota = figures.quotaBytes;
    if (quota) gauge('etcd_server_quota_backend_bytes', 'Current backend storage quota size in bytes.', () => quota.call(figures));
    gauge('etcd_debugging_mvcc_keys_total', 'Total number of keys.', () => figures.keys());
    gauge('etcd_debugging_mvcc_watcher_total', 'Total number of watchers.', () => figures.watchers().total);
    gauge('etcd_debugging_mvcc_slow_watcher_total', 'Total number of unsynced slow watchers.', () => figures.watchers().slow);

    this.peerRtt = new Histogram({ name: 'etcd_network_peer_round_trip_time_seconds', help: 'Round-Trip-Time histogram between peers', labelNames: ['To'], buckets: RTT_BUCKETS, registers });

    this.grpc = new GrpcServerMetrics(this.registry);
    this.exposed = Registry.merge([this.registry, processRegistry()]);
  }

  /** Raft told of its leader (0: none). A change to a known leader counts, as in etcd. */
  leaderSeen(lead: NodeId): void {
    if (lead !== 0 && lead !== this.lastLeader) this.leaderChanges.inc();
    this.lastLeader = lead;
  }

  /** A proposal of this member's failed: refused by raft, timed out, or given up by its client. */
  proposalFailed(): void {
    this.proposalsFailed.inc();
  }

  /**
   * A synced batch reached the disk. Group commit may carry raft-log and state writes in one batch
   * and one fsync: that fsync is then both a WAL fsync and a backend commit, as it was for each.
   */
  batchWritten(b: BatchWritten): void {
    if (!b.sync) return;
    if (b.kinds.has('log')) this.walFsync.observe(b.seconds);
    if (b.kinds.has('state')) this.backendCommit.observe(b.seconds);
  }

  peerRoundTrip(to: NodeId, seconds: number): void {
    this.peerRtt.observe({ To: to.toString(16) }, seconds);
  }

  healthChecked(healthy: boolean): void {
    (healthy ? this.healthSuccess : this.healthFailures).inc();
  }

  /** The Prometheus text of this member's metrics and the process's. */
  async exposition(): Promise<{ readonly contentType: string; readonly text: string }> {
    return { contentType: this.exposed.contentType, text: await this.exposed.metrics() };
  }
}

/** "3.5.0" → "3.5", as etcd labels its cluster version. */
function majorMinor(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}
