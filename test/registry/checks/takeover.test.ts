// Ownership on a cluster of three member processes: the member that runs a check is killed with
// SIGKILL; another takes the check (the leader revokes the silent member's runner key) and the
// check's state keeps following the instance within an election timeout and one check interval —
// plus an election when the member killed is the leader. The instance is registered as the README
// shows: etcdctl putting the JSON.
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

  it('moves to another member within an election timeout and one interval (plus an election when the leader dies)', async () => {
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

    const takeoverMs: Record<'follower' | 'leader', number[]> = { follower: [], leader: [] };
    for (const kind of ['follower', 'leader', 'follower', 'leader'] as const) {
      const victim = await ownerIndex();
      // Make the owner a follower or the leader, as this round wants.
      const ready = await cluster.waitReady();
      const leads = ready.leaderIndex === victim;
      if (leads !== (kind === 'leader')) {
        const target = kind === 'leader' ? victim : (victim + 1) % 3;
        const hex = BigInt([...ready.probes.values()][0]!.members.find((m) => m.name === cluster.members[target]!.name)!.id).toString(16);
        const moved = await etcdctl([cluster.members[ready.leaderIndex]!.endpoint], ['move-leader', hex]);
        expect(moved.code, moved.stderr).toBe(0);
        for (let i = 0; i < 50 && (await cluster.waitReady()).leaderIndex !== target; i++) await new Promise((r) => setTimeout(r, 100));
      }
      expect((await cluster.waitReady()).leaderIndex === victim).toBe(kind === 'leader');

      await cluster.kill(victim);
      const killed = performance.now();
      await instance.answer(500);
      // Only a new owner can see this: the old one is dead.
      await until('critical', 20_000);
      const took = performance.now() - killed;
      takeoverMs[kind].push(took);
      console.log(`owner ${cluster.members[victim]!.name} (a ${kind}) killed: critical after ${took.toFixed(0)} ms`);
      expect(await runnerIds()).toHaveLength(2);
      expect(await ownerIndex()).not.toBe(victim);
      // The leader hands a silent member's checks on after an election timeout (1 s) of silence; a
      // dead leader first needs an election (1–2 s) and the new leader gives everyone an election
      // timeout to be heard from; then one check interval, and room for a loaded machine.
      expect(took).toBeLessThan((kind === 'leader' ? 3000 : 1000) + INTERVAL_MS + 3000);

      await instance.answer(200);
      await until('passing', 10_000);
      cluster.restart(victim);
      await cluster.waitReady();
      for (let i = 0; i < 100 && (await runnerIds()).length < 3; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await runnerIds()).toHaveLength(3);
    }
    console.log(`takeover after kill -9: follower ${takeoverMs.follower.map((t) => t.toFixed(0)).join(', ')} ms; leader ${takeoverMs.leader.map((t) => t.toFixed(0)).join(', ')} ms (interval ${INTERVAL_MS} ms, election timeout 1000 ms)`);
  }, 120_000);
});
