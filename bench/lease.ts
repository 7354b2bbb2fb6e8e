// npm run bench -- lease: keepalive throughput with 10,000 leases on a 3-member Lodestone cluster
// beside a 3-member real etcd cluster, started the same way in the same run. The leases are granted
// first (their grant rate is reported too); then keepalive streams renew them round-robin, each
// stream with a window of requests in flight, for BENCH_SECONDS (5 by default): keepalives
// answered per second, with p50/p99 from request to answer, sent to the leader and through a
// follower (which forwards them to the leader).
import { Metadata, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { createEtcdClient, type LeaseKeepAliveRequest, type LeaseKeepAliveResponse, type Outgoing, type ServiceClient } from '../rpc/etcd-api.js';
import { findBinary } from '../test/support/binaries.js';
import { TestCluster, type Implementation } from '../test/support/cluster.js';

const LEASES = Number(process.env.BENCH_LEASES ?? 10_000);
/** Leases granted before the measured ones, so that grants are measured warm. */
const WARM_UP_GRANTS = Number(process.env.BENCH_WARM_UP_GRANTS ?? 5_000);
const STREAMS = 4;
const WINDOW = 64;
const GRANTS_IN_FLIGHT = 64;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const TTL = 600;

interface KeepAliveResult {
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Answers of TTL 0 (the lease not found) and streams that failed. */
  readonly zero: number;
  readonly errors: number;
}

interface Result {
  readonly grantsPerSecond: number;
  readonly leader: KeepAliveResult;
  readonly follower: KeepAliveResult;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function grantAll(lease: ServiceClient<'Lease'>, count = LEASES): Promise<{ ids: string[]; perSecond: number }> {
  const ids: string[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: GRANTS_IN_FLIGHT }, async () => {
      while (next < count) {
        next++;
        const id = await new Promise<string>((resolve, reject) =>
          lease.LeaseGrant({ TTL: String(TTL) }, new Metadata(), { deadline: Date.now() + 60_000 }, (err: ServiceError | null, res?: { ID: string }) =>
            err ? reject(err) : resolve(res!.ID),
          ),
        );
        ids.push(id);
      }
    }),
  );
  return { ids, perSecond: count / ((performance.now() - started) / 1000) };
}

/** STREAMS streams, each renewing its share of the leases round-robin with WINDOW requests in flight. */
async function keepAlive(lease: ServiceClient<'Lease'>, ids: readonly string[]): Promise<KeepAliveResult> {
  const latencies: number[] = [];
  let zero = 0;
  let errors = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: STREAMS }, (_, s) => {
      const mine = ids.filter((_, i) => i % STREAMS === s);
      return new Promise<void>((resolve) => {
        const stream: ClientDuplexStream<Outgoing<LeaseKeepAliveRequest>, LeaseKeepAliveResponse> = lease.LeaseKeepAlive(new Metadata());
        const sentAt: number[] = [];
        let next = 0;
        let outstanding = 0;
        let ended = false;
        const send = (): void => {
          while (!ended && outstanding < WINDOW && performance.now() < deadline) {
            sentAt.push(performance.now());
            outstanding++;
            stream.write({ ID: mine[next++ % mine.length]! });
          }
          if (outstanding === 0 && !ended) {
            ended = true;
            stream.end();
          }
        };
        stream.on('data', (res: LeaseKeepAliveResponse) => {
          // Answers come in the order of the requests on the stream.
          latencies.push(performance.now() - sentAt.shift()!);
          outstanding--;
          if (Number(res.TTL) <= 0) zero++;
          send();
        });
        stream.on('error', () => {
          errors++;
          ended = true;
          resolve();
        });
        stream.on('end', () => resolve());
        send();
      });
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return { perSecond: latencies.length / elapsed, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), zero, errors };
}

async function measure(implementation: Implementation): Promise<Result> {
  const cluster = await TestCluster.start({ implementation, size: 3, logLevel: 'warn' });
  const clients: ServiceClient<'Lease'>[] = [];
  try {
    const { leaderIndex } = await cluster.waitReady();
    const open = (index: number): ServiceClient<'Lease'> => {
      const c = createEtcdClient('Lease', cluster.members[index]!.endpoint, { channelOptions: { 'grpc.use_local_subchannel_pool': 1 } });
      clients.push(c);
      return c;
    };
    const leader = open(leaderIndex);
    const follower = open((leaderIndex + 1) % 3);
    // Steady state, not start-up: the same number of grants first, uncounted, for both.
    await grantAll(leader, WARM_UP_GRANTS);
    const { ids, perSecond: grantsPerSecond } = await grantAll(leader);
    // Warm up both paths.
    await keepAliveFor(leader, ids.slice(0, 100), 0.5);
    await keepAliveFor(follower, ids.slice(0, 100), 0.5);
    return { grantsPerSecond, leader: await keepAlive(leader, ids), follower: await keepAlive(follower, ids) };
  } finally {
    for (const c of clients) c.close();
    await cluster.destroy();
  }
}

async function keepAliveFor(lease: ServiceClient<'Lease'>, ids: readonly string[], seconds: number): Promise<void> {
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) {
    await new Promise<void>((resolve) => {
      const stream = lease.LeaseKeepAlive(new Metadata());
      let answered = 0;
      stream.on('data', () => {
        if (++answered === ids.length) stream.end();
      });
      stream.on('error', () => resolve());
      stream.on('end', () => resolve());
      for (const id of ids) stream.write({ ID: id });
    });
  }
}

function fmt(r: KeepAliveResult | undefined): string {
  if (!r) return 'n/a';
  const bad = r.zero + r.errors > 0 ? ` (${r.zero} TTL 0, ${r.errors} failed streams)` : '';
  return `${Math.round(r.perSecond).toLocaleString('en-US').padStart(7)}/s  p50 ${r.p50Ms.toFixed(2).padStart(6)} ms  p99 ${r.p99Ms.toFixed(1).padStart(6)} ms${bad}`;
}

export async function runLeaseBench(): Promise<void> {
  console.log(
    `leases: 3-member clusters on loopback, ${LEASES.toLocaleString('en-US')} leases (TTL ${TTL} s) after ${WARM_UP_GRANTS.toLocaleString('en-US')} uncounted grants; keepalives on ${STREAMS} streams, ` +
      `${WINDOW} in flight each, ${SECONDS} s per row`,
  );
  const lodestone = await measure('lodestone');
  const etcd = findBinary('etcd') ? await measure('etcd') : undefined;
  if (!etcd) console.log('  (etcd is not installed — apt-get install etcd-server — so only Lodestone is measured)');
  const grants = (r: Result | undefined): string => (r ? `${Math.round(r.grantsPerSecond).toLocaleString('en-US').padStart(7)}/s` : 'n/a');
  console.log(`  ${'workload'.padEnd(40)}${'Lodestone'.padEnd(50)}etcd`);
  console.log(`  ${`grants, ${GRANTS_IN_FLIGHT} in flight`.padEnd(40)}${grants(lodestone).padEnd(50)}${grants(etcd)}`);
  console.log(`  ${'keepalives answered, to the leader'.padEnd(40)}${fmt(lodestone.leader).padEnd(50)}${fmt(etcd?.leader)}`);
  console.log(`  ${'keepalives answered, through a follower'.padEnd(40)}${fmt(lodestone.follower).padEnd(50)}${fmt(etcd?.follower)}`);
}
