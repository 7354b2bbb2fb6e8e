// config-delivery: how long a config change takes to reach the programs that use it — the config
// center's "done when" figure — beside the same change made through etcd's KV on real etcd.
//   Lodestone: --watchers `client.subscribeConfig()` subscriptions of one namespace, spread over
//   the members (config-subscribers.ts), and one `lodestone exec` running a small program. Each
//   publish (--total per round, default 10, one after the other) sets the item in the draft and
//   publishes it through the HTTP API on the leader (or --target); timed from the publish's answer
//   to each subscription's snapshot of the new release, to the last of them, and to the restarted
//   program's start with the new value.
//   etcd: --watchers watchers of the namespace's live key (Fanout, spread over the members) and a put
//   of it on the leader (or --target); timed from the put's acknowledgement to each watcher's event.
// Every subscription must see every release and every watcher every put: those missed are errors.
// The subscriptions record each release applied under their own leases, as an application's do: that
// is 1,000 lease-bound puts a publish, all made by this one process, beside its 1,000 snapshots —
// the work 1,000 instances would share. One plain etcd watcher of the live key, beside them, tells
// the member's part of a delivery from the subscribing process's; one more subscription in a
// process of its own gives what a deployed instance sees.
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { liveConfigKey, namespaceName, parseNamespace } from '../../configcenter/layout.js';
import { createEtcdClient, type PutResponse, type ServiceClient } from '../../rpc/etcd-api.js';
import { ConfigApi } from '../tool/config-api.js';
import { ConfigSubscribers } from '../tool/config-subscribers.js';
import { ExecRestarts } from '../tool/exec-restarts.js';
import { Fanout } from '../tool/fanout.js';
import { KeyArrivals } from '../tool/key-arrivals.js';
import { LoneSubscriber } from '../tool/lone-subscriber.js';
import { LatencyRecorder } from '../tool/stats.js';
import type { System } from '../tool/system.js';
import type { Prepared, Row, RunContext, Workload } from '../tool/workload.js';

const NS = parseNamespace('bench-delivery/bench/default');
const ITEM = 'value';
const DEFAULT_PUBLISHES = 10;
/** How long one change may take to reach everyone before what has not arrived counts as missed. */
const ARRIVAL_LIMIT_MS = 30_000;

const n = (x: number): string => x.toLocaleString('en-US');

/** Where the changes are made: the leader, unless --target says follower. */
async function writeEndpoint(system: System, ctx: RunContext): Promise<string> {
  const placed = await system.placed(ctx.options.target === 'follower' ? 'follower' : 'leader');
  return placed[0]!;
}

function publishesPerRound(ctx: RunContext): number {
  return ctx.options.total ?? DEFAULT_PUBLISHES;
}

/** A fresh value each change: the program and every subscriber must see it change. */
const valueOf = (round: number, i: number): string => `r${round}-${i}-${Date.now().toString(36)}`;

export const configDeliveryWorkload: Workload = {
  name: 'config-delivery',
  prepare(system, ctx) {
    return system.name === 'etcd' ? prepareEtcd(system, ctx) : prepareLodestone(system, ctx);
  },
};

function rows(label: { delay: string; last: string; write: string }, r: { delays: LatencyRecorder; last: LatencyRecorder; writes: LatencyRecorder; expected: number; missed: number }): Row[] {
  const missing = r.missed > 0 ? { firstError: `${n(r.missed)} of ${n(r.expected)} deliveries missed` } : {};
  return [
    { key: 'delay', label: label.delay, headline: 'p99Ms', count: r.delays.count, errors: r.missed, latency: r.delays.summary(), ...missing },
    { key: 'last', label: label.last, headline: 'p99Ms', count: r.last.count, errors: 0, latency: r.last.summary() },
    { key: 'missed', label: 'deliveries missed (every subscriber must get every change)', headline: 'value', value: r.missed, unit: 'missed' },
    { key: 'write', label: label.write, headline: 'p50Ms', count: r.writes.count, errors: 0, latency: r.writes.summary() },
  ];
}

