// npm run bench -- watch: watch fan-out on a 3-member Lodestone cluster beside a 3-member real etcd
// cluster, started the same way in the same run. 1,000 watchers of one prefix, on a follower, over
// 10 gRPC streams (two connections); puts of 256-byte values through the leader.
//   burst: BENCH_WATCH_PUTS puts (2,000 by default) with 64 in flight — events/s delivered to all
//          watchers (from the first put to the last event), and the delay from each put's
//          acknowledgement to its event's arrival at each watcher (p50, p99; an event that
//          arrives before the acknowledgement counts as 0);
//   paced: 20 puts/s one at a time for BENCH_SECONDS (5 by default) — the same delays when the
//          member is not saturated.
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { createEtcdClient, type PutResponse, type ServiceClient } from '../rpc/etcd-api.js';
import { createRequest, prefixEnd, WireWatchClient, type WireWatchResponse } from '../test/compat/watch-wire.js';
import { findBinary } from '../test/support/binaries.js';
import { TestCluster, type Implementation } from '../test/support/cluster.js';

const WATCHERS = Number(process.env.BENCH_WATCH_WATCHERS ?? 1000);
const STREAMS = 10;
const BURST_PUTS = Number(process.env.BENCH_WATCH_PUTS ?? 2000);
const IN_FLIGHT = 64;
const PACED_PER_SECOND = 20;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const PREFIX = 'wb/';
const VALUE = Buffer.alloc(256, 0x61);

interface Phase {
  readonly puts: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly early: number;
  readonly missing: number;
  /** This process's CPU time over the phase, as a share of one core: near 100% the client limits the figure. */
  readonly clientCpu: number;
}

interface Result {
  readonly burst: Phase;
  readonly paced: Phase;
}

function percentile(sorted: Float32Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function putOnce(kv: ServiceClient<'KV'>, key: Buffer): Promise<number> {
  return new Promise((resolve, reject) =>
    kv.Put({ key, value: VALUE }, new Metadata(), { deadline: Date.now() + 60_000 }, (err: ServiceError | null, res?: PutResponse) =>
      err ? reject(err) : resolve(Number(res!.header!.revision)),
    ),
  );
}

/** Watchers that time every event's arrival against its put's acknowledgement. */
class Fanout {
  private readonly connections: WireWatchClient[];
  private readonly streams: ReturnType<WireWatchClient['stream']>[];
  private created = 0;
  /** The current phase: revisions base+1 … base+puts. */
  private base = 0;
  private ackAt = new Float64Array(0);
  private delays = new Float32Array(0);
  private delayCount = 0;
  /** Arrival times of events whose acknowledgement had not come yet, by revision offset. */
  private pendingArrivals = new Map<number, number[]>();
  delivered = 0;
  early = 0;
  lastArrival = 0;

  constructor(endpoint: string) {
    this.connections = [0, 1].map(() => new WireWatchClient(endpoint, { ownConnection: true }));
    this.streams = Array.from({ length: STREAMS }, (_, i) => this.connections[i % 2]!.stream());
    for (const s of this.streams) {
      s.on('error', () => undefined);
      s.on('data', (res: WireWatchResponse) => this.onResponse(res));
    }
  }

  async start(): Promise<void> {
    for (let w = 0; w < WATCHERS; w++) this.streams[w % STREAMS]!.write(createRequest({ key: Buffer.from(PREFIX), range_end: prefixEnd(PREFIX) }));
    while (this.created < WATCHERS) await new Promise((r) => setTimeout(r, 10));
  }

  private onResponse(res: WireWatchResponse): void {
    if (res.created) {
      this.created++;
      return;
    }
    const now = performance.now();
    for (const e of res.events) {
      const i = e.kv.modRevision - this.base - 1;
      if (i < 0 || i >= this.ackAt.length) continue;
      this.delivered++;
      this.lastArrival = now;
      const ack = this.ackAt[i]!;
      if (ack > 0) {
        this.delays[this.delayCount++] = now - ack;
      } else {
        this.early++;
        const list = this.pendingArrivals.get(i) ?? [];
        list.push(now);
        this.pendingArrivals.set(i, list);
      }
    }
  }

  /** Starts a phase of `puts` puts after revision `base`. */
  phase(base: number, puts: number): void {
    this.base = base;
    this.ackAt = new Float64Array(puts);
    this.delays = new Float32Array(puts * WATCHERS);
    this.delayCount = 0;
    this.pendingArrivals.clear();
    this.delivered = 0;
    this.early = 0;
  }

  acked(revision: number, at: number): void {
    const i = revision - this.base - 1;
    if (i < 0 || i >= this.ackAt.length) return;
    this.ackAt[i] = at;
    // Events that arrived first: their delay counts as 0.
    const arrived = this.pendingArrivals.get(i);
    if (arrived) {
      for (let k = 0; k < arrived.length; k++) this.delays[this.delayCount++] = 0;
      this.pendingArrivals.delete(i);
    }
  }

  async drained(expected: number, limitMs: number): Promise<void> {
    const end = performance.now() + limitMs;
    while (this.delivered < expected && performance.now() < end) await new Promise((r) => setTimeout(r, 10));
  }

  sortedDelays(): Float32Array {
    return this.delays.subarray(0, this.delayCount).sort();
  }

  close(): void {
    for (const s of this.streams) s.cancel();
    for (const c of this.connections) c.close();
  }
}

async function runPhase(fanout: Fanout, kv: ServiceClient<'KV'>, puts: number, inFlight: number, perSecond: number | undefined): Promise<Phase> {
  const base = await putOnce(kv, Buffer.from('bench-phase'));
  fanout.phase(base, puts);
  const started = performance.now();
  const cpu = process.cpuUsage();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < puts) {
      const n = next++;
      if (perSecond !== undefined) {
        const due = started + (n * 1000) / perSecond;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      const rev = await putOnce(kv, Buffer.from(`${PREFIX}${n % 100}`));
      fanout.acked(rev, performance.now());
    }
  };
  await Promise.all(Array.from({ length: inFlight }, () => worker()));
  await fanout.drained(puts * WATCHERS, 600_000);
  const seconds = (fanout.lastArrival - started) / 1000;
  const used = process.cpuUsage(cpu);
  const sorted = fanout.sortedDelays();
  return {
    puts,
    seconds,
    eventsPerSecond: fanout.delivered / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    early: fanout.early,
    missing: puts * WATCHERS - fanout.delivered,
    clientCpu: (used.user + used.system) / 1e6 / ((performance.now() - started) / 1000),
  };
}

