// npm run bench [-- <suite> ...]: runs the named benchmark suites, or all of them.
import { runClusterBench } from './cluster.js';
import { runLeaseBench } from './lease.js';
import { runRaftBench } from './raft.js';
import { runWatchBench } from './watch.js';

const suites: Record<string, () => void | Promise<void>> = {
  raft: runRaftBench,
  cluster: runClusterBench,
  watch: runWatchBench,
  lease: runLeaseBench,
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length > 0 ? wanted : Object.keys(suites);
for (const name of names) {
  const run = suites[name];
  if (!run) {
    console.error(`unknown benchmark "${name}"; one of: ${Object.keys(suites).join(', ')}`);
    process.exitCode = 2;
    break;
  }
  await run();
}
