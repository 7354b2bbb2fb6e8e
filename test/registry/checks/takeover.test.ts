// Ownership on a cluster of three member processes: the member that runs a check is killed with
// SIGKILL; another takes the check (the dead member's runner key expires with its lease) and the
// check's state keeps following the instance, within the runner key's TTL, an election and one
// check interval — also when the member killed is the leader. The instance is registered as the
// README shows: etcdctl putting the JSON.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Client } from '../../../index.js';
import { RUNNERS_PREFIX } from '../../../registry/checks/check-keys.js';
import { ownerOf } from '../../../registry/checks/ownership.js';
import { healthKey, instanceKey, type HealthStatus } from '../../../registry/layout.js';
import { etcdctl } from '../../compat/etcdctl-runner.js';
import { checkBinaries } from '../../support/binaries.js';
import { TestCluster } from '../../support/cluster.js';
import { LOOPBACK } from '../../support/free-ports.js';
import { InstanceProcess } from './instance-process.js';

const binaries = checkBinaries(['etcdctl'], 'registering an instance and moving the leader with etcdctl');
const INTERVAL_MS = 500;
const CHECK_ID = 'web-1-http';

describe.runIf(binaries.run)('a check whose member is killed', () => {
  let cluster: TestCluster;
  let instance: InstanceProcess;
  let client: Client;

  beforeAll(async () => {
    binaries.assertPresent();
    [cluster, instance] = await Promise.all([TestCluster.start({ implementation: 'lodestone', size: 3, logLevel: 'warn' }), InstanceProcess.start()]);
    client = await connect({ endpoints: cluster.members.map((m) => m.clientUrl) });
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await instance?.kill();
    await cluster?.destroy();
  });

  const status = async (): Promise<HealthStatus | undefined> => {
    const kv = await client.get(healthKey('web', 'web-1', CHECK_ID));
    return kv ? (kv.json() as { status: HealthStatus }).status : undefined;
  };
  const until = async (want: HealthStatus, timeoutMs: number): Promise<number> => {
    const started = performance.now();
    for (;;) {
      const now = await status().catch(() => undefined);
      if (now === want) return performance.now() - started;
      if (performance.now() - started > timeoutMs) throw new Error(`the check did not turn ${want} within ${timeoutMs} ms (it is ${now})`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const runnerIds = async (): Promise<number[]> => (await client.range({ prefix: RUNNERS_PREFIX })).kvs.map((kv) => Number.parseInt(kv.keyString.slice(RUNNERS_PREFIX.length), 16));
  /** The index of the member that runs the check, by the same hashing the members use. */
  const ownerIndex = async (): Promise<number> => {
    const owner = ownerOf(CHECK_ID, await runnerIds());
    const ready = await cluster.waitReady();
    const members = [...ready.probes.values()][0]!.members;
    const name = members.find((m) => Number(BigInt(m.id)) === owner)?.name;
    const index = cluster.members.findIndex((m) => m.name === name);
    if (index < 0) throw new Error(`no member has the id ${String(owner)}`);
    return index;
  };

  it('moves to another member within the runner key TTL, an election and one interval', async () => {
    const record = { address: LOOPBACK, port: instance.port, checks: [{ id: CHECK_ID, kind: 'http', http: instance.healthUrl, intervalMs: INTERVAL_MS, timeoutMs: 1000 }] };
    const put = await etcdctl([cluster.members[0]!.endpoint], ['put', instanceKey('web', 'web-1'), JSON.stringify(record)]);
    expect(put.stdout.trim()).toBe('OK');
    await until('passing', 20_000);
    const runners = await (async () => {
      for (let i = 0; i < 100; i++) {
        const ids = await runnerIds();
        if (ids.length === 3) return ids;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('not every member holds a runner key');
    })();
    expect(runners).toHaveLength(3);

    const takeoverMs: number[] = [];
    for (let round = 0; round < 3; round++) {
      const victim = await ownerIndex();
      if (round === 1) {
        // This round the owner leads: its death needs an election before its key can expire.
        const ready = await cluster.waitReady();
        const hex = [...ready.probes.values()][0]!.members.find((m) => m.name === cluster.members[victim]!.name)!.id;
        if (ready.leaderIndex !== victim) {
          const moved = await etcdctl([cluster.members[ready.leaderIndex]!.endpoint], ['move-leader', BigInt(hex).toString(16)]);
          expect(moved.code, moved.stderr).toBe(0);
        }
        for (let i = 0; i < 50 && (await cluster.waitReady()).leaderIndex !== victim; i++) await new Promise((r) => setTimeout(r, 100));
      }
      const wasLeader = (await cluster.waitReady()).leaderIndex === victim;
      await cluster.kill(victim);
      const killed = performance.now();
      await instance.answer(500);
      // Only a new owner can see this: the old one is dead.
      await until('critical', 20_000);
      const took = performance.now() - killed;
      takeoverMs.push(took);
      if (round === 1) expect(wasLeader).toBe(true);
      console.log(`round ${round + 1}: owner ${cluster.members[victim]!.name}${wasLeader ? ' (the leader)' : ''} killed; critical after ${took.toFixed(0)} ms`);
      expect(await runnerIds()).toHaveLength(2);
      expect(await ownerIndex()).not.toBe(victim);
      // Runner key TTL 2 s (1.5 election timeouts of 1 s, whole seconds), an election and the lease
      // clocks' extension of one election timeout when the leader died, one interval, and room.
      expect(took).toBeLessThan(2000 + 2000 + INTERVAL_MS + 4000);

      await instance.answer(200);
      await until('passing', 10_000);
      cluster.restart(victim);
      await cluster.waitReady();
      for (let i = 0; i < 100 && (await runnerIds()).length < 3; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await runnerIds()).toHaveLength(3);
    }
    takeoverMs.sort((a, b) => a - b);
    console.log(`takeover after kill -9: p50 ${takeoverMs[1]!.toFixed(0)} ms, all ${takeoverMs.map((t) => t.toFixed(0)).join(', ')} ms`);
  }, 120_000);
});
