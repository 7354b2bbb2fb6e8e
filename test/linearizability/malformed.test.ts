import { describe, expect, it } from 'vitest';
import { checkKvHistory } from './check-kv.js';
import { MalformedHistoryError } from './history.js';
import { kv, kvInput, type KvOperation } from './kv-history.js';

describe('a malformed history', () => {
  it('is refused when an operation returns before it was invoked', () => {
    expect(() => checkKvHistory([kv.ok(1, 10, 5).put('x', 'a')])).toThrow(MalformedHistoryError);
  });

  it('is refused when an invocation time is not a number', () => {
    expect(() => checkKvHistory([kv.unknown(1, Number.NaN).put('x', 'a')])).toThrow(MalformedHistoryError);
  });

  it('is refused when an output does not belong to its operation', () => {
    const mismatched: KvOperation = {
      client: 1, call: 0, return: 10, outcome: 'ok', input: kvInput.get('x'), output: { type: 'put' },
    };
    expect(() => checkKvHistory([mismatched])).toThrow(/a get operation returned the output of a put/);
  });
});
