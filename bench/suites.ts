// The earlier suites that are not workloads of the tool: they keep their names and their own
// settings (BENCH_SECONDS, BENCH_ROUNDS, …; see the README).
import { runClusterBench } from './cluster.js';
import { runDefragBench } from './defrag.js';
import { runGatewayBench } from './gateway.js';
import { runRaftBench } from './raft.js';

export interface SuiteFlags {
  readonly tls: boolean;
  readonly auth: boolean;
}

export const SUITES: Readonly<Record<string, (flags: SuiteFlags) => void | Promise<void>>> = {
  raft: runRaftBench,
  cluster: (flags) => runClusterBench(flags),
  gateway: runGatewayBench,
  defrag: runDefragBench,
};
