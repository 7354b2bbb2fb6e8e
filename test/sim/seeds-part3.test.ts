import { describe, it } from 'vitest';
import { expectSeedsPass, seedsPerFile } from './seed-range.js';

// The 2,000 CI seeds are split over four files so that vitest runs them in parallel.
const COUNT = seedsPerFile(500);
const FROM = 1 + 2 * COUNT;

describe('raft simulation, seeds part 3 of 4', () => {
  it(`keeps every safety invariant and recovers after healing, for ${COUNT} seeds from ${FROM}`, async () => {
    await expectSeedsPass(FROM, COUNT);
  }, 600_000);
});
