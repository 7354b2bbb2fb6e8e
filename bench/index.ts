// npm run bench [-- <suite> ...] [--tls] [--auth]: runs the named benchmark suites, or all of them.
// --tls and --auth set up the clusters of the cluster suite (see cluster.ts); given without a suite
// name, they run that suite alone.
import { parseArgs } from 'node:util';
import { runClusterBench } from './cluster.js';
import { runDefragBench } from './defrag.js';
import { runGatewayBench } from './gateway.js';
import { runLeaseBench } from './lease.js';
import { runRaftBench } from './raft.js';
import { runWatchBench } from './watch.js';

const { values, positionals } = parseArgs({
  options: {
    tls: { type: 'boolean', default: false },
    auth: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
const cluster = { tls: values.tls, auth: values.auth };

const suites: Record<string, () => void | Promise<void>> = {
  raft: runRaftBench,
  cluster: () => runClusterBench(cluster),
  watch: runWatchBench,
  lease: runLeaseBench,
  gateway: runGatewayBench,
  defrag: runDefragBench,
};

const clusterOnly = cluster.tls || cluster.auth;
const names = positionals.length > 0 ? positionals : clusterOnly ? ['cluster'] : Object.keys(suites);
const others = names.filter((n) => n !== 'cluster' && n in suites);
if (clusterOnly && others.length > 0) {
  console.error(`--tls and --auth are options of the cluster suite only, not of ${others.join(', ')}`);
  process.exitCode = 2;
} else {
  for (const name of names) {
    const run = suites[name];
    if (!run) {
      console.error(`unknown benchmark "${name}"; one of: ${Object.keys(suites).join(', ')}`);
      process.exitCode = 2;
      break;
    }
    await run();
  }
}
