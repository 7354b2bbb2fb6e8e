// npm run bench -- defrag: Defragment under a steady put load, one Lodestone member beside one real
// etcd member, both filled with the same data (keys of 256 bytes, most then deleted and compacted
// away) and loaded with the same closed-loop puts. etcd's defragment copies bbolt into a new file
// with reads and writes blocked; Lodestone's has LevelDB rewrite its tables beside the load. One
// system at a time, so that they do not share the machine's cores while measured.
import { findBinary } from '../test/support/binaries.js';
import { TestCluster, type Implementation } from '../test/support/cluster.js';
import { measureDefragUnderLoad, type DefragLoadOptions, type DefragLoadResult } from './defrag-load.js';

const OPTIONS: DefragLoadOptions = {
  keys: Number(process.env.BENCH_DEFRAG_KEYS ?? 100_000),
  valueBytes: 256,
  deleteShare: 0.9,
  concurrency: Number(process.env.BENCH_DEFRAG_CONCURRENCY ?? 16),
  baselineSeconds: 3,
  afterSeconds: 2,
};

async function measure(implementation: Implementation): Promise<DefragLoadResult> {
  const cluster = await TestCluster.start({ implementation, size: 1, logLevel: 'warn', readyTimeoutMs: 60_000 });
  try {
    return await measureDefragUnderLoad(cluster.member(0).endpoint, OPTIONS);
  } finally {
    await cluster.destroy();
  }
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

function rows(r: DefragLoadResult): [string, string][] {
  return [
    ['defragment took', `${r.defragMs.toFixed(0)} ms`],
    ['dbSize before → after', `${mb(r.dbSizeBefore)} → ${mb(r.dbSizeAfter)}`],
    ['dbSizeInUse before → after', `${mb(r.dbSizeInUseBefore)} → ${mb(r.dbSizeInUseAfter)}`],
    ['puts acknowledged during it', String(r.putsDuringDefrag)],
    ['longest gap between acks', `${r.longestGapMs.toFixed(0)} ms`],
    ['put p99 before / during', `${r.p99BeforeMs.toFixed(1)} ms / ${r.p99DuringMs.toFixed(1)} ms`],
    ['put errors', r.putErrors === 0 ? '0' : `${r.putErrors} (${r.firstError ?? ''})`],
  ];
}

export async function runDefragBench(): Promise<void> {
  console.log(
    `Defragment under load: one member each; ${OPTIONS.keys.toLocaleString('en-US')} keys of ${OPTIONS.valueBytes} random bytes, ${OPTIONS.deleteShare * 100}% deleted and compacted (physical), then puts with ${OPTIONS.concurrency} in flight: ${OPTIONS.baselineSeconds} s before Defragment, ${OPTIONS.afterSeconds} s after it returns`,
  );
  const systems: { name: string; result: DefragLoadResult }[] = [];
  systems.push({ name: 'Lodestone', result: await measure('lodestone') });
  if (findBinary('etcd')) systems.push({ name: 'etcd', result: await measure('etcd') });
  else console.log('  (etcd is not installed — apt-get install etcd-server — so only Lodestone is measured)');
  const table = systems.map((s) => rows(s.result));
  console.log(`  ${''.padEnd(30)}${systems.map((s) => s.name.padEnd(30)).join('')}`);
  table[0]!.forEach(([label], i) => console.log(`  ${label.padEnd(30)}${table.map((t) => t[i]![1].padEnd(30)).join('')}`));
}
