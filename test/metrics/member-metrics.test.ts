// One member's metrics on their own: etcd's names and types, gauges that read the member when
// scraped, counters that move on their events only, and two members in one process that keep apart.
import { describe, expect, it } from 'vitest';
import { MemberMetrics, type MemberFigures } from '../../metrics/member-metrics.js';

function figures(over: Partial<MemberFigures> = {}): MemberFigures {
  return {
    memberId: 0xabc,
    serverVersion: '3.5.0',
    leader: () => 0xabc,
    isLeader: () => true,
    isLearner: () => false,
    commitIndex: () => 12,
    appliedIndex: () => 11,
    pendingProposals: () => 2,
    keys: () => 5,
    watchers: () => ({ total: 3, slow: 1 }),
    dbSize: () => ({ total: 4096, inUse: 1024 }),
    ...over,
  };
}

/** The sample lines of the exposition, by series ("name{labels}" → value). */
async function samples(m: MemberMetrics): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const line of (await m.exposition()).text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

describe('MemberMetrics', () => {
  it('reads its gauges from the member at each scrape', async () => {
    let commit = 12;
    const m = new MemberMetrics(figures({ commitIndex: () => commit }));
    const s = await samples(m);
    expect(s.get('etcd_server_has_leader')).toBe(1);
    expect(s.get('etcd_server_is_leader')).toBe(1);
    expect(s.get('etcd_server_proposals_committed_total')).toBe(12);
    expect(s.get('etcd_server_proposals_applied_total')).toBe(11);
    expect(s.get('etcd_server_proposals_pending')).toBe(2);
    expect(s.get('etcd_debugging_mvcc_keys_total')).toBe(5);
    expect(s.get('etcd_debugging_mvcc_watcher_total')).toBe(3);
    expect(s.get('etcd_debugging_mvcc_slow_watcher_total')).toBe(1);
    expect(s.get('etcd_mvcc_db_total_size_in_bytes')).toBe(4096);
    expect(s.get('etcd_mvcc_db_total_size_in_use_in_bytes')).toBe(1024);
    expect(s.get('etcd_server_id{server_id="abc"}')).toBe(1);
    expect(s.get('etcd_cluster_version{cluster_version="3.5"}')).toBe(1);
    commit = 13;
    expect((await samples(m)).get('etcd_server_proposals_committed_total')).toBe(13);
  });

  it('counts a leader change when a leader appears or another takes over, not when it is lost', async () => {
    const m = new MemberMetrics(figures());
    for (const lead of [0, 1, 1, 0, 1, 2, 0, 0, 3]) m.leaderSeen(lead);
    // none→1, 1→none→1 (etcd compares with the last leader raft reported, none included), 1→2, 2→none→3.
    expect((await samples(m)).get('etcd_server_leader_changes_seen_total')).toBe(4);
  });

  it('puts a synced batch in the histograms of what it carried; an unsynced one in none', async () => {
    const m = new MemberMetrics(figures());
    m.batchWritten({ seconds: 0.0015, sync: true, kinds: new Set(['log']) });
    m.batchWritten({ seconds: 0.003, sync: true, kinds: new Set(['log', 'state']) });
    m.batchWritten({ seconds: 0.5, sync: false, kinds: new Set(['log', 'state']) });
    const s = await samples(m);
    expect(s.get('etcd_disk_wal_fsync_duration_seconds_count')).toBe(2);
    expect(s.get('etcd_disk_wal_fsync_duration_seconds_bucket{le="0.002"}')).toBe(1);
    expect(s.get('etcd_disk_backend_commit_duration_seconds_count')).toBe(1);
    expect(s.get('etcd_disk_backend_commit_duration_seconds_bucket{le="0.002"}')).toBe(0);
    expect(s.get('etcd_disk_backend_commit_duration_seconds_bucket{le="0.004"}')).toBe(1);
  });

  it('labels a peer round trip with the peer in hexadecimal', async () => {
    const m = new MemberMetrics(figures());
    m.peerRoundTrip(0xdead, 0.00015);
    const s = await samples(m);
    expect(s.get('etcd_network_peer_round_trip_time_seconds_bucket{le="0.0001",To="dead"}')).toBe(0);
    expect(s.get('etcd_network_peer_round_trip_time_seconds_bucket{le="0.0002",To="dead"}')).toBe(1);
    expect(s.get('etcd_network_peer_round_trip_time_seconds_count{To="dead"}')).toBe(1);
  });

  it('keeps two members in one process apart, and shows the process figures beside each', async () => {
    const a = new MemberMetrics(figures({ memberId: 1 }));
    const b = new MemberMetrics(figures({ memberId: 2 }));
    a.proposalFailed();
    a.proposalFailed();
    b.healthChecked(false);
    const [sa, sb] = [await samples(a), await samples(b)];
    expect(sa.get('etcd_server_proposals_failed_total')).toBe(2);
    expect(sb.get('etcd_server_proposals_failed_total')).toBe(0);
    expect(sa.get('etcd_server_health_failures')).toBe(0);
    expect(sb.get('etcd_server_health_failures')).toBe(1);
    for (const s of [sa, sb]) {
      expect(s.has('process_cpu_seconds_total')).toBe(true);
      expect(s.has('nodejs_heap_size_used_bytes')).toBe(true);
    }
  });

  it('reports the backend quota as etcd does', async () => {
    expect((await samples(new MemberMetrics(figures({ quotaBytes: () => 2 ** 31 })))).get('etcd_server_quota_backend_bytes')).toBe(2 ** 31);
  });

  it('shows every gRPC method of etcd’s services at zero before any call, with every code', async () => {
    const s = await samples(new MemberMetrics(figures()));
    const put = 'grpc_method="Put",grpc_service="etcdserverpb.KV",grpc_type="unary"';
    expect(s.get(`grpc_server_started_total{${put}}`)).toBe(0);
    expect(s.get(`grpc_server_handled_total{grpc_code="OK",${put}}`)).toBe(0);
    expect(s.get(`grpc_server_handled_total{grpc_code="Unauthenticated",${put}}`)).toBe(0);
    expect(s.get('grpc_server_started_total{grpc_method="Watch",grpc_service="etcdserverpb.Watch",grpc_type="bidi_stream"}')).toBe(0);
    expect([...s.keys()].filter((k) => k.startsWith('grpc_server_handled_total{') && k.includes(put))).toHaveLength(17);
  });
});
