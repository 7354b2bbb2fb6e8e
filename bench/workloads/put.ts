// put: Put requests over the key space, --clients in flight.
import { encodePut } from '../tool/raw-kv.js';
import type { Workload } from '../tool/workload.js';
import { closedLoopRounds, kvSetup } from './kv-setup.js';

export const putWorkload: Workload = {
  name: 'put',
  async prepare(system, ctx) {
    const s = await kvSetup(system, ctx);
    const requests = Array.from({ length: Math.min(s.keys.size, 100_000) }, (_, i) => encodePut({ key: s.keys.key(i), value: s.values.value(i) }));
    const label = `puts, ${ctx.options.clients} in flight, ${s.where}`;
    return closedLoopRounds(system, s, 'put', label, requests);
  },
};
