// The closed-loop load generator: `clients` workers, each with one request in flight, for a
// duration or until `total` requests; every latency recorded. The issuing side stays cheap (the
// load generator shares the machine's cores with the members): workers pass callbacks, not
// promises, and each workload builds its requests once.
import type { ServiceError } from '@grpc/grpc-js';
import { progressBar } from './progress.js';
import { LatencyRecorder, type LatencySummary } from './stats.js';
import type { RunContext } from './workload.js';

export interface LoopResult {
  readonly count: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly seconds: number;
  readonly perSecond: number;
  readonly latency: LatencySummary;
  /** This process's CPU time over the round, in cores: near 1 the load generator, not the server, may be the limit. */
  readonly clientCpu: number;
}

/** Sends request number `n` for worker `worker`, then calls `done` once with its error (or null). */
export type Issue = (worker: number, n: number, done: (err: ServiceError | Error | null) => void) => void;

export interface LoopSpec {
  readonly label: string;
  readonly clients: number;
  readonly durationS: number;
  readonly total?: number;
  /** Requests a second, all workers together (open pacing): request n waits for its due time, which its latency does not include. */
  readonly perSecond?: number;
}

export function runClosedLoop(spec: LoopSpec, ctx: RunContext, issue: Issue): Promise<LoopResult> {
  const recorder = new LatencyRecorder();
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  let running = spec.clients;
  const started = performance.now();
  const cpu = process.cpuUsage();
  const deadline = spec.total === undefined ? started + spec.durationS * 1000 : Infinity;
  const bar = spec.total === undefined
    ? progressBar(spec.label, Math.round(spec.durationS), spec.durationS, ctx.quiet)
    : progressBar(spec.label, spec.total, spec.durationS, ctx.quiet);
  const tick = setInterval(() => bar.update(spec.total === undefined ? (performance.now() - started) / 1000 : recorder.count), 250);
  return new Promise((resolve) => {
    const finish = (): void => {
      clearInterval(tick);
      bar.stop();
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      resolve({
        clientCpu: (used.user + used.system) / 1e6 / seconds,
        count: recorder.count,
        errors,
        seconds,
        perSecond: recorder.count / seconds,
        latency: recorder.summary(),
        ...(firstError !== undefined ? { firstError } : {}),
      });
    };
    const step = (worker: number): void => {
      const more = spec.total === undefined ? performance.now() < deadline : next < spec.total;
      if (!more) {
        if (--running === 0) finish();
        return;
      }
      const n = next++;
      if (spec.perSecond !== undefined) {
        const wait = started + (n * 1000) / spec.perSecond - performance.now();
        if (wait > 0) {
          setTimeout(() => send(worker, n), wait);
          return;
        }
      }
      send(worker, n);
    };
    const send = (worker: number, n: number): void => {
      const t0 = performance.now();
      const done = (err: ServiceError | Error | null): void => {
        if (err) {
          errors++;
          firstError ??= 'details' in err && err.details ? err.details : err.message;
        } else recorder.record(performance.now() - t0);
        step(worker);
      };
      try {
        issue(worker, n, done);
      } catch (e) {
        // A channel closed under the loop (the run is being stopped): this worker ends.
        errors++;
        firstError ??= e instanceof Error ? e.message : String(e);
        if (--running === 0) finish();
      }
    };
    if (spec.clients <= 0) finish();
    for (let w = 0; w < spec.clients; w++) step(w);
  });
}

/** The loop's spec from the common flags. */
export function loopSpec(label: string, ctx: RunContext, clients = ctx.options.clients): LoopSpec {
  const o = ctx.options;
  return { label, clients, durationS: o.durationS, ...(o.total !== undefined ? { total: o.total } : {}) };
}
