// A check's owner cut off from the other two members (injected partition, both ways): the majority
// hands the check to another member, the cut-off owner's results are never written, and when the
// partition heals and the check goes back to it, the recorded state does not flap — every write to
// the check's state over the whole episode is a real change of the instance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Client } from '../../../index.js';
import { RUNNERS_PREFIX } from '../../../registry/checks/check-keys.js';
import { ownerOf } from '../../../registry/checks/ownership.js';
import { healthKey, instanceKey, type HealthStatus } from '../../../registry/layout.js';
import { etcdctl } from '../../compat/etcdctl-runner.js';
import { checkBinaries } from '../../support/binaries.js';
import { TestCluster } from '../../support/cluster.js';
import { LOOPBACK } from '../../support/free-ports.js';
import { FAULT_SETTLE_MS, MemberFaultFiles, startClusterWithFaults, type ClusterWithFaults } from '../../support/member-fault-files.js';
import { InstanceProcess } from './instance-process.js';

const binaries = checkBinaries(['etcdctl'], 'moving the leader with etcdctl');
const CHECK_ID = 'web-1-http';
const KEY = healthKey('web', 'web-1', CHECK_ID);

describe.runIf(binaries.run)('a check whose owner is cut off from the majority', () => {
  let cluster: TestCluster;
  let files: MemberFaultFiles;
  let started: ClusterWithFaults | undefined;
  let instance: InstanceProcess;
  let client: Client;

  beforeAll(async () => {
    binaries.assertPresent();
    [started, instance] = await Promise.all([startClusterWithFaults('checks-partition-'), InstanceProcess.start()]);
    ({ cluster, faults: files } = started);
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await instance?.kill();
    await started?.destroy();
  });

  it('moves the check to the majority, writes nothing from the cut-off owner, and does not flap when it heals', async () => {
    client = await connect({ endpoints: cluster.members.map((m) => m.clientUrl) });
    const record = { address: LOOPBACK, port: instance.port, checks: [{ id: CHECK_ID, kind: 'http', http: instance.healthUrl, intervalMs: 300, timeoutMs: 1000 }] };
    await client.put(instanceKey('web', 'web-1'), JSON.stringify(record));
    const statusVia = async (c: Client): Promise<HealthStatus | undefined> => ((await c.get(KEY))?.json() as { status: HealthStatus } | undefined)?.status;
    const until = async (c: Client, want: HealthStatus, timeoutMs: number): Promise<number> => {
      const started = performance.now();
      while ((await statusVia(c).catch(() => undefined)) !== want) {
        if (performance.now() - started > timeoutMs) throw new Error(`the check did not turn ${want} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return performance.now() - started;
    };
    await until(client, 'passing', 20_000);
    let runners: number[] = [];
    for (let i = 0; i < 100 && runners.length < 3; i++) {
      runners = (await client.range({ prefix: RUNNERS_PREFIX })).kvs.map((kv) => Number.parseInt(kv.keyString.slice(RUNNERS_PREFIX.length), 16));
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(runners).toHaveLength(3);

    // The owner, made a follower so that the majority keeps its leader.
    const ready = await cluster.waitReady();
    const members = [...ready.probes.values()][0]!.members;
    const owner = ownerOf(CHECK_ID, runners)!;
    const ownerHex = owner.toString(16);
    const ownerMember = cluster.members.find((m) => m.name === members.find((p) => Number(BigInt(p.id)) === owner)!.name)!;
    const others = cluster.members.filter((m) => m !== ownerMember);
    if (ready.leaderIndex === ownerMember.index) {
      const target = BigInt(members.find((p) => p.name === others[0]!.name)!.id).toString(16);
      const moved = await etcdctl([ownerMember.endpoint], ['move-leader', target]);
      expect(moved.code, moved.stderr).toBe(0);
      for (let i = 0; i < 50 && (await cluster.waitReady()).leaderIndex === ownerMember.index; i++) await new Promise((r) => setTimeout(r, 100));
    }
    const majority = await connect({ endpoints: others.map((m) => m.clientUrl) });
    try {
      const from = (await majority.get(KEY))!.modRevision + 1;
      const otherHex = members.filter((p) => p.name !== ownerMember.name).map((p) => BigInt(p.id).toString(16));
      await files.set(ownerMember.name, { dropTo: otherHex, dropFrom: otherHex });
      for (const m of others) await files.set(m.name, { dropTo: [ownerHex], dropFrom: [ownerHex] });
      await new Promise((r) => setTimeout(r, FAULT_SETTLE_MS));

      const cut = performance.now();
      await instance.answer(500);
      await until(majority, 'critical', 20_000);
      console.log(`owner cut off: the majority recorded critical after ${(performance.now() - cut).toFixed(0)} ms`);
      const runnersNow = (await majority.range({ prefix: RUNNERS_PREFIX })).kvs.map((kv) => kv.keyString.slice(RUNNERS_PREFIX.length));
      expect(runnersNow).not.toContain(ownerHex);

      // The instance recovers and fails again while the owner is still cut off: the new owner follows.
      await instance.answer(200);
      await until(majority, 'passing', 10_000);
      await instance.answer(500);
      await until(majority, 'critical', 10_000);

      // Heal: the owner comes back, puts its key again and takes the check back.
      for (const m of cluster.members) await files.set(m.name, {});
      for (let i = 0; i < 100; i++) {
        const keys = (await majority.range({ prefix: RUNNERS_PREFIX })).kvs.map((kv) => kv.keyString.slice(RUNNERS_PREFIX.length));
        if (keys.includes(ownerHex)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect((await majority.range({ prefix: RUNNERS_PREFIX })).kvs.map((kv) => kv.keyString.slice(RUNNERS_PREFIX.length))).toContain(ownerHex);
      // Several intervals with the old owner running the check again.
      await new Promise((r) => setTimeout(r, 2000));
      await instance.answer(200);
      await until(majority, 'passing', 10_000);
      await new Promise((r) => setTimeout(r, 1000));

      // Every write to the state since the partition: exactly the instance's three changes.
      const history: HealthStatus[] = [];
      const end = (await majority.get(KEY))!.modRevision;
      const watch = await majority.watch(KEY, { fromRevision: from });
      for await (const event of watch) {
        if (event.type === 'put') history.push((event.kv.json() as { status: HealthStatus }).status);
        if (event.kv.modRevision >= end) break;
      }
      await watch.close();
      expect(history).toEqual(['critical', 'passing', 'critical', 'passing']);
    } finally {
      await majority.close();
    }
  }, 120_000);
});
