// /metrics, /health and /version beside a real etcd 3.4: a three-member etcd and a three-member
// Lodestone, each member with its own --listen-metrics-urls (given through the environment, which
// both read). The metrics etcd's dashboards use must be there with etcd's types, help texts, label
// names and buckets; the same events must move them on both (a put, a watcher, a leader's death);
// /health must say what etcd says on a healthy cluster and on a member that lost its quorum; and
// `etcdctl endpoint status` must give figures that agree with each other.
import { Metadata } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtcdClient } from '../../rpc/etcd-api.js';
import { etcdctl } from '../compat/etcdctl-runner.js';
import { checkBinaries } from '../support/binaries.js';
import { TestCluster, type Implementation } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { freePorts, LOOPBACK } from '../support/free-ports.js';
import { sample, scrape, type Scrape } from '../support/metrics-scrape.js';

/** The metrics the issue names, which Lodestone must export as etcd does. */
const COMPARED = [
  'etcd_server_has_leader',
  'etcd_server_is_leader',
  'etcd_server_leader_changes_seen_total',
  'etcd_server_proposals_committed_total',
  'etcd_server_proposals_applied_total',
  'etcd_server_proposals_pending',
  'etcd_server_proposals_failed_total',
  'etcd_disk_wal_fsync_duration_seconds',
  'etcd_disk_backend_commit_duration_seconds',
  'etcd_mvcc_db_total_size_in_bytes',
  'etcd_mvcc_db_total_size_in_use_in_bytes',
  'etcd_debugging_mvcc_keys_total',
  'etcd_debugging_mvcc_watcher_total',
  'etcd_network_peer_round_trip_time_seconds',
  'grpc_server_started_total',
  'grpc_server_handled_total',
  // Beside those, what else Lodestone exports under etcd's names.
  'etcd_server_is_learner',
  'etcd_server_health_success',
  'etcd_server_health_failures',
  'etcd_server_id',
  'etcd_server_version',
  'etcd_cluster_version',
  'etcd_debugging_mvcc_slow_watcher_total',
  'etcd_server_quota_backend_bytes',
  'grpc_server_msg_received_total',
  'grpc_server_msg_sent_total',
  // The process figures both export (prom-client's names are the Prometheus client's).
  'process_cpu_seconds_total',
  'process_start_time_seconds',
  'process_resident_memory_bytes',
  'process_virtual_memory_bytes',
  'process_open_fds',
  'process_max_fds',
];

const IMPLEMENTATIONS: readonly Implementation[] = ['etcd', 'lodestone'];
const LABEL: Readonly<Record<Implementation, string>> = { etcd: 'etcd 3.4', lodestone: 'Lodestone' };

interface Running {
  readonly cluster: TestCluster;
  /** Each member's metrics URL ("http://127.0.0.1:port"), by member index. */
  readonly metrics: readonly string[];
}

const binaries = checkBinaries(['etcd', 'etcdctl'], 'comparing /metrics and /health with a real etcd');

