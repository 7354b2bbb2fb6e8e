// Bringing up what a run measures: the cluster given by --endpoints, or a fresh Lodestone of
// --members members (and, with --against etcd, a real etcd of as many, both up at once) on
// loopback with free ports and temporary data dirs. Whatever the tool started is stopped and
// removed on every way out: normal end, error, Ctrl-C, SIGTERM.
import { resolve } from 'node:path';
import { TestCluster, type Implementation } from '../../test/support/cluster.js';
import { freePorts, LOOPBACK } from '../../test/support/free-ports.js';
import { rssMiB } from './member-resources.js';
import type { BenchOptions } from '../../cli/bench-options.js';
import { System } from './system.js';
import { startRealZooKeeperEnsemble } from '../../test/zookeeper/support/real-zookeeper-ensemble.js';

const started = new Set<System>();
let signalsHooked = false;

/** On Ctrl-C or SIGTERM: stop what the tool started, then exit as a signalled process would. */
function hookSignals(): void {
  if (signalsHooked) return;
  signalsHooked = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping the clusters the benchmark started…\n`);
      void closeSystems([...started]).finally(() => process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1)));
    });
  }
}

export async function closeSystems(systems: readonly System[]): Promise<void> {
  await Promise.allSettled(
    systems.map(async (s) => {
      await s.close();
      started.delete(s);
    }),
  );
}

async function startCluster(implementation: Implementation, options: BenchOptions): Promise<System> {
  const cpuProf = options.cpuProf;
  // Each Lodestone member serves the registry over DNS too (an idle socket until asked): the
  // registry-scale workload times answers there.
  const dnsPorts = implementation === 'lodestone' ? await freePorts(options.members) : [];
  // And ZooKeeper's protocol, for the zookeeper workload.
  const zookeeperPorts = implementation === 'lodestone' ? await freePorts(options.members) : [];
  const cluster = await TestCluster.start({
    implementation,
    size: options.members,
    logLevel: 'warn',
    readyTimeoutMs: 60_000,
    ...(cpuProf && implementation === 'lodestone' ? { nodeArgs: () => ['--cpu-prof', `--cpu-prof-dir=${resolve(cpuProf)}`] } : {}),
    ...(dnsPorts.length > 0
      ? {
          memberEnv: ({ index }: { readonly index: number }) => ({
            LODESTONE_LISTEN_DNS_URLS: `${LOOPBACK}:${dnsPorts[index]!}`,
            LODESTONE_LISTEN_ZOOKEEPER_URLS: `${LOOPBACK}:${zookeeperPorts[index]!}`,
            // The registry workloads measure the registry alone, not its mirror in znodes.
            LODESTONE_ZOOKEEPER_REGISTRY_BRIDGE: 'false',
          }),
        }
      : {}),
  });
  const system = new System(implementation === 'etcd' ? 'etcd' : 'Lodestone', cluster.endpoints, cluster, dnsPorts, zookeeperPorts);
  started.add(system);
  return system;
}

/** A real ZooKeeper 3.8 ensemble of --members servers: only the zookeeper workload measures it. */
async function startZooKeeper(options: BenchOptions): Promise<System> {
  const ensemble = await startRealZooKeeperEnsemble(options.members);
  const system = new System('ZooKeeper', [], undefined, [], ensemble.ports, () => ensemble.stop());
  started.add(system);
  return system;
}

/** The systems of the run, first the one the ratios put on top (Lodestone). */
export async function bringUp(options: BenchOptions): Promise<System[]> {
  if (options.endpoints) return [new System('cluster', options.endpoints)];
  hookSignals();
  const wanted: Implementation[] = options.against === 'etcd' ? ['lodestone', 'etcd'] : ['lodestone'];
  const starting = wanted.map((i) => startCluster(i, options));
  if (options.against === 'zookeeper') starting.push(startZooKeeper(options));
  const results = await Promise.allSettled(starting);
  const systems = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await closeSystems(systems);
    throw failed.reason;
  }
  // Idle: up, ready, nothing asked of it yet but the readiness probes.
  await new Promise((r) => setTimeout(r, 2000));
  for (const s of systems) if (s.cluster) s.idleRssMiB = await Promise.all(s.cluster.members.map((m) => rssMiB(m.process.pid)));
  return systems;
}
