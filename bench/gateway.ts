// npm run bench -- gateway: etcd's JSON gateway, Lodestone beside a real etcd — one member each,
// plaintext, up at once — driven in alternating rounds (the machine may be shared: a ratio means
// something only when both lived through the same noise): puts through the gateway over HTTP/1.1
// keep-alive connections, 64 in flight, and, for reference, gRPC puts with 64 in flight on the
// same port, on one connection and spread over 64 as the HTTP/1.1 requests are.
import { findBinary } from '../test/support/binaries.js';
import { TestCluster, type Implementation } from '../test/support/cluster.js';
import { closeAll, connect, runLoad, type LoadClient, type LoadResult } from './kv-load.js';
import { runGatewayPuts } from './http-load.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARM_UP_SECONDS = Number(process.env.BENCH_WARM_UP_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const IN_FLIGHT = 64;

interface Row {
  readonly label: string;
  readonly run: (s: System) => Promise<LoadResult>;
}

interface System {
  readonly name: string;
  readonly cluster: TestCluster;
  readonly grpc: LoadClient[];
  /** One gRPC connection per request in flight, as HTTP/1.1 needs. */
  readonly grpcMany: LoadClient[];
}

const ROWS: readonly Row[] = [
  { label: `gateway puts, ${IN_FLIGHT} in flight`, run: (s) => runGatewayPuts(s.cluster.endpoints[0]!, IN_FLIGHT, SECONDS) },
  { label: `gRPC puts, ${IN_FLIGHT} in flight`, run: (s) => runLoad(s.grpc, 'put', IN_FLIGHT, SECONDS) },
  { label: `  the same on ${IN_FLIGHT} connections`, run: (s) => runLoad(s.grpcMany, 'put', IN_FLIGHT, SECONDS) },
];

async function bringUp(implementation: Implementation, name: string): Promise<System> {
  const cluster = await TestCluster.start({ implementation, size: 1, logLevel: 'warn' });
  try {
    return { name, cluster, grpc: await connect(cluster.endpoints), grpcMany: await connect(cluster.endpoints, { connections: IN_FLIGHT }) };
  } catch (e) {
    await cluster.destroy();
    throw e;
  }
}

function fmt(r: LoadResult): string {
  const errors = r.errors > 0 ? ` (${r.errors} errors)` : '';
  return `${Math.round(r.perSecond).toLocaleString('en-US').padStart(7)}/s  p50 ${r.p50Ms.toFixed(2).padStart(6)} ms  p99 ${r.p99Ms.toFixed(1).padStart(6)} ms${errors}`;
}

/** The round whose ops/s is the median of the rounds: its latencies go with it. */
function medianRound(rs: readonly LoadResult[]): LoadResult {
  const sorted = [...rs].sort((a, b) => a.perSecond - b.perSecond);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

export async function runGatewayBench(): Promise<void> {
  console.log(
    `one member each on loopback, both up at once; ${ROUNDS} rounds of ${SECONDS} s per row, the two alternating, after ${WARM_UP_SECONDS} s of puts each to warm up; 256-byte values; HTTP/1.1: one keep-alive connection per request in flight; gRPC: one connection`,
  );
  const systems: System[] = [];
  try {
    systems.push(await bringUp('lodestone', 'Lodestone'));
    if (findBinary('etcd')) systems.push(await bringUp('etcd', 'etcd'));
    else console.log('  (etcd is not installed — apt-get install etcd-server — so only Lodestone is measured)');
    for (const s of systems) {
      await runGatewayPuts(s.cluster.endpoints[0]!, IN_FLIGHT, WARM_UP_SECONDS);
      await runLoad(s.grpc, 'put', IN_FLIGHT, WARM_UP_SECONDS);
    }
    const results = systems.map(() => ROWS.map((): LoadResult[] => []));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [rowIndex, row] of ROWS.entries()) {
        const order = systems.map((_, i) => i);
        if ((round + rowIndex) % 2 === 1) order.reverse();
        for (const i of order) results[i]![rowIndex]!.push(await row.run(systems[i]!));
      }
    }
    console.log(`  ${'workload (median round)'.padEnd(34)}${systems.map((s) => s.name.padEnd(46)).join('')}${systems.length > 1 ? 'ratio per round' : ''}`);
    ROWS.forEach((row, i) => {
      const cells = results.map((r) => fmt(medianRound(r[i]!)).padEnd(46)).join('');
      const ratios = results.length > 1 ? results[0]![i]!.map((r, k) => (r.perSecond / results[1]![i]![k]!.perSecond).toFixed(2)).join(' ') : '';
      console.log(`  ${row.label.padEnd(34)}${cells}${ratios}`);
    });
    results.forEach((system, s) =>
      system.forEach((rounds, i) => {
        const first = rounds.find((r) => r.firstError !== undefined);
        if (first) console.log(`  ${systems[s]!.name}, ${ROWS[i]!.label}: first error: ${first.firstError}`);
      }),
    );
  } finally {
    for (const s of systems) {
      closeAll(s.grpc);
      closeAll(s.grpcMany);
      await s.cluster.destroy();
    }
  }
}
