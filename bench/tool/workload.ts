// What a workload is to the tool: it prepares once on each system under test, then measures rounds
// there (the tool alternates the systems between rounds), each round giving rows of figures.
import type { BenchOptions, WorkloadName } from '../../cli/bench-options.js';
import type { LatencySummary } from './stats.js';
import type { System } from './system.js';

/** Which figure of a row ranks its rounds and makes the Lodestone/etcd ratio. */
export type Headline = 'perSecond' | 'p50Ms' | 'p99Ms' | 'value';

/** One measured line of a round. */
export interface Row {
  /** Stable within its workload: "leader", "delay", "rss-loaded". */
  readonly key: string;
  readonly label: string;
  readonly headline: Headline;
  readonly count?: number;
  readonly perSecond?: number;
  readonly errors?: number;
  readonly firstError?: string;
  readonly latency?: LatencySummary;
  /** The load generator's CPU over the round, in cores (it shares the machine with the members). */
  readonly clientCpu?: number;
  readonly value?: number;
  readonly unit?: string;
}

export interface RunContext {
  readonly options: BenchOptions;
  /** Progress bars are off (--json, or not a terminal). */
  readonly quiet: boolean;
  /** A line for the reader on stderr (never stdout: --json owns it). */
  note(line: string): void;
}

export interface Prepared {
  round(ctx: RunContext, round: number): Promise<readonly Row[]>;
  close(): Promise<void>;
}

export interface Workload {
  readonly name: WorkloadName;
  /** Needs member processes the tool started (it stops, restarts or measures them). */
  readonly needsOwnCluster?: boolean;
  prepare(system: System, ctx: RunContext): Promise<Prepared>;
}

/** The figures of a closed-loop round as a row. */
export function loadRow(key: string, label: string, r: { count: number; perSecond: number; errors: number; firstError?: string; latency: LatencySummary; clientCpu: number }): Row {
  return {
    key,
    label,
    headline: 'perSecond',
    clientCpu: r.clientCpu,
    count: r.count,
    perSecond: r.perSecond,
    errors: r.errors,
    latency: r.latency,
    ...(r.firstError !== undefined ? { firstError: r.firstError } : {}),
  };
}
