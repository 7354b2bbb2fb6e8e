// ops/grafana-dashboard.json stays in step with what a member exports: every metric a panel queries
// is one the member's /metrics has, under that name and with the labels the query groups by.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemberMetrics } from '../../metrics/member-metrics.js';
import { REPO_ROOT } from '../support/cluster.js';
import { parseExposition } from '../support/metrics-scrape.js';

interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly targets?: readonly { readonly expr: string }[];
}

const dashboard = JSON.parse(readFileSync(join(REPO_ROOT, 'ops', 'grafana-dashboard.json'), 'utf8')) as { uid: string; panels: Panel[] };

describe('the Grafana dashboard', () => {
  it('queries only metrics a member exports, by labels they have', async () => {
    const member = new MemberMetrics({
      memberId: 1,
      serverVersion: '3.5.0',
      leader: () => 1,
      isLeader: () => true,
      isLearner: () => false,
      commitIndex: () => 1,
      appliedIndex: () => 1,
      pendingProposals: () => 0,
      keys: () => 0,
      watchers: () => ({ total: 0, slow: 0 }),
      dbSize: () => ({ total: 0, inUse: 0 }),
    });
    member.peerRoundTrip(2, 0.001);
    const { families } = parseExposition((await member.exposition()).text);
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(10);
    for (const expr of exprs) {
      // Metric names, not the label names in selectors and groupings.
      const names = expr.replace(/by \([^)]*\)|\{[^}]*\}/g, ' ');
      for (const [name] of names.matchAll(/\b(?:etcd|grpc|process|nodejs)_\w+/g)) {
        const family = families.get(name) ?? families.get(name.replace(/_(bucket|sum|count)$/, ''));
        expect(family, `${name} in ${expr}`).toBeDefined();
        // Labels grouped by (job and instance come from the scrape, le from the histogram).
        for (const by of expr.matchAll(/by \(([^)]*)\)/g)) {
          for (const label of by[1]!.split(',').map((l) => l.trim())) {
            if (['job', 'instance', 'le'].includes(label)) continue;
            expect([...family!.labelNames], `${label} of ${name}`).toContain(label);
          }
        }
      }
    }
  });

  it('gives every panel its own id, and covers what an operator watches first', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const all = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)).join('\n');
    for (const needed of [
      'etcd_server_has_leader',
      'etcd_server_is_leader',
      'etcd_server_proposals_committed_total',
      'etcd_disk_wal_fsync_duration_seconds_bucket',
      'etcd_mvcc_db_total_size_in_bytes',
      'etcd_debugging_mvcc_watcher_total',
      'grpc_server_handled_total',
      'etcd_network_peer_round_trip_time_seconds_bucket',
    ]) {
      expect(all).toContain(needed);
    }
  });
});
