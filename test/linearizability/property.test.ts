import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simulateAtomicKv } from './atomic-kv-simulation.js';
import { checkKvHistory } from './check-kv.js';
import type { KvHistory, KvOperation } from './kv-history.js';
import { planArbitrary } from './plan-generators.js';

const shape = { clients: 6, keys: 3, failPerMille: 50, unknownPerMille: 100 };
const plans = planArbitrary(shape, 60);

/** Replaces the output of the n-th completed read with a value no operation ever wrote. */
function corruptRead(history: KvHistory, choice: number): KvHistory | undefined {
  const reads = history.flatMap((operation, index) =>
    operation.outcome === 'ok' && operation.input.type === 'get' ? [index] : [],
  );
  if (reads.length === 0) return undefined;
  const target = reads[choice % reads.length]!;
  return history.map((operation, index): KvOperation =>
    index === target && operation.outcome === 'ok'
      ? { ...operation, output: { type: 'get', value: 'never-written' } }
      : operation,
  );
}

describe('histories of an atomic store', () => {
  it('are always accepted', () => {
    fc.assert(
      fc.property(plans, (plan) => {
        const result = checkKvHistory(simulateAtomicKv(plan));
        expect(result.ok === false ? result.report : result.ok).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('are rejected, at the corrupted key, once one read returns a value never written', () => {
    fc.assert(
      fc.property(plans, fc.nat(), (plan, choice) => {
        const corrupted = corruptRead(simulateAtomicKv(plan), choice);
        fc.pre(corrupted !== undefined);
        const result = checkKvHistory(corrupted!);
        expect(result.ok).toBe(false);
        const corruptedRead = corrupted!.find(
          (operation) =>
            operation.outcome === 'ok' && operation.output.type === 'get' && operation.output.value === 'never-written',
        );
        if (result.ok === false) expect(result.key).toBe(corruptedRead?.input.key);
      }),
      { numRuns: 300 },
    );
  });
});
