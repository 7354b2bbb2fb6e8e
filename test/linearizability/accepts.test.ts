import { describe, expect, it } from 'vitest';
import { checkKvHistory } from './check-kv.js';
import { kv, type KvHistory } from './kv-history.js';

function expectAccepted(history: KvHistory): void {
  const result = checkKvHistory(history);
  expect(result.ok === false ? result.report : result.ok).toBe(true);
}

describe('the checker accepts', () => {
  it('an empty history', () => {
    expectAccepted([]);
  });

  it('concurrent writes observed in either order', () => {
    const writes = [kv.ok(1, 0, 100).put('x', 'a'), kv.ok(2, 10, 90).put('x', 'b')];
    expectAccepted([...writes, kv.ok(3, 20, 30).get('x', 'a'), kv.ok(3, 40, 50).get('x', 'b')]);
    expectAccepted([...writes, kv.ok(3, 20, 30).get('x', 'b'), kv.ok(3, 40, 50).get('x', 'a')]);
  });

  it('a read concurrent with a write returning either the old or the new value', () => {
    const before = [kv.ok(1, 0, 10).put('x', 'a'), kv.ok(1, 20, 40).put('x', 'b')];
    expectAccepted([...before, kv.ok(2, 25, 35).get('x', 'a')]);
    expectAccepted([...before, kv.ok(2, 25, 35).get('x', 'b')]);
  });

  it('a read that starts exactly when a write returns, seeing the old value', () => {
    expectAccepted([kv.ok(1, 0, 10).put('x', 'a'), kv.ok(2, 10, 20).get('x', null)]);
  });

  it('a write with an unknown outcome observed much later', () => {
    expectAccepted([
      kv.ok(1, 0, 10).put('x', 'a'),
      kv.unknown(2, 5).put('x', 'b'),
      kv.ok(1, 20, 30).get('x', 'a'),
      kv.ok(1, 40, 50).put('x', 'c'),
      kv.ok(3, 60, 70).get('x', 'c'),
      kv.ok(3, 10_000, 10_010).get('x', 'b'),
    ]);
  });

  it('a write with an unknown outcome never observed', () => {
    expectAccepted([
      kv.ok(1, 0, 10).put('x', 'a'),
      kv.unknown(2, 5).put('x', 'b'),
      kv.ok(1, 20, 30).get('x', 'a'),
      kv.ok(3, 10_000, 10_010).get('x', 'a'),
    ]);
  });

  it('a delete with an unknown outcome taking effect later', () => {
    expectAccepted([
      kv.ok(1, 0, 10).put('x', 'a'),
      kv.unknown(2, 20).delete('x'),
      kv.ok(1, 30, 40).get('x', 'a'),
      kv.ok(1, 50, 60).get('x', null),
    ]);
  });

  it('a compare-and-set with an unknown outcome deciding by the state it meets', () => {
    expectAccepted([
      kv.ok(1, 0, 10).put('x', 'a'),
      kv.unknown(2, 20).cas('x', 'a', 'b'),
      kv.ok(3, 30, 40).get('x', 'b'),
      kv.ok(1, 50, 60).cas('x', 'b', 'c', true),
    ]);
  });

  it('one of two concurrent compare-and-sets from the same value succeeding', () => {
    expectAccepted([
      kv.ok(1, 0, 10).put('x', 'a'),
      kv.ok(2, 20, 40).cas('x', 'a', 'b', false),
      kv.ok(3, 20, 40).cas('x', 'a', 'c', true),
      kv.ok(1, 50, 60).get('x', 'c'),
    ]);
  });

  it('operations that definitely failed and reads that never answered', () => {
    expectAccepted([
      kv.ok(1, 0, 10).put('x', 'a'),
      kv.fail(2, 5, 15).put('x', 'b'),
      kv.unknown(3, 5).get('x'),
      kv.ok(1, 20, 30).get('x', 'a'),
    ]);
  });

  it('keys that are each linearizable on their own', () => {
    expectAccepted([
      kv.ok(1, 0, 10).put('x', 'a'),
      kv.ok(2, 0, 10).put('y', 'a'),
      kv.ok(1, 20, 30).delete('x', 1),
      kv.ok(2, 20, 30).get('y', 'a'),
      kv.ok(3, 40, 50).get('x', null),
    ]);
  });
});
