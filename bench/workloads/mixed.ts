// mixed: reads and writes over one key space written first: each request is a Range (of the
// --consistency asked) with probability --read-ratio, a Put otherwise; one row for all requests.
import { encodePut } from '../tool/raw-kv.js';
import type { Workload } from '../tool/workload.js';
import { closedLoopRounds, consistencyName, pick, readSetup } from './kv-setup.js';

export const mixedWorkload: Workload = {
  name: 'mixed',
  async prepare(system, ctx) {
    const { setup: s, reads } = await readSetup(system, ctx);
    const o = ctx.options;
    const writes = reads.map((_, i) => encodePut({ key: s.keys.key(i), value: s.values.value(i) }));
    // A fixed pattern of reads and writes, the same for both systems, decided once: exactly
    // --read-ratio of every thousand requests read (the stride visits each slot once).
    const isRead = Uint8Array.from({ length: 1000 }, (_, i) => (pick(i, 1000) / 1000 < o.readRatio ? 1 : 0));
    const label = `${Math.round(o.readRatio * 100)}% ${consistencyName(o)} reads, the rest puts, ${o.clients} in flight, ${s.where}`;
    // Each prepared request is a read or a write by its slot in the pattern; the loop's stride visits
    // every one once a cycle, so --read-ratio of the requests sent are reads.
    const mixed = Array.from({ length: reads.length }, (_, k) => (isRead[k % isRead.length] ? reads[k]! : writes[k]!));
    return closedLoopRounds(system, s, 'mixed', label, mixed);
  },
};
