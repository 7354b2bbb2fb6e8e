// put: Put requests over the key space (worker w writes keys w, w+clients, …), --clients in flight.
import type { PutRequest, Outgoing } from '../../rpc/etcd-api.js';
import { loopSpec, runClosedLoop } from '../tool/closed-loop.js';
import { loadRow, type Workload } from '../tool/workload.js';
import { kvSetup } from './kv-setup.js';

export const putWorkload: Workload = {
  name: 'put',
  async prepare(system, ctx) {
    const s = await kvSetup(system, ctx);
    const requests: Outgoing<PutRequest>[] = Array.from({ length: Math.min(s.keys.size, 100_000) }, (_, i) => ({ key: s.keys.key(i), value: s.values.value(i) }));
    const label = `puts, ${ctx.options.clients} in flight, ${s.where}`;
    return {
      async round(c) {
        const r = await runClosedLoop(loopSpec(`${system.name}: ${label}`, c), c, (w, n, done) => {
          s.kv[w % s.kv.length]!.Put(requests[(n * 7919) % requests.length]!, s.md, done);
        });
        return [loadRow('put', label, r)];
      },
      async close() {},
    };
  },
};