describe.skipIf(!binaries.run)('metrics, health and version beside a real etcd 3.4', () => {
  const running = new Map<Implementation, Running>();
  const get = (impl: Implementation): Running => {
    const r = running.get(impl);
    if (!r) throw new Error(`${LABEL[impl]} is not running`);
    return r;
  };
  const scrapeMember = (impl: Implementation, index: number): Promise<Scrape> => scrape(`${get(impl).metrics[index]}/metrics`);
  const health = async (impl: Implementation, index: number, query = ''): Promise<{ status: number; body: Record<string, string> }> => {
    const r = await fetch(`${get(impl).metrics[index]}/health${query}`);
    return { status: r.status, body: JSON.parse(await r.text()) as Record<string, string> };
  };

  beforeAll(async () => {
    binaries.assertPresent();
    await Promise.all(
      IMPLEMENTATIONS.map(async (impl) => {
        const ports = await freePorts(3);
        const metrics = ports.map((p) => `http://${LOOPBACK}:${p}`);
        const cluster = await TestCluster.start({
          implementation: impl,
          size: 3,
          readyTimeoutMs: 60_000,
          memberEnv: ({ index }) => ({ ETCD_LISTEN_METRICS_URLS: metrics[index]!, LODESTONE_LISTEN_METRICS_URLS: metrics[index]! }),
        });
        running.set(impl, { cluster, metrics });
      }),
    );
  }, 180_000);

  afterAll(async () => {
    await Promise.all([...running.values()].map((r) => r.cluster.destroy()));
  }, 60_000);

  it("exports etcd's metrics with etcd's types, help texts, label names and buckets", async () => {
    // etcd's prober first reports a peer's round trip about 5 s after it starts.
    const [theirs, ours] = await eventually('both to report peer round trips', async () => {
      const both = await Promise.all([scrapeMember('etcd', 0), scrapeMember('lodestone', 0)]);
      return both.every((s) => s.families.get('etcd_network_peer_round_trip_time_seconds')?.labelNames.has('To')) ? both : undefined;
    }, 40_000, 500);
    for (const name of COMPARED) {
      const t = theirs.families.get(name);
      const o = ours.families.get(name);
      expect(t, `etcd exports ${name}`).toBeDefined();
      expect(o, `Lodestone exports ${name}`).toBeDefined();
      expect({ name, type: o!.type, help: o!.help }).toEqual({ name, type: t!.type, help: t!.help });
      expect({ name, labels: [...o!.labelNames].sort() }).toEqual({ name, labels: [...t!.labelNames].sort() });
      expect({ name, buckets: o!.buckets }).toEqual({ name, buckets: t!.buckets });
    }
    // Both hold the backend to the default quota, 2 GiB.
    expect(sample(theirs, 'etcd_server_quota_backend_bytes')).toBe(2 ** 31);
    expect(sample(ours, 'etcd_server_quota_backend_bytes')).toBe(2 ** 31);
    // Every method of etcd's own services is there before it is called, with every code.
    const series = (s: Scrape, name: string): string[] =>
      [...s.samples.keys()].filter((k) => k.startsWith(`${name}{`) && k.includes('grpc_service="etcdserverpb.')).sort();
    for (const name of ['grpc_server_started_total', 'grpc_server_handled_total']) {
      const missing = series(theirs, name).filter((k) => !ours.samples.has(k));
      expect(missing, `${name} series etcd has and Lodestone lacks`).toEqual([]);
    }
    // The process figures of a Node process, as prom-client exports them.
    expect(ours.families.get('nodejs_heap_size_used_bytes')?.type).toBe('gauge');
    expect(ours.families.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
  }, 60_000);

  for (const impl of IMPLEMENTATIONS) {
    it(`${LABEL[impl]}: a put moves the proposal, key, disk and gRPC metrics`, async () => {
      const { cluster } = get(impl);
      const before = await scrapeMember(impl, 0);
      const put = await etcdctl([cluster.members[0]!.endpoint], ['put', `metrics/${Date.now()}`, 'v']);
      expect(put.code, put.stderr).toBe(0);
      const okPut = 'grpc_code="OK",grpc_method="Put",grpc_service="etcdserverpb.KV",grpc_type="unary"';
      const startedPut = 'grpc_method="Put",grpc_service="etcdserverpb.KV",grpc_type="unary"';
      await eventually('the put to show', async () => {
        const after = await scrapeMember(impl, 0);
        const grew = (name: string, labels = ''): boolean => (sample(after, name, labels) ?? 0) > (sample(before, name, labels) ?? 0);
        const moved = [
          grew('etcd_server_proposals_committed_total'),
          grew('etcd_server_proposals_applied_total'),
          (sample(after, 'etcd_debugging_mvcc_keys_total') ?? 0) === (sample(before, 'etcd_debugging_mvcc_keys_total') ?? 0) + 1,
          grew('etcd_disk_wal_fsync_duration_seconds_count'),
          grew('etcd_disk_backend_commit_duration_seconds_count'),
          grew('grpc_server_started_total', startedPut),
          grew('grpc_server_handled_total', okPut),
        ];
        return moved.every(Boolean) ? true : undefined;
      }, 10_000, 200);
      // The applied figure never passes the committed one, on any member.
      for (let i = 0; i < 3; i++) {
        const s = await scrapeMember(impl, i);
        expect(sample(s, 'etcd_server_proposals_applied_total')).toBeLessThanOrEqual(sample(s, 'etcd_server_proposals_committed_total')!);
        expect(sample(s, 'etcd_server_has_leader')).toBe(1);
      }
      const leaders = await Promise.all([0, 1, 2].map(async (i) => sample(await scrapeMember(impl, i), 'etcd_server_is_leader')));
      expect(leaders.sort()).toEqual([0, 0, 1]);
    }, 60_000);

    it(`${LABEL[impl]}: a watcher counts in watcher_total while it lasts`, async () => {
      const { cluster } = get(impl);
      const watchers = async (): Promise<number> => sample(await scrapeMember(impl, 1), 'etcd_debugging_mvcc_watcher_total') ?? -1;
      const before = await watchers();
      const client = createEtcdClient('Watch', cluster.members[1]!.endpoint);
      const stream = client.Watch(new Metadata());
      stream.on('error', () => undefined);
      try {
        const created = new Promise<void>((resolve) => stream.once('data', () => resolve()));
        stream.write({ create_request: { key: Buffer.from('metrics/watched') } });
        await created;
        await eventually('the watcher to count', async () => ((await watchers()) === before + 1 ? true : undefined), 5000, 100);
      } finally {
        stream.cancel();
        client.close();
      }
      await eventually('the watcher to be gone', async () => ((await watchers()) === before ? true : undefined), 10_000, 100);
    }, 30_000);

    it(`${LABEL[impl]}: etcdctl endpoint status gives figures that agree`, async () => {
      const { cluster } = get(impl);
      const r = await etcdctl(cluster.endpoints, ['endpoint', 'status', '-w', 'json']);
      expect(r.code, r.stderr).toBe(0);
      const list = JSON.parse(r.stdout) as { Status: { raftIndex: number; raftAppliedIndex: number; dbSize: number; dbSizeInUse: number; errors?: string[] } }[];
      expect(list).toHaveLength(3);
      for (const { Status: s } of list) {
        expect(s.raftIndex).toBeGreaterThanOrEqual(s.raftAppliedIndex);
        expect(s.raftAppliedIndex).toBeGreaterThan(0);
        expect(s.dbSizeInUse).toBeGreaterThan(0);
        expect(s.dbSizeInUse).toBeLessThanOrEqual(s.dbSize);
        expect(s.errors ?? []).toEqual([]);
      }
    }, 30_000);
  }

  it('/health on a healthy cluster: 200 and {"health":"true"} from both, serializable or not', async () => {
    for (const query of ['', '?serializable=true', '?serializable=false']) {
      for (const impl of IMPLEMENTATIONS) {
        for (let i = 0; i < 3; i++) expect({ impl, query, ...(await health(impl, i, query)) }).toEqual({ impl, query, status: 200, body: { health: 'true' } });
      }
    }
    const counted = await scrapeMember('lodestone', 0);
    expect(sample(counted, 'etcd_server_health_success')).toBeGreaterThanOrEqual(3);
  });

  it("/version has etcd's shape, on the client URLs and the metrics URLs", async () => {
    // etcd 3.4 serves /version on its client URLs only; Lodestone on both.
    const theirs = (await (await fetch(`${get('etcd').cluster.members[0]!.clientUrl}/version`)).json()) as Record<string, string>;
    const ours = (await (await fetch(`${get('lodestone').cluster.members[0]!.clientUrl}/version`)).json()) as Record<string, string>;
    const oursOnMetrics = (await (await fetch(`${get('lodestone').metrics[0]}/version`)).json()) as Record<string, string>;
    expect(oursOnMetrics).toEqual(ours);
    expect(Object.keys(ours)).toEqual(Object.keys(theirs));
    expect(theirs.etcdserver).toMatch(/^3\.4\.\d+$/);
    expect(ours.etcdserver).toMatch(/^\d+\.\d+\.\d+$/);
    for (const v of [theirs, ours]) expect(v.etcdcluster).toMatch(/^\d+\.\d+\.0$/);
  });

  it('/health and /metrics are served on the client URLs too, as etcd serves them', async () => {
    for (const impl of IMPLEMENTATIONS) {
      const url = get(impl).cluster.members[1]!.clientUrl;
      const h = await fetch(`${url}/health`);
      expect({ impl, status: h.status, body: JSON.parse(await h.text()) as unknown }).toEqual({ impl, status: 200, body: { health: 'true' } });
      const m = await scrape(`${url}/metrics`);
      expect({ impl, hasLeader: sample(m, 'etcd_server_has_leader') }).toEqual({ impl, hasLeader: 1 });
    }
  });

  for (const impl of IMPLEMENTATIONS) {
    it(`${LABEL[impl]}: the leader's death counts as a leader change on the survivors`, async () => {
      const { cluster } = get(impl);
      const { leaderIndex } = await cluster.waitReady();
      const survivors = [0, 1, 2].filter((i) => i !== leaderIndex);
      const changes = async (i: number): Promise<number> => sample(await scrapeMember(impl, i), 'etcd_server_leader_changes_seen_total') ?? 0;
      const before = await Promise.all(survivors.map(changes));
      await cluster.kill(leaderIndex);
      await cluster.waitReady();
      const after = await Promise.all(survivors.map(changes));
      survivors.forEach((_, k) => expect(after[k]!).toBeGreaterThan(before[k]!));
    }, 60_000);
  }

  it('/health on a member that lost its quorum: 503 from both, serializable or not', async () => {
    const survivor = new Map<Implementation, number>();
    for (const impl of IMPLEMENTATIONS) {
      const { cluster } = get(impl);
      const { leaderIndex } = await cluster.waitReady();
      const [left, stopped] = [0, 1, 2].filter((i) => cluster.isServing(i)).sort((a, b) => (a === leaderIndex ? -1 : b === leaderIndex ? 1 : 0));
      // Stop the follower: the leader left alone has to notice it lost its quorum and step down.
      await cluster.stop(stopped!);
      survivor.set(impl, left!);
    }
    for (const impl of IMPLEMENTATIONS) {
      const index = survivor.get(impl)!;
      await eventually(`${LABEL[impl]} to lose its leader`, async () => (sample(await scrapeMember(impl, index), 'etcd_server_has_leader') === 0 ? true : undefined), 20_000, 200);
    }
    for (const query of ['', '?serializable=true']) {
      const theirs = await health('etcd', survivor.get('etcd')!, query);
      const ours = await health('lodestone', survivor.get('lodestone')!, query);
      expect({ query, status: ours.status, health: ours.body.health }).toEqual({ query, status: theirs.status, health: theirs.body.health });
      expect(ours.status).toBe(503);
      // etcd 3.4 gives no reason; Lodestone gives etcd 3.5's.
      expect(ours.body.reason).toBe('RAFT NO LEADER');
    }
    const r = await etcdctl([get('lodestone').cluster.members[survivor.get('lodestone')!]!.endpoint], ['endpoint', 'status', '-w', 'json']);
    const theirsStatus = await etcdctl([get('etcd').cluster.members[survivor.get('etcd')!]!.endpoint], ['endpoint', 'status', '-w', 'json']);
    const errors = (out: string): string[] => (JSON.parse(out) as { Status: { errors?: string[] } }[])[0]!.Status.errors ?? [];
    expect(errors(r.stdout)).toEqual(errors(theirsStatus.stdout));
    expect(errors(r.stdout)).toEqual(['etcdserver: no leader']);
    const counted = await scrapeMember('lodestone', survivor.get('lodestone')!);
    expect(sample(counted, 'etcd_server_health_failures')).toBeGreaterThanOrEqual(2);
  }, 90_000);
});
