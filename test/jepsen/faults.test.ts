// The short fault runs CI does on every change: four scenarios of about 20 s each against a
// 3-member Lodestone cluster, every history checked for linearizability and for lost writes; the
// first and the last also run the watch workload (every watch sees exactly the committed events of its keys).
// A failing run leaves its history, nemesis log and member logs in jepsen-results/ci-*; replay the
// schedule with JEPSEN_SEED=<seed> (the seed fixes the faults and operations, not the timing).
// The long version: npm run jepsen -- --time 600 --nemesis all.
import { describe, it } from 'vitest';
import { KILL_PARTITION, scenario } from './ci-scenario.js';

describe('Lodestone under faults (short runs)', () => {
  it('kill -9 of the leader or a random member, and partitions: halves, isolated leader, bridge, one-way; watchers beside the clients', async () => {
    await scenario('kill-partition', KILL_PARTITION);
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
