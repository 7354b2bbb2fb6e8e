// Runs a range of simulation seeds inside a test and reports every failing seed with its replay command.
import { expect } from 'vitest';
import { runSimulation, type SimOptions } from './simulation.js';

/** Seeds per CI test file; SIM_SEEDS scales every file (e.g. SIM_SEEDS=5000 for a long local run). */
export function seedsPerFile(defaultCount: number): number {
  const n = Number(process.env.SIM_SEEDS ?? defaultCount);
  return Number.isFinite(n) && n > 0 ? n : defaultCount;
}

export async function expectSeedsPass(from: number, count: number, extra: Omit<SimOptions, 'seed'> = {}): Promise<void> {
  const failures: string[] = [];
  for (let seed = from; seed < from + count; seed++) {
    const r = await runSimulation({ seed, ...extra });
    if (!r.ok) failures.push(`seed ${seed}: ${r.error} — replay: npm run sim -- --seed ${seed}`);
  }
  expect(failures).toEqual([]);
}
