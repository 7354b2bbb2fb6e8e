import { describe, expect, it } from 'vitest';
import { checkKvHistory } from './check-kv.js';
import { kv, type KvHistory } from './kv-history.js';

function explanationOf(history: KvHistory) {
  const result = checkKvHistory(history);
  if (result.ok !== false) throw new Error(`expected a rejection, got ${String(result.ok)}`);
  return result;
}

describe('the explanation of a rejection', () => {
  const writeA = kv.ok(1, 0, 10).put('x', 'a');
  const writeB = kv.ok(2, 0, 100).put('x', 'b');
  const readB = kv.ok(3, 20, 30).get('x', 'b');
  const readA = kv.ok(3, 40, 50).get('x', 'a');
  const lateWrite = kv.ok(4, 45, 60).put('x', 'c');

  it('gives the longest linearizable prefix with the state after each operation', () => {
    const { explanation } = explanationOf([writeA, writeB, readB, readA, lateWrite]);
    expect(explanation.key).toBe('x');
    expect(explanation.operationsChecked).toBe(5);
    expect(explanation.prefix.map((step) => [step.operation, step.stateAfter])).toEqual([
      [writeA, 'a'],
      [writeB, 'b'],
      [readB, 'b'],
      [lateWrite, 'c'],
    ]);
    expect(explanation.state).toBe('c');
  });

  it('names the operation that could not be placed and those concurrent with it', () => {
    const { explanation } = explanationOf([writeA, writeB, readB, readA, lateWrite]);
    expect(explanation.deadline).toBe(readA);
    expect(explanation.concurrent).toEqual([{ operation: readA, legal: false }]);
  });

  it('prints as text', () => {
    const { report } = explanationOf([writeA, writeB, readB, readA, lateWrite]);
    expect(report.split('\n')).toEqual([
      'not linearizable: key "x"',
      'longest linearizable prefix: 4 of 5 operations',
      '  1. [client 1] put "x" "a"  (0..10)  ⇒ "a"',
      '  2. [client 2] put "x" "b"  (0..100)  ⇒ "b"',
      '  3. [client 3] get "x" → "b"  (20..30)  ⇒ "b"',
      '  4. [client 4] put "x" "c"  (45..60)  ⇒ "c"',
      'stuck in state "c": nothing could be linearized next before',
      '  [client 3] get "x" → "a"  (40..50) returned',
      'operations concurrent with that point:',
      '  [client 3] get "x" → "a"  (40..50)  — impossible in this state',
    ]);
  });

  it('shows a compare-and-set anomaly with both compare-and-sets', () => {
    const put = kv.ok(1, 0, 10).put('x', 'a');
    const first = kv.ok(2, 20, 40).cas('x', 'a', 'b', true);
    const second = kv.ok(3, 20, 40).cas('x', 'a', 'c', true);
    const { explanation } = explanationOf([put, first, second]);
    expect(explanation.prefix.map((step) => step.operation)).toEqual([put, first]);
    expect(explanation.concurrent).toEqual([{ operation: second, legal: false }]);
  });

  it('shortens a long prefix to its last lines', () => {
    const writes = Array.from({ length: 30 }, (_, i) => kv.ok(1, i * 10, i * 10 + 5).put('x', `v${i}`));
    const { report } = explanationOf([...writes, kv.ok(2, 400, 410).get('x', 'v0')]);
    expect(report).toContain('  … 10 earlier operations');
    expect(report).toContain('  30. [client 1] put "x" "v29"  (290..295)  ⇒ "v29"');
    expect(report).not.toContain('  10. ');
  });
});
