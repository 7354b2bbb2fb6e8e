// npm run bench -- cluster [--tls] [--auth]: a 3-member Lodestone cluster beside a 3-member real etcd
// cluster, started the same way on this machine in the same run (one after the other), driven by the
// same load generator:
//   puts/s with 64 requests in flight; puts/s one at a time with p50 latency;
//   linearizable gets/s with 64 in flight; and the members' resident memory.
// --tls: both clusters with https client and peer URLs, --client-cert-auth and
// --peer-client-cert-auth, certificates from one throwaway CA; the load generator dials with a
// client certificate. --auth: both clusters with auth enabled (--auth-token simple), a root user and
// a user whose role may read and write the bench keys' prefix; the load generator logs in as that user.
import { readFile } from 'node:fs/promises';
import { Metadata, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { createEtcdClient } from '../rpc/etcd-api.js';
import { TestCluster, type Implementation } from '../test/support/cluster.js';
import { findBinary } from '../test/support/binaries.js';
import { ThrowawayMtls } from '../test/support/throwaway-mtls.js';
import { closeAll, connect, runLoad, type LoadOp, type LoadResult } from './kv-load.js';

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

async function rssMiB(pid: number | undefined): Promise<number> {
  if (pid === undefined) return NaN;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : NaN;
}

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
      auth.RoleGrantPermission({ name: BENCH_ROLE, perm: { permType: 'READWRITE', key: Buffer.from(BENCH_PREFIX), range_end: prefixEnd(BENCH_PREFIX) } }, md, o, cb),
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

/** The end of the range of every key with this prefix (etcdctl's --prefix). */
function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  end[end.length - 1]! += 1;
  return end;
}

async function measure(implementation: Implementation, setup: Setup): Promise<{ results: LoadResult[]; rss: number[] }> {
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
    // Steady state, not start-up: connections, caches and the JIT warmed the same way for both.
    await runLoad(clients, 'put', 64, WARM_UP_SECONDS);
    const results: LoadResult[] = [];
    for (const row of ROWS) results.push(await runLoad(clients, row.op, row.concurrency, SECONDS));
    const rss = await Promise.all(cluster.members.map((m) => rssMiB(m.process.pid)));
    closeAll(clients);
    return { results, rss };
  } finally {
    await cluster.destroy();
  }
}

function fmt(r: LoadResult | undefined): string {
  if (!r) return 'n/a'.padStart(30);
  const errors = r.errors > 0 ? ` (${r.errors} errors)` : '';
  return `${Math.round(r.perSecond).toLocaleString('en-US').padStart(7)}/s  p50 ${r.p50Ms.toFixed(2).padStart(6)} ms  p99 ${r.p99Ms.toFixed(1).padStart(6)} ms${errors}`;
}

export async function runClusterBench(options: ClusterBenchOptions = {}): Promise<void> {
  console.log(`3-member clusters on loopback, ${SECONDS} s per row after ${WARM_UP_SECONDS} s of puts to warm up, 256-byte values, one gRPC connection per member`);
  const modes = [
    options.tls ? 'mutual TLS on client and peer URLs (https, --client-cert-auth, --peer-client-cert-auth), the load dialing with a client certificate' : 'plaintext client and peer URLs',
    options.auth ? `auth enabled (--auth-token simple), the load logged in as "${BENCH_USER.user}" with readwrite on ${BENCH_PREFIX}` : 'auth disabled',
  ];
  console.log(`  both clusters: ${modes.join('; ')}`);
  const mtls = options.tls ? await ThrowawayMtls.create('bench-mtls-') : undefined;
  const setup: Setup = { mtls, credentials: mtls?.clientCredentials(), auth: options.auth ?? false };
  let lodestone: Awaited<ReturnType<typeof measure>>;
  let etcd: Awaited<ReturnType<typeof measure>> | undefined;
  try {
    lodestone = await measure('lodestone', setup);
    etcd = findBinary('etcd') ? await measure('etcd', setup) : undefined;
  } finally {
    await mtls?.destroy();
  }
  if (!etcd) console.log('  (etcd is not installed — apt-get install etcd-server — so only Lodestone is measured)');
  console.log(`  ${'workload'.padEnd(34)}${'Lodestone'.padEnd(46)}etcd`);
  ROWS.forEach((row, i) => {
    console.log(`  ${row.label.padEnd(34)}${fmt(lodestone.results[i]).padEnd(46)}${fmt(etcd?.results[i])}`);
  });
  const mem = (xs: number[] | undefined): string => (xs ? xs.map((x) => `${x.toFixed(0)} MiB`).join(' / ') : 'n/a');
  console.log(`  ${'resident memory per member'.padEnd(34)}${mem(lodestone.rss).padEnd(46)}${mem(etcd?.rss)}`);
  for (const [name, m] of [['Lodestone', lodestone], ['etcd', etcd]] as const) {
    m?.results.forEach((r, i) => {
      if (r.firstError !== undefined) console.log(`  ${name}, ${ROWS[i]!.label}: first error: ${r.firstError}`);
    });
  }
}
