import type { ClientId, History, Operation, Time } from './history.js';

/** Nanoseconds on the monotonic clock, as a number (exact for about 104 days of uptime). */
export function monotonicNanos(): Time {
  return Number(process.hrtime.bigint());
}

/** The handle of one invoked operation: complete it once, with what the client saw. */
export interface PendingOperation<O> {
  ok(output: O): void;
  /** The request is known not to have taken effect. */
  fail(): void;
  /** Timeout or lost connection: the operation may or may not have taken effect. */
  unknown(): void;
}

/**
 * Records a history as a workload runs: the clock is read when a client invokes an operation and when
 * it completes. An operation still pending when the history is taken counts as unknown.
 */
export class HistoryRecorder<I, O> {
  private readonly entries: { client: ClientId; input: I; call: Time; completion?: Operation<I, O> }[] = [];

  constructor(private readonly now: () => Time = monotonicNanos) {}

  invoke(client: ClientId, input: I): PendingOperation<O> {
    const entry: (typeof this.entries)[number] = { client, input, call: this.now() };
    this.entries.push(entry);
    const complete = (completion: Operation<I, O>): void => {
      if (entry.completion !== undefined) throw new Error(`operation of client ${client} completed twice`);
      entry.completion = completion;
    };
    return {
      ok: (output) => complete({ client, input, call: entry.call, return: this.now(), outcome: 'ok', output }),
      fail: () => complete({ client, input, call: entry.call, return: this.now(), outcome: 'fail' }),
      unknown: () => complete({ client, input, call: entry.call, outcome: 'unknown' }),
    };
  }

  history(): History<I, O> {
    return this.entries.map(
      (entry) => entry.completion ?? { client: entry.client, input: entry.input, call: entry.call, outcome: 'unknown' },
    );
  }
}
