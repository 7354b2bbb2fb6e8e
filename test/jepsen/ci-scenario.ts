// The check every CI fault run makes: a short run on 3 members with the short timing, which must
// pass with no anomaly and nothing inconclusive, with operations acknowledged, faults injected,
// every key read at the end and acknowledged revisions read back — and, when the run has watchers,
// events checked, watches resumed and every member's history agreeing. A failing run leaves its
// history, nemesis log and member logs in jepsen-results/ci-<label>-<timestamp>/; JEPSEN_SEED=<seed>
// replays the schedule (the seed fixes the faults and operations, not the timing).
import { expect } from 'vitest';
import { resultsDir, writeResults } from './results.js';
import { formatSummary, runJepsen, type RunOptions, type Summary } from './runner.js';

export const SHORT_TIMING = { quietMs: [500, 2000], faultMs: [2000, 5000], downMs: [500, 1500] } as const;

export type ScenarioOptions = Omit<RunOptions, 'members' | 'timing'>;

/**
 * The first CI scenario, and the one the mutual-TLS run repeats: kill -9 of the leader or of a random
 * member and the four partitions, with watchers beside the key-value clients.
 */
export const KILL_PARTITION: ScenarioOptions = {
  timeS: 20,
  seed: 101,
  nemeses: ['kill-leader', 'kill-random', 'partition-halves', 'partition-leader', 'partition-bridge', 'partition-oneway'],
  kv: { clients: 8 },
  watch: { streams: 3, migrateMs: [5000, 10_000] },
};

export async function scenario(label: string, options: ScenarioOptions): Promise<Summary> {
  const seed = process.env.JEPSEN_SEED === undefined ? options.seed : Number(process.env.JEPSEN_SEED);
  const progress: string[] = [];
  const result = await runJepsen({ ...options, seed, members: 3, timing: SHORT_TIMING, log: (l) => progress.push(l) });
  const s = result.summary;
  const text = formatSummary(s);
  console.log(`${label}\n${text}`);
  let where = '';
  if (s.verdict !== 'pass') {
    where = resultsDir(`ci-${label}-`);
    await writeResults(where, result);
    console.log(progress.join('\n'));
  }
  expect(s.anomalies, `${text}\nresults: ${where}`).toEqual([]);
  expect(s.verdict, `${text}\nresults: ${where}`).toBe('pass');
  expect(s.ok).toBeGreaterThan(0);
  expect(s.faultsTotal).toBeGreaterThan(0);
  const kv = s.workloads[0]!.figures as { finalReads: number; keys: number; revisionChecks: number };
  expect(kv.finalReads).toBe(kv.keys);
  expect(kv.revisionChecks).toBeGreaterThan(0);
  if (options.watch) {
    const watch = s.workloads.find((w) => w.name === 'watch')!.figures as { eventsChecked: number; resumes: number; historyMembersAgreeing: string[] };
    expect(watch.eventsChecked).toBeGreaterThan(0);
    // Streams move of their own accord every 5-10 s at least: watches resumed from their last revision + 1.
    expect(watch.resumes).toBeGreaterThan(0);
    expect(watch.historyMembersAgreeing).toHaveLength(3);
  }
  return s;
}
