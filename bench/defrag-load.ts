// Defragment under a steady put load, against one member (Lodestone or etcd alike, over gRPC):
// fill the store, delete most of it and compact, then run closed-loop puts, call Defragment on the
// member halfway, and record every acknowledgement's time. What it reports: how long Defragment
// took, the member's dbSize before and after, the puts acknowledged while it ran, the longest gap
// between two acknowledgements around it, and the p99 put latency before and during it.
import { randomBytes } from 'node:crypto';
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { createEtcdClient, type ServiceClient, type StatusResponse } from '../rpc/etcd-api.js';

export interface DefragLoadOptions {
  /** Keys written before the deletes. */
  readonly keys: number;
  readonly valueBytes: number;
  /** The share of the keys deleted before compacting (0.9: nine in ten). */
  readonly deleteShare: number;
  /** Puts in flight during the load. */
  readonly concurrency: number;
  /** Seconds of load before Defragment is called (the baseline), and after it returns. */
  readonly baselineSeconds: number;
  readonly afterSeconds: number;
}

export interface DefragLoadResult {
  readonly defragMs: number;
  readonly dbSizeBefore: number;
  readonly dbSizeAfter: number;
  readonly dbSizeInUseBefore: number;
  readonly dbSizeInUseAfter: number;
  /** Puts whose acknowledgement arrived while Defragment ran. */
  readonly putsDuringDefrag: number;
  /** The longest time without any acknowledgement, from the last one before Defragment to the first one after it. */
  readonly longestGapMs: number;
  /** p99 of the puts answered before Defragment was called. */
  readonly p99BeforeMs: number;
  /** p99 of the puts in flight at any moment while it ran. */
  readonly p99DuringMs: number;
  readonly putErrors: number;
  readonly firstError?: string;
}

const FILL_IN_FLIGHT = 64;
/** Keys deleted per DeleteRange, so that no single entry carries the whole delete. */
const DELETE_CHUNK = 10_000;

function call<Res>(invoke: (cb: (err: ServiceError | null, res?: Res) => void) => void): Promise<Res> {
  return new Promise((resolve, reject) => invoke((err, res) => (err || res === undefined ? reject(new Error(err?.details ?? 'empty response')) : resolve(res))));
}

const opts = (seconds = 60): { deadline: number } => ({ deadline: Date.now() + seconds * 1000 });
const fillKey = (i: number): Buffer => Buffer.from(`defrag/fill/${String(i).padStart(8, '0')}`);

function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const sorted = Float64Array.from(xs).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Values of random bytes, a fresh one each time: LevelDB compresses its tables and bbolt does not,
 * so values that compress would make Lodestone's files look smaller than the same data in etcd's.
 */
const valueOf = (bytes: number): Buffer => randomBytes(bytes);

async function fill(kv: ServiceClient<'KV'>, keys: number, valueBytes: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys) {
      const key = fillKey(next++);
      await call((cb) => kv.Put({ key, value: valueOf(valueBytes) }, new Metadata(), opts(), cb));
    }
  };
  await Promise.all(Array.from({ length: FILL_IN_FLIGHT }, worker));
}

async function deleteAndCompact(kv: ServiceClient<'KV'>, upTo: number): Promise<void> {
  for (let from = 0; from < upTo; from += DELETE_CHUNK) {
    const end = Math.min(upTo, from + DELETE_CHUNK);
    await call((cb) => kv.DeleteRange({ key: fillKey(from), range_end: fillKey(end), prev_kv: false }, new Metadata(), opts(), cb));
  }
  const probe = await call<{ header: { revision: string } | null }>((cb) => kv.Range({ key: fillKey(0), serializable: false }, new Metadata(), opts(), cb));
  // Physical: answered once the compacted revisions are gone, as etcdctl compaction --physical waits.
  await call((cb) => kv.Compact({ revision: probe.header!.revision, physical: true }, new Metadata(), opts(120), cb));
}

