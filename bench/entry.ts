// What `lodestone bench` runs, loaded by the command only when it runs (cli/bench-command.ts).
import type { BenchEntry } from '../cli/bench-options.js';
import type { Job } from './tool/job.js';
import { runBench } from './tool/run.js';
import { targetJobs } from './tool/targets.js';
import { SUITES } from './suites.js';
import { WORKLOADS } from './workloads/index.js';

export const entry: BenchEntry = {
  async runWorkloads(names, options) {
    const jobs: Job[] = names.length === 0 ? targetJobs(options) : names.map((n) => ({ key: n, workload: WORKLOADS[n], options }));
    await runBench({ options, jobs, judgeTargets: names.length === 0 });
  },
  async runSuites(names, flags) {
    for (const name of names) await SUITES[name](flags);
  },
};
