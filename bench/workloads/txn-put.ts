// txn-put: transactions of --txn-ops puts each (etcd benchmark's txn-put), --clients in flight;
// ops/s counts transactions.
import { encodeTxn } from '../tool/raw-kv.js';
import type { Workload } from '../tool/workload.js';
import { closedLoopRounds, kvSetup } from './kv-setup.js';

export const txnPutWorkload: Workload = {
  name: 'txn-put',
  async prepare(system, ctx) {
    const s = await kvSetup(system, ctx);
    const ops = Math.max(1, ctx.options.txnOps);
    const requests = Array.from({ length: Math.min(Math.ceil(s.keys.size / ops), 10_000) }, (_, t) =>
      encodeTxn({
        compare: [],
        failure: [],
        success: Array.from({ length: ops }, (_, k) => ({ request: 'request_put' as const, request_put: { key: s.keys.key(t * ops + k), value: s.values.value(t * ops + k) } })),
      }),
    );
    const label = `txns of ${ops} put${ops === 1 ? '' : 's'}, ${ctx.options.clients} in flight, ${s.where}`;
    return closedLoopRounds(system, s, 'txn-put', label, requests);
  },
};