async function status(m: ServiceClient<'Maintenance'>): Promise<StatusResponse> {
  return call<StatusResponse>((cb) => m.Status({}, new Metadata(), opts(), cb));
}

/** Prepares the member at `endpoint` (fill, delete, compact), then measures Defragment under puts. */
export async function measureDefragUnderLoad(endpoint: string, o: DefragLoadOptions): Promise<DefragLoadResult> {
  const kv = createEtcdClient('KV', endpoint);
  const loadKv = createEtcdClient('KV', endpoint, { channelOptions: { 'grpc.use_local_subchannel_pool': 1 } });
  const maintenance = createEtcdClient('Maintenance', endpoint, { channelOptions: { 'grpc.use_local_subchannel_pool': 1 } });
  try {
    await fill(kv, o.keys, o.valueBytes);
    await deleteAndCompact(kv, Math.floor(o.keys * o.deleteShare));
    // Let both settle (etcd's compaction and Lodestone's purge run behind the answer).
    await new Promise((r) => setTimeout(r, 2000));
    const before = await status(maintenance);

    const acks: number[] = [];
    const latencies: { at: number; ms: number }[] = [];
    let errors = 0;
    let firstError: string | undefined;
    let stop = false;
    const worker = async (w: number): Promise<void> => {
      let n = 0;
      while (!stop) {
        const key = Buffer.from(`defrag/load/${w}/${n++ % 1000}`);
        const t0 = performance.now();
        try {
          await call((cb) => loadKv.Put({ key, value: valueOf(o.valueBytes) }, new Metadata(), opts(), cb));
          const t1 = performance.now();
          acks.push(t1);
          latencies.push({ at: t0, ms: t1 - t0 });
        } catch (e) {
          errors++;
          firstError ??= e instanceof Error ? e.message : String(e);
        }
      }
    };
    const workers = Promise.all(Array.from({ length: o.concurrency }, (_, w) => worker(w)));
    const loadStarted = performance.now();
    await new Promise((r) => setTimeout(r, o.baselineSeconds * 1000));
    const defragStarted = performance.now();
    await call((cb) => maintenance.Defragment({}, new Metadata(), opts(300), cb));
    const defragEnded = performance.now();
    await new Promise((r) => setTimeout(r, o.afterSeconds * 1000));
    stop = true;
    await workers;
    // etcd measures its size again after a defragment; Lodestone does too. One more Status either way.
    const after = await status(maintenance);

    const sortedAcks = [...acks].sort((a, b) => a - b);
    const lastBefore = sortedAcks.filter((t) => t < defragStarted).pop() ?? loadStarted;
    const firstAfter = sortedAcks.find((t) => t > defragEnded) ?? defragEnded;
    let longestGap = 0;
    let previous = lastBefore;
    for (const t of sortedAcks) {
      if (t <= lastBefore) continue;
      if (t > firstAfter) break;
      longestGap = Math.max(longestGap, t - previous);
      previous = t;
    }
    return {
      defragMs: defragEnded - defragStarted,
      dbSizeBefore: Number(before.dbSize),
      dbSizeAfter: Number(after.dbSize),
      dbSizeInUseBefore: Number(before.dbSizeInUse),
      dbSizeInUseAfter: Number(after.dbSizeInUse),
      putsDuringDefrag: acks.filter((t) => t >= defragStarted && t <= defragEnded).length,
      longestGapMs: longestGap,
      // Before: puts answered before Defragment was called; during: puts in flight at any moment of it.
      p99BeforeMs: percentile(latencies.filter((l) => l.at + l.ms < defragStarted).map((l) => l.ms), 99),
      p99DuringMs: percentile(latencies.filter((l) => l.at <= defragEnded && l.at + l.ms >= defragStarted).map((l) => l.ms), 99),
      putErrors: errors,
      ...(firstError !== undefined ? { firstError } : {}),
    };
  } finally {
    kv.close();
    loadKv.close();
    maintenance.close();
  }
}
