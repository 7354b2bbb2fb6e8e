// Ownership on a cluster of three member processes: the member that runs a check is killed with
// SIGKILL; another takes the check (the leader revokes the silent member's runner key) and the
// check's state keeps following the instance within an election timeout and one check interval —
// two election timeouts when the member killed is the leader (its successor's randomized election
// timeout). Each kill prints when the survivors elected a leader, when the dead member's runner key
// went, when the new owner ran the check and when its state was read back. The instance is
// registered as the README shows: etcdctl putting the JSON.
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
/** The members' election timeout (the default). */
const ELECTION_TIMEOUT_MS = 1000;
/** Kills: a follower owner, then the leader owner, in turn. */
const ROUNDS = 4;
/** What the test allows beyond the README's bound on a machine shared with other work. */
const LOADED_MACHINE_MS = 500;
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

  /** The check's recorded state, read through `via` (a client of the members still running). */
  const health = async (via: Client): Promise<{ status: HealthStatus; since: number } | undefined> => {
    const kv = await via.get(healthKey('web', 'web-1', CHECK_ID));
    return kv ? (kv.json() as { status: HealthStatus; since: number }) : undefined;
  };
  const status = async (via: Client): Promise<HealthStatus | undefined> => (await health(via))?.status;
  const until = async (want: HealthStatus, timeoutMs: number, via = client): Promise<number> => {
    const started = performance.now();
    for (;;) {
      const now = await status(via).catch(() => undefined);
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

  /** The leader a member names through the JSON gateway ('0': none), or undefined when it does not answer. */
  const leaderSeenBy = async (clientUrl: string): Promise<bigint | undefined> => {
    try {
      const res = await fetch(`${clientUrl}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(500) });
      return BigInt(((await res.json()) as { leader?: string }).leader ?? '0');
    } catch {
      return undefined;
    }
  };
  /** Polls every 20 ms until `done` says so; resolves with the time (Date.now()) it first did, or undefined when stopped. */
  const firstTime = (done: () => Promise<boolean>, stop: { stopped: boolean }): Promise<number | undefined> =>
    (async () => {
      while (!stop.stopped) {
        if (await done().catch(() => false)) return Date.now();
        await new Promise((r) => setTimeout(r, 20));
      }
      return undefined;
    })();

  it('moves to another member within the bound the README states (an election timeout and one interval; a dead leader: two election timeouts)', async () => {
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
    for (let round = 0; round < ROUNDS; round++) {
      const kind = round % 2 === 0 ? 'follower' : 'leader';
      const victim = await ownerIndex();
      // Make the owner a follower or the leader, as this round wants.
      const ready = await cluster.waitReady();
      const memberIdOf = (index: number): string => [...ready.probes.values()][0]!.members.find((m) => m.name === cluster.members[index]!.name)!.id;
      const leads = ready.leaderIndex === victim;
      if (leads !== (kind === 'leader')) {
        const target = kind === 'leader' ? victim : (victim + 1) % 3;
        const moved = await etcdctl([cluster.members[ready.leaderIndex]!.endpoint], ['move-leader', BigInt(memberIdOf(target)).toString(16)]);
        expect(moved.code, moved.stderr).toBe(0);
        for (let i = 0; i < 50 && (await cluster.waitReady()).leaderIndex !== target; i++) await new Promise((r) => setTimeout(r, 100));
      }
      expect((await cluster.waitReady()).leaderIndex === victim).toBe(kind === 'leader');
      const victimId = BigInt(memberIdOf(victim));
      const survivors = cluster.members.filter((_, i) => i !== victim);
      const survivorsClient = await connect({ endpoints: survivors.map((m) => m.clientUrl) });

      await cluster.kill(victim);
      const killed = Date.now();
      await instance.answer(500);
      const failing = Date.now();
      // What happens in between, seen from outside: a new leader, the dead member's runner key gone.
      const stop = { stopped: false };
      const elected =
        kind === 'leader'
          ? firstTime(async () => (await Promise.all(survivors.map((m) => leaderSeenBy(m.clientUrl)))).some((l) => l !== undefined && l !== 0n && l !== victimId), stop)
          : Promise.resolve(undefined);
      const revoked = firstTime(async () => (await survivorsClient.range({ prefix: RUNNERS_PREFIX, countOnly: true })).count === 2, stop);
      // Only a new owner can see this: the old one is dead.
      await until('critical', 20_000, survivorsClient);
      const readBack = Date.now();
      stop.stopped = true;
      const ranAt = (await instance.hits()).find((h) => h.code === 500 && h.at >= failing)?.at;
      // The owner stamps the state with its clock when it writes it (the same machine's clock).
      const recorded = (await health(survivorsClient))!.since;
      const after = (t: number | undefined): string => (t === undefined ? '–' : `${t - killed}`);
      const took = recorded - killed;
      takeoverMs[kind].push(took);
      console.log(
        `owner ${cluster.members[victim]!.name} (the ${kind}) killed: critical recorded after ${took} ms (elected ${after(await elected)}, runner key seen gone ${after(await revoked)}, new owner ran the check ${after(ranAt)}, state read back ${after(readBack)})`,
      );
      await survivorsClient.close();
      expect(await runnerIds()).toHaveLength(2);
      expect(await ownerIndex()).not.toBe(victim);
      // The README's bound ("Who runs a check"): the leader revokes a silent member's key after an
      // election timeout of silence and the new owner runs the check at once; a dead leader is
      // first replaced, which raft's randomized election timeout makes up to two election timeouts.
      const bound = (kind === 'leader' ? 2 : 1) * ELECTION_TIMEOUT_MS + INTERVAL_MS;
      expect(took).toBeLessThan(bound + LOADED_MACHINE_MS);

      await instance.answer(200);
      await until('passing', 10_000);
      cluster.restart(victim);
      await cluster.waitReady();
      for (let i = 0; i < 100 && (await runnerIds()).length < 3; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await runnerIds()).toHaveLength(3);
    }
    console.log(`takeover after kill -9: follower ${takeoverMs.follower.join(', ')} ms; leader ${takeoverMs.leader.join(', ')} ms (interval ${INTERVAL_MS} ms, election timeout ${ELECTION_TIMEOUT_MS} ms)`);
  }, 150_000);
});
