// Every workload of `lodestone bench`, by the name given on the command line (the names and their
// help lines are the command's: cli/bench-options.ts).
import type { WorkloadName } from '../../cli/bench-options.js';
import type { Workload } from '../tool/workload.js';
import { configDeliveryWorkload } from './config-delivery.js';
import { dnsWorkload } from './dns.js';
import { leaseKeepAliveWorkload } from './lease-keepalive.js';
import { memoryWorkload } from './memory.js';
import { mixedWorkload } from './mixed.js';
import { putWorkload } from './put.js';
import { rangeWorkload } from './range.js';
import { registryWorkload } from './registry.js';
import { registryScaleWorkload } from './registry-scale.js';
import { restartWorkload } from './restart.js';
import { ttlReportsWorkload } from './ttl-reports.js';
import { txnPutWorkload } from './txn-put.js';
import { watchWorkload } from './watch.js';
import { zookeeperWorkload } from './zookeeper.js';

export const WORKLOADS: Readonly<Record<WorkloadName, Workload>> = {
  put: putWorkload,
  range: rangeWorkload,
  'txn-put': txnPutWorkload,
  mixed: mixedWorkload,
  watch: watchWorkload,
  'lease-keepalive': leaseKeepAliveWorkload,
  registry: registryWorkload,
  'registry-scale': registryScaleWorkload,
  'ttl-reports': ttlReportsWorkload,
  dns: dnsWorkload,
  memory: memoryWorkload,
  restart: restartWorkload,
  'config-delivery': configDeliveryWorkload,
  zookeeper: zookeeperWorkload,
};

