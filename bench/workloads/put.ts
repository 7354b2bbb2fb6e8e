// put: Put requests over the key space, --clients in flight.
import type { Outgoing, PutRequest } from '../../rpc/etcd-api.js';
import type { Workload } from '../tool/workload.js';
import { closedLoopRounds, kvSetup, pick } from './kv-setup.js';

export const putWorkload: Workload = {
  name: 'put',
  async prepare(system, ctx) {
    const s = await kvSetup(system, ctx);
    const requests: Outgoing<PutRequest>[] = Array.from({ length: Math.min(s.keys.size, 100_000) }, (_, i) => ({ key: s.keys.key(i), value: s.values.value(i) }));
    const label = `puts, ${ctx.options.clients} in flight, ${s.where}`;
    return closedLoopRounds(system, s, 'put', label, (client, n, done) => client.Put(requests[pick(n, requests.length)]!, s.md, done));
  },
};
