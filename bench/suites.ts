// The earlier suites that are not workloads of the tool: they keep their names and their own
// settings (BENCH_SECONDS, BENCH_ROUNDS, …; see the README).
import type { SuiteFlags, SuiteName } from '../cli/bench-options.js';
import { runClusterBench } from './cluster.js';
import { runDefragBench } from './defrag.js';
import { runGatewayBench } from './gateway.js';
import { runRaftBench } from './raft.js';

export const SUITES: Readonly<Record<SuiteName, (flags: SuiteFlags) => void | Promise<void>>> = {
  raft: runRaftBench,
  cluster: (flags) => runClusterBench(flags),
  gateway: runGatewayBench,
  defrag: runDefragBench,
};
