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
 *
 * One reduction on top: an observation (see `Model.isObservation`) that is legal now is linearized
 * now, before anything else, and is never tried at a later place. Moving an observation from a later
 * place to the front of any valid completion keeps it valid: it leaves the state as it was, and every
 * operation that had to precede it is already linearized. So if the search fails after it, the
 * configuration before it fails too, and the search backtracks past it.
 */
export function searchLinearization<S, I, O>(
  model: Model<S, I, O>,
  operations: readonly SearchOperation<I, O>[],
  meter: BudgetMeter,
): SearchOutcome<S> {
  return new Search(model, operations).run(meter);
}

class Search<S, I, O> {
  private readonly events: EventList;
  private readonly cache: StateCache<S>;
  private readonly observation: boolean[];
  private readonly linearized: Bitset;
  /** The current path: operations in order, the state before each, and whether it was forced. */
  private readonly chosen: number[] = [];
  private readonly statesBefore: S[] = [];
  private readonly forced: boolean[] = [];
  private longest: PartialLinearization<S> = { order: [], states: [] };
  private state: S;
  private awaitingReturn: number;
  private node = END;

  constructor(
    private readonly model: Model<S, I, O>,
    private readonly operations: readonly SearchOperation<I, O>[],
  ) {
    this.events = new EventList(operations);
    this.cache = new StateCache<S>((a, b) => model.equal(a, b));
    this.observation = operations.map((op) => model.isObservation?.(op.input, op.output) ?? false);
    this.linearized = Bitset.empty(operations.length);
    this.state = model.init();
    this.awaitingReturn = operations.filter((op) => op.return !== Infinity).length;
  }

  run(meter: BudgetMeter): SearchOutcome<S> {
    let arrived = true;
    while (this.awaitingReturn > 0) {
      if (!meter.spend()) return { verdict: 'budget-exhausted' };
      if (arrived) {
        // A new configuration: take a legal observation if there is one, else scan from the start.
        arrived = false;
        const observation = this.legalObservation();
        if (observation === undefined) this.node = this.events.first();
        else if (this.linearize(observation.index, observation.next, true)) arrived = true;
        else if (!this.backtrack()) return this.failure();
        continue;
      }
      if (this.node === END) throw new Error('search ran past the last event with operations still to linearize');
      const index = this.events.operationOf(this.node);
      if (this.events.isCall(this.node)) {
        // Observations here were all found illegal on arrival.
        if (!this.observation[index]) {
          const next = this.step(index);
          if (next !== ILLEGAL && this.linearize(index, next, false)) {
            arrived = true;
            continue;
          }
        }
        this.node = this.events.after(this.node);
      } else if (!this.backtrack()) {
        // A return event: its operation had to be linearized by now, and no order allowed it.
        return this.failure();
      }
    }
    return { verdict: 'linearizable', order: this.chosen };
  }

  private step(index: number): S | typeof ILLEGAL {
    const operation = this.operations[index]!;
    return this.model.step(this.state, operation.input, operation.output);
  }

  /** The first observation among the operations that may go next whose output is legal now. */
  private legalObservation(): { index: number; next: S } | undefined {
    for (let node = this.events.first(); node !== END && this.events.isCall(node); node = this.events.after(node)) {
      const index = this.events.operationOf(node);
      if (!this.observation[index]) continue;
      const next = this.step(index);
      if (next !== ILLEGAL) return { index, next };
    }
    return undefined;
  }

  /** Appends the operation to the path unless that configuration was reached before. */
  private linearize(index: number, next: S, forced: boolean): boolean {
    this.linearized.add(index);
    if (!this.cache.add(this.linearized, next)) {
      this.linearized.remove(index);
      return false;
    }
    this.chosen.push(index);
    this.statesBefore.push(this.state);
    this.forced.push(forced);
    this.state = next;
    this.events.unlink(index);
    if (this.operations[index]!.return !== Infinity) this.awaitingReturn--;
    return true;
  }

  /**
   * Undoes choices up to and including the latest one that had alternatives, and moves the scan
   * to the candidate after it; false when no choice is left to undo.
   */
  private backtrack(): boolean {
    if (this.chosen.length > this.longest.order.length) {
      this.longest = { order: this.chosen.slice(), states: [...this.statesBefore.slice(1), this.state] };
    }
    for (;;) {
      const undone = this.chosen.pop();
      if (undone === undefined) return false;
      this.state = this.statesBefore.pop()!;
      const wasForced = this.forced.pop()!;
      this.linearized.remove(undone);
      this.events.relink(undone);
      if (this.operations[undone]!.return !== Infinity) this.awaitingReturn++;
      if (wasForced) continue;
      this.node = this.events.after(this.events.callOf(undone));
      return true;
    }
  }

  private failure(): SearchOutcome<S> {
    return { verdict: 'not-linearizable', longest: this.longest };
  }
}
