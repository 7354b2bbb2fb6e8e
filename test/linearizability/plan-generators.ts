import fc from 'fast-check';
import type { PlannedOperation } from './atomic-kv-simulation.js';

const TYPES = ['put', 'get', 'delete', 'cas'] as const;

export interface PlanShape {
  readonly clients: number;
  readonly keys: number;
  /** Out of 1000 operations, how many fail and how many end with an unknown outcome. */
  readonly failPerMille: number;
  readonly unknownPerMille: number;
}

/** Plans for property tests: fast-check shrinks a failing one to a few operations. */
export function planArbitrary(shape: PlanShape, maxOperations: number): fc.Arbitrary<PlannedOperation[]> {
  const outcome = fc.integer({ min: 0, max: 999 }).map((roll) => outcomeFor(shape, roll));
  const operation = fc.record({
    client: fc.integer({ min: 0, max: shape.clients - 1 }),
    key: fc.integer({ min: 0, max: shape.keys - 1 }),
    type: fc.constantFrom(...TYPES),
    gap: fc.integer({ min: 0, max: 30 }),
    duration: fc.integer({ min: 1, max: 100 }),
    effectAt: fc.integer({ min: 1, max: 999 }),
    outcome,
    casExpectsCurrent: fc.boolean(),
    unknownTakesEffect: fc.boolean(),
    unknownLag: fc.integer({ min: 1, max: 50 }),
  });
  return fc.array(operation, { maxLength: maxOperations, size: 'max' });
}

/** Plans for the performance test: large, and the same for the same seed. */
export function seededPlan(shape: PlanShape, operations: number, seed: number): PlannedOperation[] {
  const random = mulberry32(seed);
  const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  return Array.from({ length: operations }, () => ({
    client: int(0, shape.clients - 1),
    key: int(0, shape.keys - 1),
    type: TYPES[int(0, TYPES.length - 1)]!,
    gap: int(0, 30),
    duration: int(1, 100),
    effectAt: int(1, 999),
    outcome: outcomeFor(shape, int(0, 999)),
    casExpectsCurrent: random() < 0.5,
    unknownTakesEffect: random() < 0.5,
    unknownLag: int(1, 50),
  }));
}

function outcomeFor(shape: PlanShape, roll: number): PlannedOperation['outcome'] {
  if (roll < shape.failPerMille) return 'fail';
  if (roll < shape.failPerMille + shape.unknownPerMille) return 'unknown';
  return 'ok';
}

/** A small seeded PRNG (Tommy Ettinger's mulberry32): enough for workloads, not for secrets. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t = (t + Math.imul(t ^ (t >>> 7), t | 61)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