const LABELS = (watchers: number) => ({
  delay: `change acknowledged → arrival at each of ${n(watchers)} subscribers (Lodestone: publish answered over HTTP → subscribeConfig() snapshot; etcd: put acknowledged → watch event)`,
  last: `change acknowledged → arrival at the last of the ${n(watchers)} subscribers (one figure per change)`,
  write: "the change itself (Lodestone: the publish request, item already set in the draft; etcd: the put)",
});

async function prepareLodestone(system: System, ctx: RunContext): Promise<Prepared> {
  const o = ctx.options;
  const ns = namespaceName(NS);
  const api = new ConfigApi(`http://${await writeEndpoint(system, ctx)}`, ns);
  // A first release, so that subscriptions and the program start with a value.
  const first = valueOf(-1, 0);
  await api.setItem(ITEM, first);
  await api.publish('bench: first release');
  ctx.note(`config-delivery: opening ${n(o.watchers)} config subscriptions over ${system.endpoints.length} members`);
  const opened = performance.now();
  const subscribers = await ConfigSubscribers.open(system.endpoints, ns, o.watchers);
  ctx.note(`config-delivery: ${n(subscribers.count)} subscriptions on ${subscribers.clientCount} clients open in ${((performance.now() - opened) / 1000).toFixed(1)} s`);
  // One plain etcd watcher of the live key beside the subscriptions, on the last member: when the
  // member's event leaves for a lean client, as against when the subscriptions have their snapshots.
  const liveKey = Buffer.from(liveConfigKey(NS, ITEM));
  const plain = new KeyArrivals(system.endpoints[system.endpoints.length - 1]!, liveKey);
  let exec: ExecRestarts | undefined;
  let lone: LoneSubscriber | undefined;
  try {
    await plain.start();
    // Both start their own Node process: side by side.
    exec = await ExecRestarts.start(system.endpoints, ns, ITEM);
    const [started, loneStarted] = await Promise.allSettled([exec.startedWith(first, ARRIVAL_LIMIT_MS), LoneSubscriber.start(system.endpoints, ns)]);
    if (loneStarted.status === 'fulfilled') lone = loneStarted.value;
    else throw loneStarted.reason;
    if (started.status === 'rejected') throw started.reason;
    if (!started.value) throw new Error(`lodestone exec did not start its program: ${exec.lastError}`);
  } catch (e) {
    await exec?.close();
    await lone?.close();
    plain.close();
    await subscribers.close();
    throw e;
  }
  return {
    async round(c, round) {
      const delays = new LatencyRecorder();
      const last = new LatencyRecorder();
      const writes = new LatencyRecorder();
      const restarts = new LatencyRecorder();
      let missed = 0;
      let restartsMissed = 0;
      const publishes = publishesPerRound(c);
      const plainDelays = new LatencyRecorder();
      const loneDelays = new LatencyRecorder();
      for (let i = 0; i < publishes; i++) {
        const value = valueOf(round, i);
        await api.setItem(ITEM, value);
        const p = await api.publish(`bench: round ${round}, change ${i}`);
        writes.record(p.tookMs);
        const answeredEpoch = performance.timeOrigin + p.answeredAt;
        const [, started] = await Promise.all([subscribers.reached(p.release, ARRIVAL_LIMIT_MS), exec!.startedWith(value, ARRIVAL_LIMIT_MS)]);
        const arrivals = subscribers.take(p.release);
        let latest = 0;
        for (const at of arrivals) {
          const d = Math.max(0, at - p.answeredAt);
          delays.record(d);
          latest = Math.max(latest, d);
        }
        missed += subscribers.count - arrivals.length;
        if (arrivals.length === subscribers.count) last.record(latest);
        if (started) restarts.record(Math.max(0, started.epochMs - answeredEpoch));
        else restartsMissed++;
        const plainAt = await plain.arrival(value, ARRIVAL_LIMIT_MS);
        if (plainAt !== undefined) plainDelays.record(Math.max(0, plainAt - p.answeredAt));
        const loneAt = await lone!.arrival(p.release, ARRIVAL_LIMIT_MS);
        if (loneAt !== undefined) loneDelays.record(Math.max(0, loneAt - answeredEpoch));
      }
      return [
        ...rows(LABELS(subscribers.count), { delays, last, writes, expected: publishes * subscribers.count, missed }),
        {
          key: 'exec',
          label: 'publish answered → the program restarted by lodestone exec running with the new value (Lodestone only: etcd has no exec)',
          headline: 'p50Ms',
          count: restarts.count,
          errors: restartsMissed,
          latency: restarts.summary(),
          ...(restartsMissed > 0 ? { firstError: `${restartsMissed} restarts not seen: ${exec!.lastError}` } : {}),
        },
        {
          key: 'plain-watch',
          label: `publish answered → the live key's event at one plain etcd watcher beside the ${n(subscribers.count)} subscriptions (Lodestone only: the member's part of the delay)`,
          headline: 'p50Ms',
          count: plainDelays.count,
          errors: publishes - plainDelays.count,
          latency: plainDelays.summary(),
        },
        {
          key: 'lone',
          label: 'publish answered → the snapshot at one subscription in a process of its own, as a deployed instance has (Lodestone only)',
          headline: 'p50Ms',
          count: loneDelays.count,
          errors: publishes - loneDelays.count,
          latency: loneDelays.summary(),
        },
      ];
    },
    async close() {
      await exec?.close();
      await lone?.close();
      plain.close();
      await subscribers.close();
    },
  };
}

