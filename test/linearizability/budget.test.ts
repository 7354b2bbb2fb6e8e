import { describe, expect, it } from 'vitest';
import { simulateAtomicKv } from './atomic-kv-simulation.js';
import { checkKvHistory } from './check-kv.js';
import { kv } from './kv-history.js';
import { seededPlan } from './plan-generators.js';

const history = simulateAtomicKv(seededPlan({ clients: 5, keys: 3, failPerMille: 0, unknownPerMille: 50 }, 3000, 1));

describe('a check with a budget', () => {
  it('gives the verdict when the budget suffices', () => {
    const result = checkKvHistory(history, { budget: { maxSteps: 1_000_000 } });
    expect(result.ok).toBe(true);
    expect(result.stats.partitionsChecked).toBe(3);
  });

  it('answers unknown, naming the key it was checking, once the steps run out', () => {
    const result = checkKvHistory(history, { budget: { maxSteps: 100 } });
    expect(result.ok).toBe('unknown');
    if (result.ok === 'unknown') expect(result.key).toBe(history[0]!.input.key);
    expect(result.stats.partitionsChecked).toBe(0);
  });

  it('answers unknown once its clock passes the time limit', () => {
    let clock = 0;
    const result = checkKvHistory(history, { budget: { timeLimitMs: 5 }, now: () => (clock += 10) });
    expect(result.ok).toBe('unknown');
  });

  it('still reports a key it found not linearizable before the budget ran out', () => {
    const anomaly = [kv.ok(1, 0, 10).put('first', 'a'), kv.ok(2, 20, 30).get('first', null)];
    const result = checkKvHistory([...anomaly, ...history], { budget: { maxSteps: 100 } });
    expect(result.ok).toBe(false);
  });
});
