import { Bitset } from './bitset.js';
import type { BudgetMeter } from './budget.js';
import { END, EventList } from './event-list.js';
import type { Time } from './history.js';
import { ILLEGAL, type Model, type Observed } from './model.js';
import { StateCache } from './state-cache.js';

/** An operation as the search sees it: `return` is +infinity when the outcome is unknown. */
export interface SearchOperation<I, O> {
  readonly input: I;
  readonly output: Observed<O>;
  readonly call: Time;
  readonly return: Time;
}

/** The longest sequence of operations the search managed to linearize, with the states it passed. */
export interface PartialLinearization<S> {
  /** Indices of operations, in linearization order. */
  readonly order: readonly number[];
  /** `states[i]` is the state after `order[i]`. */
  readonly states: readonly S[];
}

export type SearchOutcome<S> =
  /** `order` is a witness: a valid linearization of every operation with a known outcome. */
  | { readonly verdict: 'linearizable'; readonly order: readonly number[] }
  | { readonly verdict: 'not-linearizable'; readonly longest: PartialLinearization<S> }
  | { readonly verdict: 'budget-exhausted' };

/**
 * Wing & Gong's search with Lowe's memoization, as Porcupine does it. Walk the events in time order;
 * at a call, try to linearize that operation next (its output must be legal from the current state,
 * and the resulting configuration new); at a return, the operation returning was not linearized in
 * time, so undo the latest choice and try the next candidate after it.
 *
 * An operation with an unknown outcome has no return event: it may be linearized at any point after
 * its call, or never, so the search succeeds once every operation that completed is linearized.
 */
export function searchLinearization<S, I, O>(
  model: Model<S, I, O>,
  operations: readonly SearchOperation<I, O>[],
  meter: BudgetMeter,
): SearchOutcome<S> {
  const events = new EventList(operations);
  const cache = new StateCache<S>((a, b) => model.equal(a, b));
  const linearized = Bitset.empty(operations.length);
  const chosen: number[] = [];
  const statesBefore: S[] = [];
  let longest: PartialLinearization<S> = { order: [], states: [] };
  let state = model.init();
  let awaitingReturn = operations.filter((operation) => operation.return !== Infinity).length;
  let node = events.first();

  while (awaitingReturn > 0) {
    if (!meter.spend()) return { verdict: 'budget-exhausted' };
    if (node === END) throw new Error('search ran past the last event with operations still to linearize');
    const index = events.operationOf(node);
    const operation = operations[index]!;

    if (events.isCall(node)) {
      const next = model.step(state, operation.input, operation.output);
      if (next !== ILLEGAL) {
        linearized.add(index);
        if (cache.add(linearized, next)) {
          chosen.push(index);
          statesBefore.push(state);
          state = next;
          events.unlink(index);
          if (operation.return !== Infinity) awaitingReturn--;
          node = events.first();
          continue;
        }
        linearized.remove(index);
      }
      node = events.after(node);
      continue;
    }

    // A return event: its operation had to be linearized by now, and was not.
    if (chosen.length > longest.order.length) longest = snapshot(chosen, statesBefore, state);
    const undone = chosen.pop();
    if (undone === undefined) return { verdict: 'not-linearizable', longest };
    state = statesBefore.pop()!;
    linearized.remove(undone);
    events.relink(undone);
    if (operations[undone]!.return !== Infinity) awaitingReturn++;
    node = events.after(events.callOf(undone));
  }
  return { verdict: 'linearizable', order: chosen };
}

function snapshot<S>(chosen: readonly number[], statesBefore: readonly S[], current: S): PartialLinearization<S> {
  return { order: chosen.slice(), states: [...statesBefore.slice(1), current] };
}
