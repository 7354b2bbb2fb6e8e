// The order DNS answers go out in: random, heavier entries first more often, in proportion.
import { describe, expect, it } from 'vitest';
import { weightedOrder } from '../../dns/weighted-order.js';

/** A seeded generator (mulberry32), so the counts below are the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('weighted random order', () => {
  const trials = 20_000;

  it('keeps every entry once', () => {
    const items = ['a', 'b', 'c', 'd', 'e'];
    const out = weightedOrder(items, () => 1, seeded(1));
    expect([...out].sort()).toEqual(items);
  });

  it('puts each entry first in proportion to its weight', () => {
    const items = [{ id: 'heavy', w: 3 }, { id: 'mid', w: 2 }, { id: 'light', w: 1 }];
    const random = seeded(7);
    const first = new Map<string, number>();
    for (let i = 0; i < trials; i++) {
      const id = weightedOrder(items, (x) => x.w, random)[0]!.id;
      first.set(id, (first.get(id) ?? 0) + 1);
    }
    // 3/6, 2/6, 1/6 of the time, within two percentage points.
    expect(first.get('heavy')! / trials).toBeCloseTo(0.5, 1);
    expect(Math.abs(first.get('mid')! / trials - 2 / 6)).toBeLessThan(0.02);
    expect(Math.abs(first.get('light')! / trials - 1 / 6)).toBeLessThan(0.02);
  });

  it('orders equal weights uniformly', () => {
    const random = seeded(11);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < trials; i++) counts[weightedOrder([0, 1, 2, 3], () => 5, random)[0]!]!++;
    for (const c of counts) expect(Math.abs(c / trials - 0.25)).toBeLessThan(0.02);
  });

  it('puts weight 0 last', () => {
    const random = seeded(3);
    for (let i = 0; i < 1000; i++) {
      const out = weightedOrder([{ id: 'zero', w: 0 }, { id: 'one', w: 1 }, { id: 'also-zero', w: 0 }], (x) => x.w, random);
      expect(out[0]!.id).toBe('one');
    }
  });
});
