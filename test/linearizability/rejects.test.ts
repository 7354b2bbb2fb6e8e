import { describe, expect, it } from 'vitest';
import { checkKvHistory } from './check-kv.js';
import { kv, type KvHistory } from './kv-history.js';

function expectRejected(history: KvHistory, key = 'x'): void {
  const result = checkKvHistory(history);
  expect(result.ok).toBe(false);
  if (result.ok === false) expect(result.key).toBe(key);
}

describe('the checker rejects', () => {
  it('a stale read after a completed write', () => {
    expectRejected([
      kv.ok(1, 0, 10).put('x', 'a'),
      kv.ok(1, 20, 30).put('x', 'b'),
      kv.ok(2, 40, 50).get('x', 'a'),
    ]);
  });

  it('a lost acknowledged write', () => {
    expectRejected([kv.ok(1, 0, 10).put('x', 'a'), kv.ok(2, 20, 30).get('x', null)]);
  });

  it('a read that misses the latest of several acknowledged writes', () => {
    expectRejected([
      kv.ok(1, 0, 10).put('x', 'a'),
      kv.ok(2, 0, 10).put('x', 'b'),
      kv.ok(3, 20, 30).get('x', 'b'),
      kv.ok(1, 40, 50).put('x', 'c'),
      kv.ok(3, 60, 70).get('x', 'b'),
    ]);
  });

  it('a read of a value never written', () => {
    expectRejected([kv.ok(1, 0, 10).put('x', 'a'), kv.ok(2, 5, 15).get('x', 'z')]);
  });

  it('a read of a value whose write definitely failed', () => {
    expectRejected([kv.fail(1, 0, 10).put('x', 'a'), kv.ok(2, 20, 30).get('x', 'a')]);
  });

  it('two compare-and-sets from the same expected value that both succeed', () => {
    expectRejected([
      kv.ok(1, 0, 10).put('x', 'a'),
      kv.ok(2, 20, 40).cas('x', 'a', 'b', true),
      kv.ok(3, 20, 40).cas('x', 'a', 'c', true),
    ]);
  });

  it('a compare-and-set that fails although the value matched', () => {
    expectRejected([kv.ok(1, 0, 10).put('x', 'a'), kv.ok(2, 20, 30).cas('x', 'a', 'b', false)]);
  });

  it('a read that goes back in time', () => {
    expectRejected([
      kv.ok(1, 0, 10).put('x', 'a'),
      kv.ok(2, 0, 100).put('x', 'b'),
      kv.ok(3, 20, 30).get('x', 'b'),
      kv.ok(3, 40, 50).get('x', 'a'),
    ]);
  });

  it('a delete that is not visible to a later read', () => {
    expectRejected([
      kv.ok(1, 0, 10).put('x', 'a'),
      kv.ok(2, 20, 30).delete('x', 1),
      kv.ok(3, 40, 50).get('x', 'a'),
    ]);
  });

  it('a delete that reports nothing deleted while the key exists', () => {
    expectRejected([kv.ok(1, 0, 10).put('x', 'a'), kv.ok(2, 20, 30).delete('x', 0)]);
  });

  it('an anomaly on one key among several, naming that key', () => {
    expectRejected(
      [
        kv.ok(1, 0, 10).put('x', 'a'),
        kv.ok(2, 0, 10).put('y', 'a'),
        kv.ok(1, 20, 30).get('x', 'a'),
        kv.ok(2, 20, 30).put('y', 'b'),
        kv.ok(3, 40, 50).get('y', 'a'),
      ],
      'y',
    );
  });
});
