// npm run bench -- cluster: a 3-member Lodestone cluster beside a 3-member real etcd cluster, started
// the same way on this machine in the same run, driven by the same load generator:
//   puts/s with 64 requests in flight; puts/s one at a time with p50 latency;
//   linearizable gets/s with 64 in flight; and the members' resident memory.
import { readFile } from 'node:fs/promises';
import { TestCluster, type Implementation } from '../test/support/cluster.js';
import { findBinary } from '../test/support/binaries.js';
import { closeAll, connect, runLoad, type LoadOp, type LoadResult } from './kv-load.js';

interface Row {
  readonly label: string;
  readonly op: LoadOp;
  readonly concurrency: number;
}

const ROWS: readonly Row[] = [
  { label: 'puts, 64 in flight', op: 'put', concurrency: 64 },
  { label: 'puts, one at a time', op: 'put', concurrency: 1 },
  { label: 'linearizable gets, 64 in flight', op: 'get-linearizable', concurrency: 64 },
];

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARM_UP_SECONDS = Number(process.env.BENCH_WARM_UP_SECONDS ?? 5);

async function rssMiB(pid: number | undefined): Promise<number> {
  if (pid === undefined) return NaN;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : NaN;
}

async function measure(implementation: Implementation): Promise<{ results: LoadResult[]; rss: number[] }> {
  const cluster = await TestCluster.start({ implementation, size: 3, logLevel: 'warn' });
  try {
    const clients = connect(cluster.endpoints);
    // Steady state, not start-up: connections, caches and the JIT warmed the same way for both.
    await runLoad(clients, 'put', 64, WARM_UP_SECONDS);
    const results: LoadResult[] = [];
    for (const row of ROWS) results.push(await runLoad(clients, row.op, row.concurrency, SECONDS));
    const rss = await Promise.all(cluster.members.map((m) => rssMiB(m.process.pid)));
    closeAll(clients);
    return { results, rss };
  } finally {
    await cluster.destroy();
  }
}

function fmt(r: LoadResult | undefined): string {
  if (!r) return 'n/a'.padStart(30);
  const errors = r.errors > 0 ? ` (${r.errors} errors)` : '';
  return `${Math.round(r.perSecond).toLocaleString('en-US').padStart(7)}/s  p50 ${r.p50Ms.toFixed(2).padStart(6)} ms  p99 ${r.p99Ms.toFixed(1).padStart(6)} ms${errors}`;
}

export async function runClusterBench(): Promise<void> {
  console.log(`3-member clusters on loopback, ${SECONDS} s per row after ${WARM_UP_SECONDS} s of puts to warm up, 256-byte values, one gRPC connection per member`);
  const lodestone = await measure('lodestone');
  const etcd = findBinary('etcd') ? await measure('etcd') : undefined;
  if (!etcd) console.log('  (etcd is not installed — apt-get install etcd-server — so only Lodestone is measured)');
  console.log(`  ${'workload'.padEnd(34)}${'Lodestone'.padEnd(46)}etcd`);
  ROWS.forEach((row, i) => {
    console.log(`  ${row.label.padEnd(34)}${fmt(lodestone.results[i]).padEnd(46)}${fmt(etcd?.results[i])}`);
  });
  const mem = (xs: number[] | undefined): string => (xs ? xs.map((x) => `${x.toFixed(0)} MiB`).join(' / ') : 'n/a');
  console.log(`  ${'resident memory per member'.padEnd(34)}${mem(lodestone.rss).padEnd(46)}${mem(etcd?.rss)}`);
}
