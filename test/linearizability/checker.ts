import { BudgetMeter, type Budget } from './budget.js';
import { explain, formatExplanation, type Explanation } from './explanation.js';
import { assertWellFormed, type History, type Operation } from './history.js';
import { UNKNOWN_OUTPUT, type Model } from './model.js';
import { searchLinearization, type SearchOperation } from './search.js';

export interface CheckOptions {
  /** Without one, the check runs until it has a verdict. */
  readonly budget?: Budget;
  /** The clock the time limit is measured on, in milliseconds. */
  readonly now?: () => number;
}

export interface CheckStats {
  /** Partitions (keys) in the history, and how many of them the search finished. */
  readonly partitions: number;
  readonly partitionsChecked: number;
  /** Operations in the history, including failed ones. */
  readonly operations: number;
  readonly steps: number;
}

export type CheckResult<S, I, O> =
  | { readonly ok: true; readonly stats: CheckStats }
  | {
      readonly ok: false;
      readonly key: string;
      readonly explanation: Explanation<S, I, O>;
      /** The explanation as text. */
      readonly report: string;
      readonly stats: CheckStats;
    }
  /** The budget ran out while checking `key`; no partition checked before it failed. */
  | { readonly ok: 'unknown'; readonly key: string; readonly stats: CheckStats };

/**
 * Checks that a history is linearizable with respect to `model`, one partition at a time, and stops
 * at the first partition that is not.
 */
export function checkLinearizability<S, I, O>(
  model: Model<S, I, O>,
  history: History<I, O>,
  options: CheckOptions = {},
): CheckResult<S, I, O> {
  assertWellFormed(history);
  const partitions = model.partition?.(history) ?? [{ key: '', history }];
  const meter = new BudgetMeter(options.budget ?? {}, options.now);
  const stats = (partitionsChecked: number): CheckStats => ({
    partitions: partitions.length,
    partitionsChecked,
    operations: history.length,
    steps: meter.steps,
  });

  for (const [checked, partition] of partitions.entries()) {
    const { operations, sources } = prepare(model, partition.history);
    const outcome = searchLinearization(model, operations, meter);
    switch (outcome.verdict) {
      case 'linearizable':
        continue;
      case 'budget-exhausted':
        return { ok: 'unknown', key: partition.key, stats: stats(checked) };
      case 'not-linearizable': {
        const explanation = explain(model, partition.key, operations, sources, outcome.longest);
        return {
          ok: false,
          key: partition.key,
          explanation,
          report: formatExplanation(model, explanation),
          stats: stats(checked + 1),
        };
      }
      default:
        return assertNever(outcome);
    }
  }
  return { ok: true, stats: stats(partitions.length) };
}

/**
 * The operations the search must place: a failed operation took no effect and returned nothing, and
 * an observation with an unknown outcome constrains nothing, so both are left out.
 */
function prepare<S, I, O>(
  model: Model<S, I, O>,
  history: History<I, O>,
): { operations: SearchOperation<I, O>[]; sources: Operation<I, O>[] } {
  const operations: SearchOperation<I, O>[] = [];
  const sources: Operation<I, O>[] = [];
  for (const operation of history) {
    if (operation.outcome === 'fail') continue;
    if (operation.outcome === 'unknown') {
      if (model.isObservation?.(operation.input, UNKNOWN_OUTPUT) === true) continue;
      operations.push({ input: operation.input, output: UNKNOWN_OUTPUT, call: operation.call, return: Infinity });
    } else {
      operations.push({ input: operation.input, output: operation.output, call: operation.call, return: operation.return });
    }
    sources.push(operation);
  }
  return { operations, sources };
}

function assertNever(value: never): never {
  throw new TypeError(`unexpected search outcome ${JSON.stringify(value)}`);
}
