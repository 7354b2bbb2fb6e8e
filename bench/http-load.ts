// A closed-loop load generator for etcd's JSON gateway: `concurrency` workers, each on its own
// HTTP/1.1 keep-alive connection (HTTP/1.1 has one request in flight per connection), each posting
// one put at a time for `seconds`. The same generator drives Lodestone and etcd, so figures compare.
import { Agent, request } from 'node:http';
import type { LoadResult } from './kv-load.js';
import { percentile } from './tool/stats.js';

/** Puts through /v3/kv/put at `endpoint` ("host:port"), 256-byte values, keys cycling per worker. */
export async function runGatewayPuts(endpoint: string, concurrency: number, seconds: number, valueBytes = 256): Promise<LoadResult> {
  const at = endpoint.lastIndexOf(':');
  const host = endpoint.slice(0, at);
  const port = Number(endpoint.slice(at + 1));
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const value = Buffer.alloc(valueBytes, 0x61).toString('base64');
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const once = (body: string): Promise<void> =>
    new Promise((resolve) => {
      const fail = (what: string): void => {
        errors++;
        firstError ??= what;
        resolve();
      };
      const req = request({ host, port, path: '/v3/kv/put', method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => (res.statusCode === 200 ? resolve() : fail(`${String(res.statusCode)} ${text}`)));
      });
      req.on('error', (e) => fail(e.message));
      req.end(body);
    });
  const deadline = performance.now() + seconds * 1000;
  const worker = async (w: number): Promise<void> => {
    let n = 0;
    while (performance.now() < deadline) {
      const key = Buffer.from(`bench/gw/${w}/${n++ % 1000}`).toString('base64');
      const t0 = performance.now();
      await once(`{"key":"${key}","value":"${value}"}`);
      latencies.push(performance.now() - t0);
    }
  };
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  } finally {
    agent.destroy();
  }
  const elapsed = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return {
    op: 'put',
    concurrency,
    requests: latencies.length,
    errors,
    seconds: elapsed,
    perSecond: latencies.length / elapsed,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    ...(firstError !== undefined ? { firstError } : {}),
  };
}
