// Puts whose acknowledgements a Fanout times events against: --put-rate puts a second (0: as fast
// as --clients in flight allow) for a duration or --total puts, then the wait for their events.
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import type { Outgoing, PutRequest, PutResponse, ServiceClient } from '../../rpc/etcd-api.js';
import { runClosedLoop } from './closed-loop.js';
import type { Fanout } from './fanout.js';
import { loadRow, type Row, type RunContext } from './workload.js';

export interface WatchedPuts {
  readonly label: string;
  readonly kv: ServiceClient<'KV'>;
  readonly fanout: Fanout;
  request(n: number): Outgoing<PutRequest>;
  /** Watchers that see put n's event. */
  watchersOf(n: number): number;
}

export async function runWatchedPuts(spec: WatchedPuts, ctx: RunContext): Promise<Row[]> {
  const o = ctx.options;
  const md = new Metadata();
  const rate = o.putRate;
  const total = o.total ?? (rate > 0 ? Math.max(1, Math.round(rate * o.durationS)) : undefined);
  const clients = rate > 0 ? Math.min(o.clients, Math.max(1, Math.ceil(rate / 50))) : o.clients;
  spec.fanout.phase();
  let expected = 0;
  const started = performance.now();
  const loop = { label: spec.label, clients, durationS: o.durationS, ...(total !== undefined ? { total } : {}), ...(rate > 0 ? { perSecond: rate } : {}) };
  const puts = await runClosedLoop(loop, ctx, (_w, n, done) => {
    spec.kv.Put(spec.request(n), md, (err: ServiceError | null, res?: PutResponse) => {
      if (!err && res?.header) {
        spec.fanout.acked(Number(res.header.revision), performance.now());
        expected += spec.watchersOf(n);
      }
      done(err);
    });
  });
  await spec.fanout.drained(expected, 60_000);
  const seconds = Math.max(1e-9, (spec.fanout.lastArrival - started) / 1000);
  const missing = expected - spec.fanout.delivered;
  return [
    {
      key: 'delay',
      label: `put acknowledged → event, ${spec.fanout.watchers} watchers${rate > 0 ? `, ${rate} puts/s` : ''}`,
      headline: 'p99Ms',
      count: spec.fanout.delivered,
      perSecond: spec.fanout.delivered / seconds,
      errors: Math.max(0, missing),
      latency: spec.fanout.delaySummary(),
      ...(missing > 0 ? { firstError: `${missing} events missing` } : {}),
    },
    loadRow('puts', `  the puts (ack latency)`, puts),
  ];
}
