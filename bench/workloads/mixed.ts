// mixed: reads and writes over one key space written first: each request is a Range (of the
// --consistency asked) with probability --read-ratio, a Put otherwise; one row for all requests.
import type { Outgoing, PutRequest } from '../../rpc/etcd-api.js';
import { loopSpec, runClosedLoop } from '../tool/closed-loop.js';
import { loadRow, type Workload } from '../tool/workload.js';
import { fillKeySpace, kvSetup } from './kv-setup.js';
import { consistencyName, rangeRequests } from './range.js';

export const mixedWorkload: Workload = {
  name: 'mixed',
  async prepare(system, ctx) {
    const s = await kvSetup(system, ctx);
    await fillKeySpace(s, ctx);
    const o = ctx.options;
    const serializable = o.consistency === 's';
    const reads = rangeRequests(s.keys, o.prefix, serializable);
    const writes: Outgoing<PutRequest>[] = reads.map((_, i) => ({ key: s.keys.key(i), value: s.values.value(i) }));
    // A fixed pattern of reads and writes, the same for both systems, decided once.
    const isRead = Uint8Array.from({ length: 1000 }, (_, i) => (((i * 7919) % 1000) / 1000 < o.readRatio ? 1 : 0));
    const label = `${Math.round(o.readRatio * 100)}% ${consistencyName(serializable)} reads, the rest puts, ${o.clients} in flight, ${s.where}`;
    return {
      async round(c) {
        const r = await runClosedLoop(loopSpec(`${system.name}: ${label}`, c), c, (w, n, done) => {
          const client = s.kv[w % s.kv.length]!;
          const k = (n * 7919) % reads.length;
          if (isRead[n % isRead.length]) client.Range(reads[k]!, s.md, done);
          else client.Put(writes[k]!, s.md, done);
        });
        return [loadRow('mixed', label, r)];
      },
      async close() {},
    };
  },
};
