import { describe, expect, it } from 'vitest';
import { INJECTED_BUGS } from './injected-bugs.js';
import { runSimulation } from './simulation.js';

/** The first failing seed in [1, bound], or null if every seed passed. */
function firstFailure(bug: string, bound: number): { seed: number; error: string } | null {
  for (let seed = 1; seed <= bound; seed++) {
    const r = runSimulation({ seed, makeRaft: INJECTED_BUGS[bug]! });
    if (!r.ok) return { seed, error: r.error ?? '' };
  }
  return null;
}

describe('the simulator catches injected bugs', () => {
  it('a member that votes twice in a term breaks election safety within 50 seeds', () => {
    const f = firstFailure('double-vote', 50);
    expect(f).not.toBeNull();
    expect(f!.error).toMatch(/election safety/);
  });

  it('a member that votes for a candidate with an older log breaks safety within 50 seeds', () => {
    const f = firstFailure('vote-ignores-log', 50);
    expect(f).not.toBeNull();
    expect(f!.error).toMatch(/leader completeness|commit safety|state machine safety|log matching/);
  });

  it('the same seeds pass with the correct core', () => {
    for (let seed = 1; seed <= 50; seed++) expect(runSimulation({ seed }).ok).toBe(true);
  });
});

describe('runs replay exactly', () => {
  it('the same seed gives the same trace', () => {
    const a = runSimulation({ seed: 7, trace: true });
    const b = runSimulation({ seed: 7, trace: true });
    expect(a.trace.length).toBeGreaterThan(1000);
    expect(b.trace).toEqual(a.trace);
    expect(b.stats).toEqual(a.stats);
  });
});
