// Runs `lodestone bench … --json` as a user runs it and reads its report: the median row of a
// workload's figure for one system.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { REPO_ROOT } from './cluster.js';

const run = promisify(execFile);

export interface BenchRow {
  readonly key: string;
  readonly perSecond?: number;
  readonly count?: number;
  readonly errors?: number;
  readonly firstError?: string;
  readonly value?: number;
  readonly latency?: { readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number };
}

export interface BenchJob {
  readonly workload: string;
  readonly skipped?: string;
  readonly rows: readonly { key: string; systems: Record<string, { median: BenchRow }> }[];
}

/** The job of `workload` from `npm run lodestone -- bench <args> --json`. */
export async function benchJob(workload: string, args: readonly string[], timeoutMs: number): Promise<BenchJob> {
  const { stdout } = await run('npm', ['run', 'lodestone', '--', 'bench', workload, ...args, '--json'], { cwd: REPO_ROOT, timeout: timeoutMs, maxBuffer: 16 << 20 });
  const doc = JSON.parse(stdout.slice(stdout.search(/^\{/m))) as { jobs: readonly BenchJob[] };
  const job = doc.jobs.find((j) => j.workload === workload);
  if (!job) throw new Error(`the report has no ${workload} job`);
  return job;
}

/** The median row of figure `key` for `system` ("Lodestone", "etcd", "ZooKeeper"). */
export function medianRow(job: BenchJob, key: string, system: string): BenchRow {
  const row = job.rows.find((r) => r.key === key)?.systems[system]?.median;
  if (!row) throw new Error(`no ${key} row for ${system} in the ${job.workload} job`);
  return row;
}
