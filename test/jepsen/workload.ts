// What the runner asks of a workload. The key-value workload is one; the watch workload (every
// watcher sees exactly the committed revisions of its keys, in order) plugs in the same way.
import type { Prng } from '../sim/prng.js';
import type { TestCluster } from '../support/cluster.js';

export interface WorkloadContext {
  readonly cluster: TestCluster;
  /** The workload's own random stream, derived from the run's seed. */
  readonly rng: Prng;
  /** Milliseconds since the run started: the one clock of the history and the nemesis log. */
  readonly clock: () => number;
  readonly log: (line: string) => void;
}

/** Something the checks found wrong. */
export interface Anomaly {
  readonly workload: string;
  /** e.g. "not-linearizable", "lost-write", "divergence", "final-read-failed", "not-recovered" */
  readonly kind: string;
  readonly key?: string;
  readonly message: string;
  /** The checker's explanation, when there is one. */
  readonly report?: string;
}

export interface WorkloadReport {
  readonly name: string;
  /** Counts for the summary (operations, outcomes, keys, ...). */
  readonly figures: Readonly<Record<string, unknown>>;
  readonly anomalies: readonly Anomaly[];
  /** Keys (or other units) the check could not decide within its budget. */
  readonly inconclusive: number;
  /** The workload's line in the summary text (the runner composes one from the figures otherwise). */
  readonly summaryLine?: string;
}

export interface Workload {
  readonly name: string;
  /** Starts the clients; they run until stop(). */
  start(ctx: WorkloadContext): void;
  /** Stops issuing operations and waits for those in flight to complete or time out. */
  stop(): Promise<void>;
  /** After every fault is healed and the cluster is ready: final reads and the like. */
  finish(ctx: WorkloadContext): Promise<void>;
  /** Releases connections; safe to call more than once, and after a failure at any point. */
  close(): void;
  /** Checks what was recorded (the cluster may be gone by then). */
  check(): WorkloadReport;
  /** The recorded history, one JSON object per operation, in invocation order. */
  history(): Iterable<Readonly<Record<string, unknown>>>;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
