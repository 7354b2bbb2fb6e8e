// A closed-loop load generator for etcd's KV API: `concurrency` workers each issue one request at a
// time for `seconds`, over gRPC connections spread across the endpoints; it reports throughput and
// latency percentiles. The same generator drives Lodestone and real etcd, so figures compare.
import { createEtcdClient, type ServiceClient } from '../rpc/etcd-api.js';

export type LoadOp = 'put' | 'get-linearizable' | 'get-serializable';

export interface LoadResult {
  readonly op: LoadOp;
  readonly concurrency: number;
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** One client connection per endpoint (as etcd's benchmark tool shares few connections among many workers). */
export function connect(endpoints: readonly string[], connections = endpoints.length): ServiceClient<'KV'>[] {
  return Array.from({ length: connections }, (_, i) =>
    createEtcdClient('KV', endpoints[i % endpoints.length]!, { channelOptions: { 'grpc.use_local_subchannel_pool': 1 } }),
  );
}

export async function runLoad(
  clients: readonly ServiceClient<'KV'>[],
  op: LoadOp,
  concurrency: number,
  seconds: number,
  valueBytes = 256,
): Promise<LoadResult> {
  const value = Buffer.alloc(valueBytes, 0x61);
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const once = (client: ServiceClient<'KV'>, key: Buffer): Promise<void> =>
    new Promise((resolve) => {
      const cb = (err: unknown): void => {
        if (err) errors++;
        resolve();
      };
      if (op === 'put') client.Put({ key, value }, cb);
      else client.Range({ key, serializable: op === 'get-serializable' }, cb);
    });
  const worker = async (w: number): Promise<void> => {
    const client = clients[w % clients.length]!;
    let n = 0;
    while (performance.now() < deadline) {
      const key = Buffer.from(`bench/${w}/${n++ % 1000}`);
      const t0 = performance.now();
      await once(client, key);
      latencies.push(performance.now() - t0);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const elapsed = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return {
    op,
    concurrency,
    requests: latencies.length,
    errors,
    seconds: elapsed,
    perSecond: latencies.length / elapsed,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
  };
}

export function closeAll(clients: readonly ServiceClient<'KV'>[]): void {
  for (const c of clients) c.close();
}
