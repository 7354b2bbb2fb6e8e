// lease-keepalive: --leases leases granted through the leader, then renewed over keepalive streams
// (4 streams, 64 requests in flight each) sent to the leader and through a follower (which
// forwards them to the leader): keepalives answered per second and their latency, one row each
// (--target leader or follower for one of them).
import type { ServiceClient } from '../../rpc/etcd-api.js';
import { grantLeases, keepAlive } from '../tool/leases.js';
import { loadRow, type Row, type Workload } from '../tool/workload.js';

const TTL_SECONDS = 600;

export const leaseKeepAliveWorkload: Workload = {
  name: 'lease-keepalive',
  async prepare(system, ctx) {
    const o = ctx.options;
    const [leaderEndpoint] = await system.placed('leader');
    const [followerEndpoint] = await system.placed('follower');
    const leader = system.open('Lease', [leaderEndpoint!])[0]!;
    const ids = await grantLeases(leader, o.leases, TTL_SECONDS);
    const paths: { key: string; label: string; client: ServiceClient<'Lease'> }[] = [];
    if (o.target !== 'follower') paths.push({ key: 'leader', label: 'keepalives, to the leader', client: leader });
    if (o.target !== 'leader') paths.push({ key: 'follower', label: 'keepalives, through a follower', client: system.open('Lease', [followerEndpoint!])[0]! });
    // Warm both paths: streams open, forwarding set up.
    for (const p of paths) await keepAlive(p.client, ids.slice(0, 100), 0.5, 'warming up', true);
    return {
      async round(c) {
        const rows: Row[] = [];
        for (const p of paths) rows.push(loadRow(p.key, p.label, await keepAlive(p.client, ids, o.durationS, `${system.name}: ${p.label}`, c.quiet)));
        return rows;
      },
      async close() {},
    };
  },
};
