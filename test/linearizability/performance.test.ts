import { describe, expect, it } from 'vitest';
import { simulateAtomicKv } from './atomic-kv-simulation.js';
import { checkKvHistory } from './check-kv.js';
import { seededPlan, type PlanShape } from './plan-generators.js';

// Prints how long a check takes; asserts only the verdict, never the time.
function checkAndPrint(label: string, shape: PlanShape): void {
  const history = simulateAtomicKv(seededPlan(shape, 10_000, 6));
  const started = performance.now();
  const result = checkKvHistory(history);
  const elapsed = performance.now() - started;
  console.log(`${label}: ${history.length} operations checked in ${elapsed.toFixed(0)} ms (${result.stats.steps} search steps)`);
  expect(result.ok).toBe(true);
}

describe('checking 10,000 operations', () => {
  for (const clients of [5, 10]) {
    for (const unknownPerMille of [0, 20]) {
      const label = `10 keys, ${clients} clients, ${unknownPerMille / 10}% unknown`;
      it(label, () => checkAndPrint(label, { clients, keys: 10, failPerMille: 10, unknownPerMille }));
    }
  }

  it('on a single key, 10 clients', () => {
    checkAndPrint('1 key, 10 clients, no unknown', { clients: 10, keys: 1, failPerMille: 10, unknownPerMille: 0 });
  });
});
