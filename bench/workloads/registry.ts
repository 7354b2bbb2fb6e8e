// registry: service discovery as it is used — --leases instances, each with its lease and one key
// `bench-registry/svc-<s>/<instance>` among 100 services, and --watchers watchers, each of one
// service's prefix (on the members --target names). A round re-registers instances (puts of their
// key with their lease) at --put-rate: the put latency, and the delay from a put's acknowledgement
// to its event at the watchers of that service.
import { Fanout } from '../tool/fanout.js';
import { fillKeys } from '../tool/fill.js';
import { grantLeases } from '../tool/leases.js';
import { ValuePool } from '../tool/keys.js';
import { runWatchedPuts } from '../tool/watched-puts.js';
import type { Workload } from '../tool/workload.js';
import { prefixEnd } from '../../store/mvcc/key-bytes.js';

const SERVICES = 100;
const TTL_SECONDS = 600;

function serviceOf(instance: number): number {
  return instance % SERVICES;
}

export const registryWorkload: Workload = {
  name: 'registry',
  async prepare(system, ctx) {
    const o = ctx.options;
    const [leaderEndpoint] = await system.placed('leader');
    const watched = o.target === 'all' ? system.endpoints : await system.placed(o.target);
    const lease = system.open('Lease', [leaderEndpoint!])[0]!;
    const kv = system.open('KV', [leaderEndpoint!])[0]!;
    const instances = Math.max(1, o.leases);
    const ids = await grantLeases(lease, instances, TTL_SECONDS);
    const keys = Array.from({ length: instances }, (_, i) => Buffer.from(`bench-registry/svc-${serviceOf(i)}/${i}`));
    const values = new ValuePool(o.valSize);
    await fillKeys(system.openRaw([leaderEndpoint!]), { count: instances, key: (i) => keys[i]!, value: (i) => values.value(i), label: 'registering', quiet: ctx.quiet });
    // Every put below carries its instance's lease.
    const requests = keys.map((key, i) => ({ key, value: values.value(i), lease: ids[i]! }));
    const services = Array.from({ length: SERVICES }, (_, s) => Buffer.from(`bench-registry/svc-${s}/`));
    const watchedService = Array.from({ length: o.watchers }, (_, w) => w % SERVICES);
    const watchersOfService = new Array<number>(SERVICES).fill(0);
    for (const s of watchedService) watchersOfService[s]!++;
    const fanout = new Fanout(watched, watchedService.map((s) => ({ key: services[s]!, range_end: prefixEnd(services[s]!) })));
    try {
      await fanout.start();
    } catch (e) {
      fanout.close();
      throw e;
    }
    return {
      round: (c) =>
        runWatchedPuts(
          {
            label: `${system.name}: re-registrations`,
            kv,
            fanout,
            request: (n) => requests[n % requests.length]!,
            watchersOf: (n) => watchersOfService[serviceOf(n % requests.length)]!,
          },
          c,
        ),
      async close() {
        fanout.close();
      },
    };
  },
};
