// One run of `lodestone bench`: bring the systems up, warm them up alike, measure each job in
// rounds that alternate between the systems (the one going first switches every round, so that
// both live through the same noise of a shared machine), report, and stop what was started.
import type { Job, JobResult } from './job.js';
import { jsonReport } from './json-report.js';
import type { BenchOptions } from '../../cli/bench-options.js';
import { jobLines, targetLines } from './report.js';
import { judge } from './summary.js';
import type { System } from './system.js';
import { bringUp, closeSystems } from './systems.js';
import { TARGETS } from './targets.js';
import type { Prepared, Row, RunContext } from './workload.js';
import { putWorkload } from '../workloads/put.js';

function context(options: BenchOptions): RunContext {
  return {
    options,
    quiet: options.json || !process.stderr.isTTY,
    note: (line) => process.stderr.write(`${line}\n`),
  };
}

/** Puts with 64 in flight to every member, the same length on each system, results dropped. */
async function warmUp(systems: readonly System[], options: BenchOptions): Promise<void> {
  if (options.warmUpS <= 0) return;
  // A duration, whatever --total says: both systems get the same time.
  const { total: _byDuration, ...timed } = options;
  const ctx = context({ ...timed, clients: 64, target: 'all', durationS: options.warmUpS, rounds: 1 });
  // A system reached only by ZooKeeper's protocol (a real ZooKeeper) takes no etcd puts.
  for (const s of systems.filter((x) => x.endpoints.length > 0)) {
    ctx.note(`${s.name}: warming up, ${options.warmUpS} s of puts with 64 in flight`);
    const prepared = await putWorkload.prepare(s, ctx);
    await prepared.round(ctx, 0);
    await prepared.close();
  }
}

async function runJob(job: Job, index: number, systems: readonly System[]): Promise<JobResult> {
  const ctx = context(job.options);
  if (job.workload.needsOwnCluster && systems.some((s) => !s.cluster)) {
    return { job, rounds: [], skipped: 'it stops, restarts or measures member processes: only on clusters the tool starts (not --endpoints)' };
  }
  const prepared: Prepared[] = [];
  try {
    for (const s of systems) {
      ctx.note(`${job.key}: preparing ${s.name}`);
      prepared.push(await job.workload.prepare(s, ctx));
    }
    const rounds = systems.map((): (readonly Row[])[] => []);
    for (let round = 0; round < job.options.rounds; round++) {
      const order = systems.map((_, i) => i);
      if ((round + index) % 2 === 1) order.reverse();
      for (const i of order) rounds[i]!.push(await prepared[i]!.round(ctx, round));
    }
    return { job, rounds };
  } catch (e) {
    // One workload failing (a refused request, a member that would not restart) leaves the others' figures standing.
    const message = e instanceof Error ? e.message : String(e);
    ctx.note(`${job.key}: failed: ${message}`);
    return { job, rounds: [], skipped: `failed: ${message.split('\n')[0]}` };
  } finally {
    for (const p of prepared) await p.close();
  }
}

export interface RunPlan {
  readonly options: BenchOptions;
  readonly jobs: readonly Job[];
  /** Judge the performance targets (the target set was asked for). */
  readonly judgeTargets: boolean;
}

export async function runBench(plan: RunPlan): Promise<void> {
  const { options } = plan;
  const ctx = context(options);
  const systems = await bringUp(options);
  try {
    const names = systems.map((s) => s.name);
    ctx.note(`measuring ${names.join(' and ')}${systems.length > 1 ? ', both up at once, rounds alternating' : ''}`);
    await warmUp(systems, options);
    const results: JobResult[] = [];
    for (const [i, job] of plan.jobs.entries()) results.push(await runJob(job, i, systems));
    const targets = plan.judgeTargets ? TARGETS.map((t) => judge(t, results)) : undefined;
    if (options.json) {
      process.stdout.write(`${jsonReport(options, names, results, targets)}\n`);
      return;
    }
    const lines = jobLines(results, names);
    if (targets) {
      lines.push(...targetLines(targets, names));
      if (systems.length < 2) lines.push('  (ratios need etcd beside: --against etcd)');
    }
    console.log(lines.join('\n'));
  } finally {
    await closeSystems(systems);
  }
}
