import { describe, expect, it } from 'vitest';
import { simulateAtomicKv } from './atomic-kv-simulation.js';
import { checkKvHistory } from './check-kv.js';
import { seededPlan } from './plan-generators.js';

// Prints how long a check takes; asserts only the verdict, never the time.
describe('checking 10,000 operations over 10 keys', () => {
  for (const clients of [5, 10]) {
    for (const unknownPerMille of [0, 20]) {
      it(`with ${clients} clients and ${unknownPerMille / 10}% unknown outcomes`, () => {
        const shape = { clients, keys: 10, failPerMille: 10, unknownPerMille };
        const history = simulateAtomicKv(seededPlan(shape, 10_000, 6));
        const started = performance.now();
        const result = checkKvHistory(history);
        const elapsed = performance.now() - started;
        console.log(
          `${clients} clients, ${unknownPerMille / 10}% unknown: ${history.length} operations checked in ` +
            `${elapsed.toFixed(0)} ms (${result.stats.steps} search steps)`,
        );
        expect(result.ok).toBe(true);
      });
    }
  }
});
