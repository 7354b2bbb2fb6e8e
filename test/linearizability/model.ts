import type { History } from './history.js';

/** What `Model.step` returns when the output cannot be produced from that state. */
export const ILLEGAL: unique symbol = Symbol('illegal');

/** The output the checker passes to `Model.step` for an operation whose outcome is unknown. */
export const UNKNOWN_OUTPUT: unique symbol = Symbol('unknown output');

export type Observed<O> = O | typeof UNKNOWN_OUTPUT;

/** One independent part of a history, such as the operations on one key. */
export interface Partition<I, O> {
  readonly key: string;
  readonly history: History<I, O>;
}

/**
 * A sequential specification. The checker searches for an order of the operations, consistent with
 * real time, in which every output is one that `step` allows.
 */
export interface Model<S, I, O> {
  init(): S;
  /**
   * The state after applying `input` to `state`, if that can return `output`; `ILLEGAL` if not.
   * With `UNKNOWN_OUTPUT` any output is allowed, so only the effect on the state matters.
   * Must not mutate `state`: the search returns to earlier states when it backtracks.
   */
  step(state: S, input: I, output: Observed<O>): S | typeof ILLEGAL;
  /** Two states are equal when no sequence of operations can tell them apart. */
  equal(a: S, b: S): boolean;
  /**
   * Splits a history into parts that can be checked on their own; a history is linearizable when
   * each part is (Herlihy & Wing's locality, or P-compositionality). Without it, one part: "".
   */
  partition?(history: History<I, O>): Partition<I, O>[];
  /**
   * True when the operation, having returned this output, leaves every state in which that output
   * is legal as it was: a read, a compare-and-set that failed. The search linearizes such an
   * operation as soon as it is legal and never tries it anywhere else, and the checker drops one
   * whose output is unknown, since it can neither constrain nor enable anything.
   */
  isObservation?(input: I, output: Observed<O>): boolean;
  describeOperation(input: I, output: Observed<O>): string;
  describeState(state: S): string;
}

/** Groups operations by `keyOf(input)`, keeping their order, for a model whose keys are independent. */
export function partitionBy<I, O>(history: History<I, O>, keyOf: (input: I) => string): Partition<I, O>[] {
  const groups = new Map<string, History<I, O>[number][]>();
  for (const operation of history) {
    const key = keyOf(operation.input);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [operation]);
    else group.push(operation);
  }
  return [...groups].map(([key, operations]) => ({ key, history: operations }));
}
