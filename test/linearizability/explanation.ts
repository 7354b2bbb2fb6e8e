import type { Operation } from './history.js';
import { ILLEGAL, UNKNOWN_OUTPUT, type Model, type Observed } from './model.js';
import type { PartialLinearization, SearchOperation } from './search.js';

/** Where the search for a linearization of one partition got stuck. */
export interface Explanation<S, I, O> {
  readonly key: string;
  /** Operations of this partition the search had to place (failed ones and unknown reads excluded). */
  readonly operationsChecked: number;
  /** The longest linearizable prefix found, in order, with the state after each operation. */
  readonly prefix: readonly { readonly operation: Operation<I, O>; readonly stateAfter: S }[];
  /** The state after the prefix. */
  readonly state: S;
  /** The earliest-returning operation outside the prefix: it had to be linearized before its return. */
  readonly deadline: Operation<I, O>;
  /**
   * Every operation outside the prefix invoked by that return: the candidates for the next place
   * in the order. `legal` tells whether its output is possible from `state`; a legal one still led
   * to a dead end further on.
   */
  readonly concurrent: readonly { readonly operation: Operation<I, O>; readonly legal: boolean }[];
}

export function explain<S, I, O>(
  model: Model<S, I, O>,
  key: string,
  operations: readonly SearchOperation<I, O>[],
  sources: readonly Operation<I, O>[],
  longest: PartialLinearization<S>,
): Explanation<S, I, O> {
  const state = longest.states.at(-1) ?? model.init();
  const inPrefix = new Set(longest.order);
  const outside = operations.map((_, index) => index).filter((index) => !inPrefix.has(index));
  const deadline = outside.reduce((earliest, index) =>
    operations[index]!.return < operations[earliest]!.return ? index : earliest,
  );
  const deadlineTime = operations[deadline]!.return;
  const concurrent = outside
    .filter((index) => operations[index]!.call <= deadlineTime)
    .map((index) => ({
      operation: sources[index]!,
      legal: model.step(state, operations[index]!.input, operations[index]!.output) !== ILLEGAL,
    }));
  return {
    key,
    operationsChecked: operations.length,
    prefix: longest.order.map((index, position) => ({
      operation: sources[index]!,
      stateAfter: longest.states[position]!,
    })),
    state,
    deadline: sources[deadline]!,
    concurrent,
  };
}

/** The explanation as text for a test failure or a results file; shows the last `prefixLines` of the prefix. */
export function formatExplanation<S, I, O>(
  model: Model<S, I, O>,
  explanation: Explanation<S, I, O>,
  prefixLines = 20,
): string {
  const { prefix } = explanation;
  const lines = [
    `not linearizable: key ${JSON.stringify(explanation.key)}`,
    `longest linearizable prefix: ${prefix.length} of ${explanation.operationsChecked} operations`,
  ];
  const shown = prefix.slice(Math.max(0, prefix.length - prefixLines));
  if (shown.length < prefix.length) lines.push(`  … ${prefix.length - shown.length} earlier operations`);
  shown.forEach(({ operation, stateAfter }, i) => {
    const position = prefix.length - shown.length + i + 1;
    lines.push(`  ${position}. ${describe(model, operation)}  ⇒ ${model.describeState(stateAfter)}`);
  });
  lines.push(
    `stuck in state ${model.describeState(explanation.state)}: nothing could be linearized next before`,
    `  ${describe(model, explanation.deadline)} returned`,
    'operations concurrent with that point:',
  );
  for (const { operation, legal } of explanation.concurrent) {
    const verdict = legal ? 'possible here, but every order after it failed' : 'impossible in this state';
    lines.push(`  ${describe(model, operation)}  — ${verdict}`);
  }
  return lines.join('\n');
}

function describe<S, I, O>(model: Model<S, I, O>, operation: Operation<I, O>): string {
  const output: Observed<O> = operation.outcome === 'ok' ? operation.output : UNKNOWN_OUTPUT;
  const returned = operation.outcome === 'unknown' ? '?' : String(operation.return);
  return `[client ${operation.client}] ${model.describeOperation(operation.input, output)}  (${operation.call}..${returned})`;
}
