// Every workload of `lodestone bench`, by the name given on the command line.
import type { Workload } from '../tool/workload.js';
import { leaseKeepAliveWorkload } from './lease-keepalive.js';
import { memoryWorkload } from './memory.js';
import { mixedWorkload } from './mixed.js';
import { putWorkload } from './put.js';
import { rangeWorkload } from './range.js';
import { registryWorkload } from './registry.js';
import { restartWorkload } from './restart.js';
import { txnPutWorkload } from './txn-put.js';
import { watchWorkload } from './watch.js';

export const WORKLOADS: ReadonlyMap<string, Workload> = new Map(
  [putWorkload, rangeWorkload, txnPutWorkload, mixedWorkload, watchWorkload, leaseKeepAliveWorkload, registryWorkload, memoryWorkload, restartWorkload].map((w) => [w.name, w]),
);

/** Names the earlier suites had, kept: `npm run bench -- lease` is the lease-keepalive workload. */
export const WORKLOAD_ALIASES: Readonly<Record<string, string>> = { lease: 'lease-keepalive' };

export function workloadNamed(name: string): Workload | undefined {
  return WORKLOADS.get(WORKLOAD_ALIASES[name] ?? name);
}
