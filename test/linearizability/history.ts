/**
 * The history a workload records: one entry per operation a client invoked.
 *
 * Times are plain numbers on any monotonic clock, in any unit, as long as one history uses one clock.
 * The recorder uses `process.hrtime.bigint()` nanoseconds converted with `Number()`; that is exact up
 * to 2^53 ns (about 104 days after the machine booted), which a test run never reaches.
 *
 * Two operations are concurrent unless one returned strictly before the other was invoked: an
 * operation that returns at the very instant another is invoked counts as overlapping it, because
 * equal timestamps cannot tell which happened first.
 */
export type Time = number;

export type ClientId = number | string;

interface Invocation<I> {
  readonly client: ClientId;
  readonly input: I;
  /** When the client sent the request. */
  readonly call: Time;
}

/** The request completed and `output` is what it returned. */
export interface CompletedOperation<I, O> extends Invocation<I> {
  readonly outcome: 'ok';
  readonly return: Time;
  readonly output: O;
}

/**
 * The request is known not to have taken effect (for example a request the server rejected before
 * proposing it). A compare-and-set whose comparison failed is not `fail`: it completed with
 * `succeeded: false` and is `ok`.
 */
export interface FailedOperation<I> extends Invocation<I> {
  readonly outcome: 'fail';
  readonly return: Time;
}

/**
 * Timeout or lost connection: the operation may have taken effect at any time after its invocation,
 * or never, and its output was not seen. The checker treats its return time as +infinity.
 */
export interface IndeterminateOperation<I> extends Invocation<I> {
  readonly outcome: 'unknown';
}

export type Operation<I, O> = CompletedOperation<I, O> | FailedOperation<I> | IndeterminateOperation<I>;

export type History<I, O> = readonly Operation<I, O>[];

/** Thrown when a history cannot be checked because it is malformed, not because it is wrong. */
export class MalformedHistoryError extends Error {
  readonly code = 'LINEARIZABILITY_MALFORMED_HISTORY';
  override readonly name = 'MalformedHistoryError';
}

export function assertWellFormed<I, O>(history: History<I, O>): void {
  history.forEach((operation, index) => {
    if (!Number.isFinite(operation.call)) {
      throw new MalformedHistoryError(`operation ${index}: invocation time ${operation.call} is not a finite number`);
    }
    if (operation.outcome !== 'unknown' && !(operation.return >= operation.call)) {
      throw new MalformedHistoryError(
        `operation ${index}: returns at ${operation.return}, before its invocation at ${operation.call}`,
      );
    }
  });
}
