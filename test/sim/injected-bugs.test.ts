import { describe, expect, it } from 'vitest';
import { INJECTED_BUGS } from './injected-bugs.js';
import { runSimulation } from './simulation.js';

/** The first failing seed in [1, bound], or null if every seed passed. */
async function firstFailure(bug: string, bound: number): Promise<{ seed: number; error: string } | null> {
  for (let seed = 1; seed <= bound; seed++) {
    const r = await runSimulation({ seed, makeRaft: INJECTED_BUGS[bug]! });
    if (!r.ok) return { seed, error: r.error ?? '' };
  }
  return null;
}

describe('the simulator catches injected bugs', async () => {
  it('a member that votes twice in a term breaks election safety within 50 seeds', async () => {
    const f = await firstFailure('double-vote', 50);
    expect(f).not.toBeNull();
    expect(f!.error).toMatch(/election safety/);
  });

  it('a member that votes for a candidate with an older log breaks safety within 50 seeds', async () => {
    const f = await firstFailure('vote-ignores-log', 50);
    expect(f).not.toBeNull();
    expect(f!.error).toMatch(/leader completeness|commit safety|state machine safety|log matching/);
  });

  it('a core that counts entries applied when it hands them out takes a second configuration change too early, within 50 seeds', async () => {
    const f = await firstFailure('applied-on-handout', 50);
    expect(f).not.toBeNull();
    expect(f!.error).toMatch(/one change at a time/);
  });

  it('the same seeds pass with the correct core', async () => {
    for (let seed = 1; seed <= 50; seed++) expect((await runSimulation({ seed })).ok).toBe(true);
  });
});

describe('runs replay exactly', async () => {
  it('the same seed gives the same trace', async () => {
    const a = await runSimulation({ seed: 7, trace: true });
    const b = await runSimulation({ seed: 7, trace: true });
    expect(a.trace.length).toBeGreaterThan(1000);
    expect(b.trace).toEqual(a.trace);
    expect(b.stats).toEqual(a.stats);
  });
});
