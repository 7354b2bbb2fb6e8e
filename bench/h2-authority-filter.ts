// What the :authority filter (rpc/h2-authority-filter.ts) costs a connection that goes through it:
// Node's HTTP/2 server and client in one process, 64 requests in flight (a 300-byte POST answered
// with 40 bytes, about a put's size), the server's connections native or through the filter,
// alternating; the figures are requests per second and CPU microseconds per request (client and
// server together, so the difference is the filter's). Run: npx tsx bench/h2-authority-filter.ts
import http2 from 'node:http2';
import { createServer } from 'node:net';
import { H2AuthorityFilter, H2AuthorityRewriter } from '../rpc/h2-authority-filter.js';

const IN_FLIGHT = 64;
const ROUND_MS = 2000;
const ROUNDS = 6;

async function round(filtered: boolean): Promise<{ perSecond: number; cpuUsPerRequest: number }> {
  const h2 = http2.createServer();
  h2.on('stream', (stream) => {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
      stream.end(Buffer.alloc(40));
    });
  });
  const tcp = createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => undefined);
    h2.emit('connection', filtered ? new H2AuthorityFilter(socket, new H2AuthorityRewriter()) : socket);
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const client = http2.connect(`http://127.0.0.1:${(tcp.address() as { port: number }).port}`);
  const body = Buffer.alloc(300, 1);
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const r = client.request({ ':method': 'POST', ':path': '/etcdserverpb.KV/Put', 'content-type': 'application/grpc', te: 'trailers' });
      r.on('data', () => undefined);
      r.on('end', resolve);
      r.on('error', reject);
      r.end(body);
    });
  const runFor = async (ms: number): Promise<number> => {
    const end = Date.now() + ms;
    let done = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (Date.now() < end) {
          await one();
          done++;
        }
      }),
    );
    return done;
  };
  await runFor(500);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const done = await runFor(ROUND_MS);
  const cpu = process.cpuUsage(cpu0);
  const seconds = (performance.now() - t0) / 1000;
  client.close();
  tcp.close();
  h2.close();
  return { perSecond: done / seconds, cpuUsPerRequest: (cpu.user + cpu.system) / done };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results = { native: [] as Array<{ perSecond: number; cpuUsPerRequest: number }>, filtered: [] as Array<{ perSecond: number; cpuUsPerRequest: number }> };
for (let i = 0; i < ROUNDS; i++) {
  results.native.push(await round(false));
  results.filtered.push(await round(true));
}
for (const [name, rows] of Object.entries(results)) {
  console.log(
    `${name.padEnd(8)} ${median(rows.map((r) => r.perSecond)).toFixed(0)} req/s, ${median(rows.map((r) => r.cpuUsPerRequest)).toFixed(0)} µs CPU/request (rounds: ${rows.map((r) => r.perSecond.toFixed(0)).join(' ')})`,
  );
}
