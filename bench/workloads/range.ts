// range: Range requests for keys of a key space written first — one key, or with --prefix the ten
// keys sharing all but the last digit; --consistency l (linearizable, the default) or s (serializable).
import type { Workload } from '../tool/workload.js';
import { closedLoopRounds, consistencyName, readSetup } from './kv-setup.js';

export const rangeWorkload: Workload = {
  name: 'range',
  async prepare(system, ctx) {
    const { setup: s, reads: requests } = await readSetup(system, ctx);
    const o = ctx.options;
    const label = `${consistencyName(o)} ${o.prefix ? 'prefix ranges' : 'gets'}, ${o.clients} in flight, ${s.where}`;
    return closedLoopRounds(system, s, 'range', label, requests);
  },
};
