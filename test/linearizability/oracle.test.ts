import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BudgetMeter } from './budget.js';
import { checkKvHistory } from './check-kv.js';
import type { KvHistory, KvOperation } from './kv-history.js';
import { kvModel, type KvInput, type KvOutput } from './kv-model.js';
import { ILLEGAL, UNKNOWN_OUTPUT } from './model.js';
import { searchLinearization, type SearchOperation } from './search.js';

// Small single-key histories with arbitrary (often impossible) outputs, so both verdicts occur.
const value = fc.constantFrom('a', 'b');
const maybeValue = fc.constantFrom<string | null>(null, 'a', 'b');
const call: fc.Arbitrary<[KvInput, KvOutput]> = fc.oneof(
  value.map((v): [KvInput, KvOutput] => [{ type: 'put', key: 'x', value: v }, { type: 'put' }]),
  maybeValue.map((v): [KvInput, KvOutput] => [{ type: 'get', key: 'x' }, { type: 'get', value: v }]),
  fc.integer({ min: 0, max: 1 }).map((n): [KvInput, KvOutput] => [{ type: 'delete', key: 'x' }, { type: 'delete', deleted: n }]),
  fc.tuple(maybeValue, value, fc.boolean()).map(([expected, v, succeeded]): [KvInput, KvOutput] => [
    { type: 'cas', key: 'x', expected, value: v },
    { type: 'cas', succeeded },
  ]),
);
const operation: fc.Arbitrary<KvOperation> = fc
  .record({
    call,
    start: fc.integer({ min: 0, max: 20 }),
    duration: fc.integer({ min: 0, max: 10 }),
    outcome: fc.constantFrom('ok', 'ok', 'ok', 'fail', 'unknown'),
  })
  .map(({ call: [input, output], start, duration, outcome }): KvOperation => {
    if (outcome === 'unknown') return { client: 0, call: start, outcome, input };
    if (outcome === 'fail') return { client: 0, call: start, return: start + duration, outcome, input };
    return { client: 0, call: start, return: start + duration, outcome: 'ok', input, output };
  });
const histories = fc.array(operation, { maxLength: 7, size: 'max' });

/**
 * The definition, tried exhaustively: some order of all completed operations and any subset of
 * the unknown ones, where an operation comes after every operation that returned before its call,
 * and every output is legal in the state it meets.
 */
function linearizableByEnumeration(history: KvHistory): boolean {
  const candidates = history.filter((op) => op.outcome !== 'fail');
  const returnOf = (op: KvOperation): number => (op.outcome === 'ok' ? op.return : Infinity);
  const extend = (placed: ReadonlySet<KvOperation>, state: string | null): boolean => {
    const pending = candidates.filter((op) => !placed.has(op));
    if (pending.every((op) => op.outcome === 'unknown')) return true;
    return pending.some((next) => {
      if (pending.some((other) => other.outcome === 'ok' && returnOf(other) < next.call)) return false;
      const after = kvModel.step(state, next.input, next.outcome === 'ok' ? next.output : UNKNOWN_OUTPUT);
      return after !== ILLEGAL && extend(new Set([...placed, next]), after);
    });
  };
  return extend(new Set(), null);
}

function toSearchOperations(history: KvHistory): SearchOperation<KvInput, KvOutput>[] {
  return history.flatMap((op): SearchOperation<KvInput, KvOutput>[] => {
    if (op.outcome === 'fail') return [];
    if (op.outcome === 'unknown') return [{ input: op.input, output: UNKNOWN_OUTPUT, call: op.call, return: Infinity }];
    return [{ input: op.input, output: op.output, call: op.call, return: op.return }];
  });
}

describe('the checker against the definition', () => {
  it('gives the verdict an exhaustive enumeration of orders gives', () => {
    fc.assert(
      fc.property(histories, (history) => {
        expect(checkKvHistory(history).ok).toBe(linearizableByEnumeration(history));
      }),
      { numRuns: 3000 },
    );
  });

  it('returns, for a linearizable history, an order that is a linearization', () => {
    fc.assert(
      fc.property(histories, (history) => {
        const operations = toSearchOperations(history);
        const outcome = searchLinearization(kvModel, operations, new BudgetMeter({}));
        fc.pre(outcome.verdict === 'linearizable');
        if (outcome.verdict !== 'linearizable') return;
        const { order } = outcome;
        const completed = operations.flatMap((op, index) => (op.return === Infinity ? [] : [index]));
        expect(completed.every((index) => order.includes(index))).toBe(true);
        order.forEach((index, position) => {
          const later = order.slice(position + 1).map((i) => operations[i]!);
          expect(later.some((op) => op.return < operations[index]!.call)).toBe(false);
        });
        let state = kvModel.init();
        for (const index of order) {
          const next = kvModel.step(state, operations[index]!.input, operations[index]!.output);
          expect(next).not.toBe(ILLEGAL);
          if (next !== ILLEGAL) state = next;
        }
      }),
      { numRuns: 1000 },
    );
  });
});
