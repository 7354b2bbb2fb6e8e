// range: Range requests for keys of a key space written first — one key, or with --prefix the ten
// keys sharing all but the last digit; --consistency l (linearizable, the default) or s (serializable).
import type { Outgoing, RangeRequest } from '../../rpc/etcd-api.js';
import { loopSpec, runClosedLoop } from '../tool/closed-loop.js';
import { loadRow, type Workload } from '../tool/workload.js';
import { fillKeySpace, kvSetup } from './kv-setup.js';

export function rangeRequests(keys: { size: number; key(n: number): Buffer; tenOf(n: number): { key: Buffer; range_end: Buffer } }, prefix: boolean, serializable: boolean): Outgoing<RangeRequest>[] {
  return Array.from({ length: Math.min(keys.size, 100_000) }, (_, i) => (prefix ? { ...keys.tenOf(i), serializable } : { key: keys.key(i), serializable }));
}

export function consistencyName(serializable: boolean): string {
  return serializable ? 'serializable' : 'linearizable';
}

export const rangeWorkload: Workload = {
  name: 'range',
  async prepare(system, ctx) {
    const s = await kvSetup(system, ctx);
    await fillKeySpace(s, ctx);
    const o = ctx.options;
    const serializable = o.consistency === 's';
    const requests = rangeRequests(s.keys, o.prefix, serializable);
    const label = `${consistencyName(serializable)} ${o.prefix ? 'prefix ranges' : 'gets'}, ${o.clients} in flight, ${s.where}`;
    return {
      async round(c) {
        const r = await runClosedLoop(loopSpec(`${system.name}: ${label}`, c), c, (w, n, done) => {
          s.kv[w % s.kv.length]!.Range(requests[(n * 7919) % requests.length]!, s.md, done);
        });
        return [loadRow('range', label, r)];
      },
      async close() {},
    };
  },
};
