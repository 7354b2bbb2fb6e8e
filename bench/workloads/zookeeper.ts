// zookeeper: ZooKeeper's client protocol — creates of new znodes (--val-size bytes each) and getData
// of --key-space existing ones, --clients in flight over connections spread across the members.
// Lodestone's members serve it beside etcd's API; with --against zookeeper a real ZooKeeper 3.8
// ensemble of as many servers runs beside them, driven by the same client (bench/tool/zookeeper-client.ts).
import { ZkTestClient } from '../tool/zookeeper-client.js';
import { LOOPBACK } from '../../test/support/free-ports.js';
import { loopSpec, runClosedLoop } from '../tool/closed-loop.js';
import { loadRow, type RunContext, type Workload } from '../tool/workload.js';

const OPEN_ACL = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
/** Connections per server: enough that no one connection's FIFO order is the limit. */
const CONNECTIONS_PER_SERVER = 4;

async function fill(clients: readonly ZkTestClient[], base: string, count: number, value: Buffer, ctx: RunContext): Promise<void> {
  await clients[0]!.raw('create', { path: base, data: null, acl: OPEN_ACL, flags: 0 });
  const spec = { label: `creating ${count} znodes to read`, clients: Math.min(64, ctx.options.clients), durationS: 0, total: count };
  const r = await runClosedLoop(spec, { ...ctx, quiet: true }, (worker, n, done) => {
    clients[worker % clients.length]!.call('create', { path: `${base}/k${n}`, data: value, acl: OPEN_ACL, flags: 0 }).then(() => done(null), (e: Error) => done(e));
  });
  if (r.errors > 0) throw new Error(`filling the znodes to read failed: ${r.firstError ?? ''}`);
}

export const zookeeperWorkload: Workload = {
  name: 'zookeeper',
  async prepare(system, ctx) {
    const ports = system.zookeeperPorts;
    if (ports.length === 0) throw new Error(`${system.name} serves no ZooKeeper protocol here: the zookeeper workload runs on clusters the tool starts, beside a real ZooKeeper with --against zookeeper`);
    const o = ctx.options;
    const clients: ZkTestClient[] = [];
    for (let i = 0; i < ports.length * CONNECTIONS_PER_SERVER; i++) clients.push(await ZkTestClient.connect(LOOPBACK, ports[i % ports.length]!, { timeoutMs: 30_000 }));
    const value = Buffer.alloc(o.valSize, 'v');
    const base = `/bench-${Date.now()}`;
    const reads = `${base}-read`;
    try {
      await clients[0]!.call('create', { path: base, data: null, acl: OPEN_ACL, flags: 0 });
      await fill(clients, reads, o.keySpace, value, ctx);
    } catch (e) {
      for (const c of clients) c.drop();
      throw e;
    }
    const pick = (worker: number): ZkTestClient => clients[worker % clients.length]!;
    return {
      async round(c, round) {
        const createLabel = `${system.name}: create, ${o.valSize}-byte znodes, ${o.clients} in flight over ${clients.length} connections`;
        const created = await runClosedLoop(loopSpec(createLabel, c), c, (worker, n, done) => {
          pick(worker).call('create', { path: `${base}/r${round}-${n}`, data: value, acl: OPEN_ACL, flags: 0 }).then(() => done(null), (e: Error) => done(e));
        });
        const getLabel = `${system.name}: getData of ${o.keySpace.toLocaleString('en-US')} znodes, ${o.clients} in flight over ${clients.length} connections`;
        const got = await runClosedLoop(loopSpec(getLabel, c), c, (worker, n, done) => {
          pick(worker).call('getData', { path: `${reads}/k${n % o.keySpace}`, watch: false }).then(() => done(null), (e: Error) => done(e));
        });
        return [loadRow('create', createLabel, created), loadRow('getData', getLabel, got)];
      },
      async close() {
        await Promise.all(clients.map((cl) => cl.close()));
      },
    };
  },
};
