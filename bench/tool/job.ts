// A job: one workload with its options, measured on every system in alternating rounds.
import type { BenchOptions } from '../../cli/bench-options.js';
import type { Row, Workload } from './workload.js';

export interface Job {
  /** Unique in a run: "put-64", "put-1-leader". */
  readonly key: string;
  readonly workload: Workload;
  readonly options: BenchOptions;
}

export interface JobResult {
  readonly job: Job;
  /** rounds[system][round]: the rows that round measured. */
  readonly rounds: readonly (readonly (readonly Row[])[])[];
  /** Why the job was not run, if it was not. */
  readonly skipped?: string;
}