async function prepareEtcd(system: System, ctx: RunContext): Promise<Prepared> {
  const o = ctx.options;
  const key = Buffer.from(liveConfigKey(NS, ITEM));
  const kv = createEtcdClient('KV', await writeEndpoint(system, ctx));
  const fanout = new Fanout(system.endpoints, Array.from({ length: o.watchers }, () => ({ key, range_end: new Uint8Array(0) })));
  try {
    await put(kv, key, valueOf(-1, 0));
    await fanout.start();
  } catch (e) {
    fanout.close();
    kv.close();
    throw e;
  }
  return {
    async round(c, round) {
      const last = new LatencyRecorder();
      const writes = new LatencyRecorder();
      const puts = publishesPerRound(c);
      let expected = 0;
      fanout.phase();
      for (let i = 0; i < puts; i++) {
        const started = performance.now();
        const revision = await put(kv, key, valueOf(round, i));
        const ackAt = performance.now();
        writes.record(ackAt - started);
        fanout.acked(revision, ackAt);
        expected += fanout.watchers;
        await fanout.drained(expected, ARRIVAL_LIMIT_MS, false, 2);
        if (fanout.delivered >= expected) last.record(Math.max(0, fanout.lastArrival - ackAt));
      }
      await fanout.drained(expected, 0);
      const delays = new LatencyRecorder();
      // The Fanout keeps its own samples: its summary stands for them.
      const summary = fanout.delaySummary();
      const missed = Math.max(0, expected - fanout.delivered);
      const base = rows(LABELS(fanout.watchers), { delays, last, writes, expected, missed });
      return [
        { ...base[0]!, count: fanout.delivered, latency: summary },
        ...base.slice(1),
        { key: 'exec', label: '', headline: 'p50Ms', count: 0, errors: 0, latency: new LatencyRecorder().summary(), firstError: 'etcd has no exec: Lodestone only' },
        { key: 'plain-watch', label: '', headline: 'p50Ms', count: 0, errors: 0, latency: new LatencyRecorder().summary() },
        { key: 'lone', label: '', headline: 'p50Ms', count: 0, errors: 0, latency: new LatencyRecorder().summary() },
      ];
    },
    async close() {
      fanout.close();
      kv.close();
    },
  };
}

function put(kv: ServiceClient<'KV'>, key: Buffer, value: string): Promise<number> {
  return new Promise((resolve, reject) =>
    kv.Put({ key, value: Buffer.from(value) }, new Metadata(), (err: ServiceError | null, res?: PutResponse) => {
      if (err) reject(err);
      else resolve(Number(res?.header?.revision ?? NaN));
    }),
  );
}
