// Watch fan-out on a real member: 1,000 watchers on one follower of a 3-member cluster, spread
// over 10 gRPC streams as clients multiplex them, watch one prefix while 10,000 puts are made
// through the leader as fast as it takes them. Every watcher must see every put of the burst,
// in revision order, exactly once, with the key and value that put wrote.
//
// WATCH_FANOUT_WATCHERS and WATCH_FANOUT_PUTS scale it (defaults 1,000 and 10,000).
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { createEtcdClient, type PutResponse } from '../../rpc/etcd-api.js';
import { createRequest, prefixEnd, PUT, WireWatchClient, type WireWatchResponse } from '../compat/watch-wire.js';
import { TestCluster } from '../support/cluster.js';

const WATCHERS = Number(process.env.WATCH_FANOUT_WATCHERS ?? 1000);
const PUTS = Number(process.env.WATCH_FANOUT_PUTS ?? 10_000);
const STREAMS = 10;
const IN_FLIGHT = 64;
const KEYS = 100;
const PREFIX = 'fan/';

describe(`${WATCHERS} watchers on one member, ${PUTS} puts`, () => {
  let cluster: TestCluster | undefined;
  const closers: (() => void)[] = [];
  afterAll(async () => {
    for (const c of closers) c();
    await cluster?.destroy();
  }, 30_000);

  it('each watcher sees every put of the burst, in revision order, exactly once', async () => {
    cluster = await TestCluster.start({ implementation: 'lodestone', size: 3, logLevel: 'warn' });
    const { leaderIndex } = await cluster.waitReady();
    const follower = cluster.members.find((m) => m.index !== leaderIndex)!;
    const leader = cluster.members[leaderIndex]!;
    const kv = createEtcdClient('KV', leader.endpoint);
    closers.push(() => kv.close());
    const put = (key: string, value: string): Promise<number> =>
      new Promise((resolve, reject) =>
        kv.Put({ key: Buffer.from(key), value: Buffer.from(value) }, new Metadata(), { deadline: Date.now() + 60_000 }, (err: ServiceError | null, res?: PutResponse) =>
          err ? reject(err) : resolve(Number(res!.header!.revision)),
        ),
      );

    // Watchers: 1,000 over 10 streams, two connections.
    const connections = [0, 1].map(() => new WireWatchClient(follower.endpoint, { ownConnection: true }));
    closers.push(() => connections.forEach((c) => c.close()));
    const streams = Array.from({ length: STREAMS }, (_, i) => connections[i % connections.length]!.stream());
    /** watch ids are per stream: watcher number = stream's base + the id's position. */
    const watcherOf = streams.map(() => new Map<number, number>());
    const lastRevision = new Float64Array(WATCHERS);
    const seen = new Uint32Array(WATCHERS);
    let created = 0;
    const problems: string[] = [];
    const problem = (p: string): void => {
      if (problems.length < 20) problems.push(p);
    };
    let base = -1;
    /** The put each revision of the burst carried (as its value says), as the first watcher saw it; -1 unseen. */
    const putAt = new Int32Array(PUTS).fill(-1);
    let delivered = 0;

    streams.forEach((stream, s) => {
      closers.push(() => stream.cancel());
      let nextInStream = 0;
      const pendingCreates: number[] = [];
      for (let w = s; w < WATCHERS; w += STREAMS) pendingCreates.push(w);
      stream.on('error', (e: ServiceError) => {
        if (e.code !== 1) problem(`stream ${s} failed: ${e.code} ${e.details}`);
      });
      stream.on('data', (res: WireWatchResponse) => {
        if (res.created) {
          const w = pendingCreates[nextInStream++];
          if (w === undefined) return problem(`stream ${s}: an unexpected created response`);
          watcherOf[s]!.set(res.watchId, w);
          created++;
          return;
        }
        const w = watcherOf[s]!.get(res.watchId);
        if (w === undefined) return problem(`stream ${s}: events for unknown watch ${res.watchId}`);
        if (res.canceled) return problem(`watcher ${w} canceled: ${res.cancelReason}`);
        for (const e of res.events) {
          const rev = e.kv.modRevision;
          if (rev <= lastRevision[w]!) problem(`watcher ${w}: revision ${rev} after ${lastRevision[w]} (out of order or repeated)`);
          lastRevision[w] = rev;
          seen[w]!++;
          delivered++;
          const n = Number(e.kv.value.toString());
          if (e.type !== PUT || e.kv.key.toString() !== `${PREFIX}${n % KEYS}`) problem(`watcher ${w}: revision ${rev} is not one of the burst's puts: ${e.type} ${e.kv.key.toString()}=${e.kv.value.toString()}`);
          const i = rev - base - 1;
          if (base < 0 || i < 0 || i >= PUTS) {
            problem(`watcher ${w}: revision ${rev} outside the burst (${base + 1}–${base + PUTS})`);
            continue;
          }
          if (putAt[i] === -1) putAt[i] = n;
          else if (putAt[i] !== n) problem(`watcher ${w}: revision ${rev} carried put ${n}, another watcher saw put ${putAt[i]}`);
        }
      });
    });

    // The revision before the burst: the watchers start after it (the member's current revision).
    base = await put('before-the-burst', 'x');
    for (let w = 0; w < WATCHERS; w++) streams[w % STREAMS]!.write(createRequest({ key: Buffer.from(PREFIX), range_end: prefixEnd(PREFIX) }));
    await until(() => created === WATCHERS, () => `${created} of ${WATCHERS} watchers created`);

    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const revisionOf = new Int32Array(PUTS);
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < PUTS) {
          const n = next++;
          revisionOf[n] = await put(`${PREFIX}${n % KEYS}`, String(n));
        }
      }),
    );
    const putsDone = performance.now();
    await until(
      () => problems.length > 0 || delivered === WATCHERS * PUTS,
      () => `${delivered} of ${WATCHERS * PUTS} events delivered; fewest seen by a watcher: ${Math.min(...seen)}`,
      300_000,
    );
    const allDelivered = performance.now();
    const cpu = process.cpuUsage(cpuBefore);
    console.log(
      `watch fan-out: ${PUTS} puts in ${((putsDone - started) / 1000).toFixed(1)} s; ` +
        `${(WATCHERS * PUTS).toLocaleString('en-US')} events to ${WATCHERS} watchers in ${((allDelivered - started) / 1000).toFixed(1)} s ` +
        `(${Math.round((WATCHERS * PUTS) / ((allDelivered - started) / 1000)).toLocaleString('en-US')} events/s); ` +
        `the test's own CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`,
    );

    expect(problems).toEqual([]);
    // Every put of the burst at its own revision: the revisions base+1 … base+PUTS, one each.
    expect(new Set(revisionOf).size).toBe(PUTS);
    expect(Math.min(...revisionOf)).toBe(base + 1);
    expect(Math.max(...revisionOf)).toBe(base + PUTS);
    // What the watchers saw at each revision is the put acknowledged at it.
    const mismatched: string[] = [];
    revisionOf.forEach((rev, n) => {
      if (putAt[rev - base - 1] !== n && mismatched.length < 10) mismatched.push(`put ${n} acknowledged at ${rev}, watchers saw put ${putAt[rev - base - 1]}`);
    });
    expect(mismatched).toEqual([]);
    // Each watcher: PUTS events, strictly increasing, all inside the burst — so each revision once.
    expect(Math.min(...seen)).toBe(PUTS);
    expect(Math.max(...seen)).toBe(PUTS);
    expect(Math.min(...lastRevision)).toBe(base + PUTS);
  }, 420_000);
});

async function until(done: () => boolean, progress: () => string, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`gave up after ${limitMs} ms: ${progress()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
