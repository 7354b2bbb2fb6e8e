// mixed: reads and writes over one key space written first: each request is a Range (of the
// --consistency asked) with probability --read-ratio, a Put otherwise; one row for all requests.
import type { Outgoing, PutRequest } from '../../rpc/etcd-api.js';
import type { Workload } from '../tool/workload.js';
import { closedLoopRounds, consistencyName, pick, readSetup } from './kv-setup.js';

export const mixedWorkload: Workload = {
  name: 'mixed',
  async prepare(system, ctx) {
    const { setup: s, reads } = await readSetup(system, ctx);
    const o = ctx.options;
    const writes: Outgoing<PutRequest>[] = reads.map((_, i) => ({ key: s.keys.key(i), value: s.values.value(i) }));
    // A fixed pattern of reads and writes, the same for both systems, decided once: exactly
    // --read-ratio of every thousand requests read (the stride visits each slot once).
    const isRead = Uint8Array.from({ length: 1000 }, (_, i) => (pick(i, 1000) / 1000 < o.readRatio ? 1 : 0));
    const label = `${Math.round(o.readRatio * 100)}% ${consistencyName(o)} reads, the rest puts, ${o.clients} in flight, ${s.where}`;
    return closedLoopRounds(system, s, 'mixed', label, (client, n, done) => {
      const k = pick(n, reads.length);
      if (isRead[n % isRead.length]) client.Range(reads[k]!, s.md, done);
      else client.Put(writes[k]!, s.md, done);
    });
  },
};
