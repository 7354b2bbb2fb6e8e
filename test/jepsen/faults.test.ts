// The short fault runs CI does on every change: four scenarios of about 20 s each against a
// 3-member Lodestone cluster, every history checked for linearizability and for lost writes; the
// first and the last also run the watch workload (every watch sees exactly the committed events of its keys).
// A failing run leaves its history, nemesis log and member logs in jepsen-results/ci-*; replay the
// schedule with JEPSEN_SEED=<seed> (the seed fixes the faults and operations, not the timing).
// The long version: npm run jepsen -- --time 600 --nemesis all.
import { describe, expect, it } from 'vitest';
import { resultsDir, writeResults } from './results.js';
import { formatSummary, runJepsen, type RunOptions } from './runner.js';

const SHORT_TIMING = { quietMs: [500, 2000], faultMs: [2000, 5000], downMs: [500, 1500] } as const;

async function scenario(label: string, options: Omit<RunOptions, 'members' | 'timing'>): Promise<void> {
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
}

describe('Lodestone under faults (short runs)', () => {
  it('kill -9 of the leader or a random member, and partitions: halves, isolated leader, bridge, one-way; watchers beside the clients', async () => {
    await scenario('kill-partition', {
      timeS: 20,
      seed: 101,
      nemeses: ['kill-leader', 'kill-random', 'partition-halves', 'partition-leader', 'partition-bridge', 'partition-oneway'],
      kv: { clients: 8 },
      watch: { streams: 3, migrateMs: [5000, 10_000] },
    });
  }, 180_000);

  it('SIGSTOP / SIGCONT pauses of the leader or a random member, and a slow disk', async () => {
    await scenario('pause-slow-disk', {
      timeS: 20,
      seed: 202,
      nemeses: ['pause-leader', 'pause-random', 'slow-disk'],
      kv: { clients: 8 },
    });
  }, 180_000);

  it('durability: every member killed with SIGKILL at once during writes keeps every acknowledged write', async () => {
    await scenario('kill-all', {
      timeS: 20,
      seed: 303,
      nemeses: ['kill-all'],
      // Small snapshots, so that restarts also replay from a snapshot.
      memberArgs: ['--snapshot-count', '300', '--experimental-snapshot-catchup-entries', '100'],
      kv: { clients: 8 },
    });
  }, 180_000);

  it('membership: a member removed and a fresh one added, or one added then one removed (the leader among them), with watchers', async () => {
    await scenario('membership', {
      timeS: 20,
      seed: 404,
      nemeses: ['member-replace', 'member-grow'],
      kv: { clients: 8 },
      watch: { streams: 3, migrateMs: [5000, 10_000] },
    });
  }, 180_000);
});
