// npm run bench -- cluster [--tls] [--auth]: a 3-member Lodestone cluster beside a 3-member real etcd
// cluster, started the same way on this machine and up at once, driven by the same load generator in
// alternating rounds (the machine may be shared: a ratio means something only when both systems
// lived through the same noise):
//   puts/s with 64 requests in flight; puts/s one at a time with p50 latency;
//   linearizable gets/s with 64 in flight; and the members' resident memory.
// --tls: both clusters with https client and peer URLs, --client-cert-auth and
// --peer-client-cert-auth, certificates from one throwaway CA; the load generator dials with a
// client certificate. --auth: both clusters with auth enabled (--auth-token simple), a root user and
// a user whose role may read and write the bench keys' prefix; the load generator logs in as that user.
import { Metadata, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { createEtcdClient } from '../rpc/etcd-api.js';
import { prefixEnd } from '../store/mvcc/key-bytes.js';
import { TestCluster, type Implementation } from '../test/support/cluster.js';
import { findBinary } from '../test/support/binaries.js';
import { ThrowawayMtls } from '../test/support/throwaway-mtls.js';
import { median } from './tool/stats.js';
import { rssMiB } from './tool/member-resources.js';
import { closeAll, connect, runLoad, type LoadClient, type LoadOp, type LoadResult } from './kv-load.js';

export interface ClusterBenchOptions {
  /** Mutual TLS on client and peer URLs of both clusters; the load dials with a client certificate. */
  readonly tls?: boolean;
  /** Auth enabled on both clusters; the load logs in as a user with readwrite on the bench prefix. */
  readonly auth?: boolean;
}

/** The keys kv-load writes and reads, and the user that may. */
const BENCH_PREFIX = 'bench/';
const BENCH_USER = { user: 'bench', password: 'bench-password' } as const;
const BENCH_ROLE = 'bench-readwrite';
const ROOT_PASSWORD = 'bench-root-password';

interface Row {
  readonly label: string;
  readonly op: LoadOp;
  readonly concurrency: number;
}

const ROWS: readonly Row[] = [
  { label: 'puts, 64 in flight', op: 'put', concurrency: 64 },
  { label: 'puts, one at a time', op: 'put', concurrency: 1 },
  { label: 'linearizable gets, 64 in flight', op: 'get-linearizable', concurrency: 64 },
];

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARM_UP_SECONDS = Number(process.env.BENCH_WARM_UP_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** Settings both clusters of a run get alike. */
interface Setup {
  readonly mtls: ThrowawayMtls | undefined;
  readonly credentials: ChannelCredentials | undefined;
  readonly auth: boolean;
}

/**
 * What etcdctl's `user add root`, `role add root`, `user grant-role root root`, `role add`,
 * `role grant-permission --prefix`, `user add`, `user grant-role` and `auth enable` do, through one member.
 */
async function enableAuth(cluster: TestCluster): Promise<void> {
  const auth = createEtcdClient('Auth', cluster.endpoints[0]!, { credentials: cluster.clientCredentials });
  try {
    const step = (what: string, call: (md: Metadata, opts: { deadline: number }, cb: (err: ServiceError | null) => void) => void): Promise<void> =>
      new Promise((resolve, reject) => call(new Metadata(), { deadline: Date.now() + 10_000 }, (err) => (err ? reject(new Error(`${what}: ${err.details}`)) : resolve())));
    await step('add the root user', (md, o, cb) => auth.UserAdd({ name: 'root', password: ROOT_PASSWORD, options: { no_password: false }, hashedPassword: '' }, md, o, cb));
    await step('add the root role', (md, o, cb) => auth.RoleAdd({ name: 'root' }, md, o, cb));
    await step('grant root the root role', (md, o, cb) => auth.UserGrantRole({ user: 'root', role: 'root' }, md, o, cb));
    await step('add the bench role', (md, o, cb) => auth.RoleAdd({ name: BENCH_ROLE }, md, o, cb));
    await step('let the bench role read and write the bench prefix', (md, o, cb) =>
      auth.RoleGrantPermission({ name: BENCH_ROLE, perm: { permType: 'READWRITE', key: Buffer.from(BENCH_PREFIX), range_end: prefixEnd(Buffer.from(BENCH_PREFIX)) } }, md, o, cb),
    );
    await step('add the bench user', (md, o, cb) => auth.UserAdd({ name: BENCH_USER.user, password: BENCH_USER.password, options: { no_password: false }, hashedPassword: '' }, md, o, cb));
    await step('grant the bench user its role', (md, o, cb) => auth.UserGrantRole({ user: BENCH_USER.user, role: BENCH_ROLE }, md, o, cb));
    await step('enable auth', (md, o, cb) => auth.AuthEnable({}, md, o, cb));
  } finally {
    auth.close();
  }
  // Auth is on: a put that carries no token is refused.
  const kv = createEtcdClient('KV', cluster.endpoints[1]!, { credentials: cluster.clientCredentials });
  try {
    const refusal = await new Promise<ServiceError | null>((resolve) =>
      kv.Put({ key: Buffer.from(`${BENCH_PREFIX}no-token`), value: Buffer.from('x') }, new Metadata(), { deadline: Date.now() + 10_000 }, (err) => resolve(err)),
    );
    if (refusal === null) throw new Error(`${cluster.implementation} took a put without a token after auth enable`);
  } finally {
    kv.close();
  }
}

interface Running {
  readonly cluster: TestCluster;
  readonly clients: LoadClient[];
}

async function bringUp(implementation: Implementation, setup: Setup): Promise<Running> {
  const cluster = await TestCluster.start({
    implementation,
    size: 3,
    logLevel: 'warn',
    extraArgs: [...(setup.mtls?.memberFlags() ?? []), ...(setup.auth ? ['--auth-token', 'simple'] : [])],
    ...(setup.mtls ? { https: { client: true, peer: true }, probeCredentials: setup.credentials } : {}),
  });
  try {
    // The readiness probes read a key without a token: auth goes on once the cluster is ready.
    if (setup.auth) await enableAuth(cluster);
    const clients = await connect(cluster.endpoints, {
      credentials: cluster.clientCredentials,
      ...(setup.auth ? { auth: BENCH_USER } : {}),
    });
    return { cluster, clients };
  } catch (e) {
    await cluster.destroy();
    throw e;
  }
}

function fmt(r: LoadResult | undefined): string {
  if (!r) return 'n/a'.padStart(30);
  const errors = r.errors > 0 ? ` (${r.errors} errors)` : '';
  return `${Math.round(r.perSecond).toLocaleString('en-US').padStart(7)}/s  p50 ${r.p50Ms.toFixed(2).padStart(6)} ms  p99 ${r.p99Ms.toFixed(1).padStart(6)} ms${errors}`;
}

/** The round whose ops/s is the median of the rounds: its latencies go with it. */
function medianRound(rs: readonly LoadResult[]): LoadResult {
  const target = median(rs.map((r) => r.perSecond));
  return rs.reduce((best, r) => (Math.abs(r.perSecond - target) < Math.abs(best.perSecond - target) ? r : best));
}

export async function runClusterBench(options: ClusterBenchOptions = {}): Promise<void> {
  console.log(
    `3-member clusters on loopback, both up at once; ${ROUNDS} rounds of ${SECONDS} s per row, the two systems alternating (the first to go switches each round), after ${WARM_UP_SECONDS} s of puts each to warm up; 256-byte values, one gRPC connection per member`,
  );
  const modes = [
    options.tls ? 'mutual TLS on client and peer URLs (https, --client-cert-auth, --peer-client-cert-auth), the load dialing with a client certificate' : 'plaintext client and peer URLs',
    options.auth ? `auth enabled (--auth-token simple), the load logged in as "${BENCH_USER.user}" with readwrite on ${BENCH_PREFIX}` : 'auth disabled',
  ];
  console.log(`  both clusters: ${modes.join('; ')}`);
  const mtls = options.tls ? await ThrowawayMtls.create('bench-mtls-') : undefined;
  const setup: Setup = { mtls, credentials: mtls?.clientCredentials(), auth: options.auth ?? false };
  const systems: { name: string; running: Running }[] = [];
  try {
    systems.push({ name: 'Lodestone', running: await bringUp('lodestone', setup) });
    if (findBinary('etcd')) systems.push({ name: 'etcd', running: await bringUp('etcd', setup) });
    else console.log('  (etcd is not installed — apt-get install etcd-server — so only Lodestone is measured)');
    // Steady state, not start-up: connections, caches and the JIT warmed the same way for both.
    for (const s of systems) await runLoad(s.running.clients, 'put', 64, WARM_UP_SECONDS);
    const results = systems.map(() => ROWS.map((): LoadResult[] => []));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [rowIndex, row] of ROWS.entries()) {
        const order = systems.map((_, i) => i);
        if ((round + rowIndex) % 2 === 1) order.reverse();
        for (const i of order) results[i]![rowIndex]!.push(await runLoad(systems[i]!.running.clients, row.op, row.concurrency, SECONDS));
      }
    }
    const rss = await Promise.all(systems.map((s) => Promise.all(s.running.cluster.members.map((m) => rssMiB(m.process.pid)))));
    report(systems.map((s) => s.name), results, rss);
  } finally {
    for (const s of systems) {
      closeAll(s.running.clients);
      await s.running.cluster.destroy();
    }
    await mtls?.destroy();
  }
}

function report(names: readonly string[], results: readonly LoadResult[][][], rss: readonly number[][]): void {
  console.log(`  ${'workload (median round)'.padEnd(34)}${names.map((n) => n.padEnd(46)).join('')}${names.length > 1 ? 'ratio per round' : ''}`);
  ROWS.forEach((row, i) => {
    const cells = results.map((r) => fmt(medianRound(r[i]!)).padEnd(46)).join('');
    const ratios =
      results.length > 1
        ? results[0]![i]!.map((r, k) => (r.perSecond / results[1]![i]![k]!.perSecond).toFixed(2)).join(' ')
        : '';
    console.log(`  ${row.label.padEnd(34)}${cells}${ratios}`);
  });
  const mem = (xs: readonly number[]): string => xs.map((x) => `${x.toFixed(0)} MiB`).join(' / ');
  console.log(`  ${'resident memory per member'.padEnd(34)}${rss.map((x) => mem(x).padEnd(46)).join('')}`);
  results.forEach((system, s) =>
    system.forEach((rounds, i) => {
      const first = rounds.find((r) => r.firstError !== undefined);
      if (first) console.log(`  ${names[s]}, ${ROWS[i]!.label}: first error: ${first.firstError}`);
    }),
  );
}
