// Loads many keys fast: transactions of many puts (etcd's --max-txn-ops allows 128), 64 in flight,
// to the leader. Used before reads and by the memory and restart workloads.
import { Metadata } from '@grpc/grpc-js';
import type { Outgoing, RequestOp } from '../../rpc/etcd-api.js';
import { progressBar } from './progress.js';
import { encodeTxn, type RawKv } from './raw-kv.js';

export const PUTS_PER_TXN = 100;
const IN_FLIGHT = 64;

export interface FillSpec {
  readonly count: number;
  key(i: number): Buffer;
  value(i: number): Buffer;
  /** Progress bar label; shown for fills expected to last. */
  readonly label: string;
  readonly quiet: boolean;
}

export async function fillKeys(kv: readonly RawKv[], spec: FillSpec): Promise<void> {
  const md = new Metadata();
  const txns = Math.ceil(spec.count / PUTS_PER_TXN);
  const bar = progressBar(spec.label, spec.count, spec.count / 20_000, spec.quiet);
  let next = 0;
  let done = 0;
  const worker = async (w: number): Promise<void> => {
    while (next < txns) {
      const t = next++;
      const success: Outgoing<RequestOp>[] = [];
      for (let i = t * PUTS_PER_TXN; i < Math.min(spec.count, (t + 1) * PUTS_PER_TXN); i++) {
        success.push({ request: 'request_put', request_put: { key: spec.key(i), value: spec.value(i) } });
      }
      await new Promise<void>((resolve, reject) =>
        kv[w % kv.length]!.send(encodeTxn({ compare: [], success, failure: [] }), md, (err) => (err ? reject(new Error(`loading keys: ${err.details || err.message}`)) : resolve()), Date.now() + 120_000),
      );
      done += success.length;
      bar.update(done);
    }
  };
  try {
    await Promise.all(Array.from({ length: IN_FLIGHT }, (_, w) => worker(w)));
  } finally {
    bar.stop();
  }
}