async function measure(implementation: Implementation): Promise<Result> {
  const cluster = await TestCluster.start({ implementation, size: 3, logLevel: 'warn' });
  try {
    const { leaderIndex } = await cluster.waitReady();
    const follower = cluster.members[(leaderIndex + 1) % 3]!;
    const kv = createEtcdClient('KV', cluster.members[leaderIndex]!.endpoint);
    const fanout = new Fanout(follower.endpoint);
    try {
      await fanout.start();
      // Warm up: connections, the watchers' first events.
      await runPhase(fanout, kv, 50, 8, undefined);
      const burst = await runPhase(fanout, kv, BURST_PUTS, IN_FLIGHT, undefined);
      const paced = await runPhase(fanout, kv, PACED_PER_SECOND * SECONDS, 1, PACED_PER_SECOND);
      return { burst, paced };
    } finally {
      fanout.close();
      kv.close();
    }
  } finally {
    await cluster.destroy();
  }
}

function fmtRate(p: Phase | undefined): string {
  if (!p) return 'n/a';
  const missing = p.missing > 0 ? ` (${p.missing} events missing)` : '';
  return `${Math.round(p.eventsPerSecond).toLocaleString('en-US').padStart(10)} events/s in ${p.seconds.toFixed(1)} s${missing}`;
}

function fmtDelay(p: Phase | undefined): string {
  if (!p) return 'n/a';
  return `p50 ${p.p50Ms.toFixed(1).padStart(8)} ms  p99 ${p.p99Ms.toFixed(1).padStart(8)} ms`;
}

export async function runWatchBench(): Promise<void> {
  console.log(
    `watch fan-out: 3-member clusters on loopback, ${WATCHERS} watchers of one prefix on a follower over ${STREAMS} streams, ` +
      `256-byte puts through the leader`,
  );
  const lodestone = await measure('lodestone');
  const etcd = findBinary('etcd') ? await measure('etcd') : undefined;
  if (!etcd) console.log('  (etcd is not installed — apt-get install etcd-server — so only Lodestone is measured)');
  const rows: [string, (r: Result | undefined) => string][] = [
    [`burst of ${BURST_PUTS} puts, ${IN_FLIGHT} in flight: delivered`, (r) => fmtRate(r?.burst)],
    ['  put acknowledged → event arrived', (r) => fmtDelay(r?.burst)],
    [`${PACED_PER_SECOND} puts/s for ${SECONDS} s: put acknowledged → event`, (r) => fmtDelay(r?.paced)],
  ];
  console.log(`  ${'workload'.padEnd(52)}${'Lodestone'.padEnd(46)}etcd`);
  for (const [label, cell] of rows) console.log(`  ${label.padEnd(52)}${cell(lodestone).padEnd(46)}${cell(etcd)}`);
  const early = (r: Result | undefined): string => (r ? `${r.burst.early + r.paced.early}` : 'n/a');
  console.log(`  ${'events arriving before their put was acked'.padEnd(52)}${early(lodestone).padEnd(46)}${early(etcd)}`);
  const cpu = (r: Result | undefined): string => (r ? `${Math.round(r.burst.clientCpu * 100)}% of a core` : 'n/a');
  console.log(`  ${'this client’s CPU during the burst'.padEnd(52)}${cpu(lodestone).padEnd(46)}${cpu(etcd)}`);
}
