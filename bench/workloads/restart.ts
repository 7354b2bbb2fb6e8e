// restart: with --keys keys loaded, a follower is stopped cleanly (SIGTERM) and started again, then
// killed (SIGKILL) and started again; each time, the seconds from its start until it answers a
// serializable get and its Status shows it has applied everything the leader had committed.
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { createEtcdClient } from '../../rpc/etcd-api.js';
import { ensureKeysLoaded } from '../tool/loaded-keys.js';
import type { System } from '../tool/system.js';
import type { Row, Workload } from '../tool/workload.js';

const GIVE_UP_MS = 120_000;

async function servesCaughtUp(system: System, endpoint: string, committed: bigint): Promise<boolean> {
  const kv = createEtcdClient('KV', endpoint);
  try {
    await new Promise<void>((resolve, reject) =>
      kv.Range({ key: Buffer.from('bench-mem/00000000'), serializable: true }, new Metadata(), { deadline: Date.now() + 1000 }, (err: ServiceError | null) => (err ? reject(err) : resolve())),
    );
    const status = await system.status(endpoint, 1000);
    return BigInt(status.raftAppliedIndex) >= committed;
  } catch {
    return false;
  } finally {
    kv.close();
  }
}

async function timeRestart(system: System, how: 'SIGTERM' | 'SIGKILL'): Promise<number> {
  const cluster = system.cluster!;
  const leader = await system.leaderIndex();
  const follower = (leader + 1) % cluster.members.length;
  const committed = BigInt((await system.status(system.endpoints[leader]!)).raftIndex);
  if (how === 'SIGTERM') await cluster.stop(follower);
  else await cluster.kill(follower, 'SIGKILL');
  const started = performance.now();
  cluster.restart(follower);
  const endpoint = system.endpoints[follower]!;
  while (!(await servesCaughtUp(system, endpoint, committed))) {
    if (performance.now() - started > GIVE_UP_MS) throw new Error(`${system.name} member ${follower + 1} not serving ${GIVE_UP_MS / 1000} s after its restart`);
    if (cluster.member(follower).process.exitStatus) throw new Error(`${system.name} member ${follower + 1} exited after its restart\n${cluster.member(follower).process.tail(15)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const seconds = (performance.now() - started) / 1000;
  // Back to a whole cluster before anything else is measured.
  await cluster.waitReady(GIVE_UP_MS);
  return seconds;
}

export const restartWorkload: Workload = {
  name: 'restart',
  needsOwnCluster: true,
  async prepare(system, ctx) {
    if (!system.cluster) throw new Error('the restart workload stops and starts members: it needs a cluster the tool starts (no --endpoints)');
    const keys = await ensureKeysLoaded(system, ctx);
    const n = keys.toLocaleString('en-US');
    return {
      async round(): Promise<Row[]> {
        const clean = await timeRestart(system, 'SIGTERM');
        const killed = await timeRestart(system, 'SIGKILL');
        return [
          { key: 'clean', label: `restart with ${n} keys after a clean stop`, headline: 'value', value: clean, unit: 's' },
          { key: 'kill9', label: `restart with ${n} keys after kill -9`, headline: 'value', value: killed, unit: 's' },
        ];
      },
      async close() {},
    };
  },
};
