// `lodestone bench zookeeper --against zookeeper` run as a user runs it: a tiny run with a fresh
// 3-member Lodestone and a real ZooKeeper 3.8 ensemble of 3 up at once, the same client driving
// both; every create and getData answered on each, and both systems' rates reported.
import { describe, expect, it } from 'vitest';
import { benchJob, medianRow } from '../support/bench-json.js';
import { realZooKeeperTestsRun } from '../zookeeper/support/real-zookeeper.js';

describe.runIf(realZooKeeperTestsRun())('lodestone bench zookeeper --against zookeeper', () => {
  it('measures creates and reads on Lodestone and on ZooKeeper, without errors', async () => {
    const job = await benchJob('zookeeper', ['--against', 'zookeeper', '--key-space', '200', '--duration', '1s', '--rounds', '1', '--warm-up', '0s', '--clients', '16'], 180_000);
    expect(job.skipped).toBeUndefined();
    for (const system of ['Lodestone', 'ZooKeeper']) {
      for (const key of ['create', 'getData']) {
        const row = medianRow(job, key, system);
        expect(row.errors, `${system} ${key}: ${row.firstError ?? ''}`).toBe(0);
        expect(row.count, `${system} ${key}`).toBeGreaterThan(10);
      }
    }
  }, 180_000);
});
