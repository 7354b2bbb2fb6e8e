// Watch fan-out benchmark: events per second delivered to 1,000 watchers by WatchHub.notify, for
// several shapes of watchers, beside a naive matcher (every event against every watcher) doing the
// same matching in the same run; the time notify() takes per applied batch (what it adds to the
// apply path); apply + notify end to end on a real store; and catching up slow watchers from
// history.
//
//   npx tsx bench/store/watch-bench.ts [--watchers 1000] [--puts 10000] [--batch 100]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openStoreDb } from '../../store/db.js';
import { keySpan, prefixEnd, spanContains, toKeyString, FROM_KEY } from '../../store/mvcc/key-bytes.js';
import { MvccStore, type ApplyItem } from '../../store/mvcc/mvcc-store.js';
import type { HistoryPage, MvccEvent } from '../../store/mvcc/types.js';
import type { WatchSink, WatchSpec } from '../../store/watch/types.js';
import { WatchHub, type WatchableStore } from '../../store/watch/watch-hub.js';

const { values: args } = parseArgs({
  options: {
    watchers: { type: 'string', default: '1000' },
    puts: { type: 'string', default: '10000' },
    batch: { type: 'string', default: '100' },
  },
});
const WATCHERS = Number(args.watchers);
const PUTS = Number(args.puts);
const BATCH = Number(args.batch);

const enc = new TextEncoder();
const VALUE = enc.encode('v'.repeat(32));

function report(name: string, value: string): void {
  console.log(`${name.padEnd(52)} ${value}`);
}

function rate(n: number, seconds: number): string {
  return `${Math.round(n / seconds).toLocaleString('en-US')}/s`;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const spec = (key: Uint8Array, rangeEnd?: Uint8Array): WatchSpec => ({
  key,
  ...(rangeEnd ? { rangeEnd } : {}),
  startRevision: 0,
  prevKv: false,
  noPut: false,
  noDelete: false,
});

/** Which key the i-th put writes, and what the watchers watch. */
interface Shape {
  readonly name: string;
  key(i: number): Uint8Array;
  watcher(i: number): WatchSpec;
}

const dirKey = (dir: number, i: number): Uint8Array => enc.encode(`svc/${String(dir).padStart(5, '0')}/${i % 7}`);
const dirPrefix = (dir: number): Uint8Array => enc.encode(`svc/${String(dir).padStart(5, '0')}/`);

const SHAPES: Shape[] = [
  { name: 'one key each', key: (i) => dirKey(i % WATCHERS, 0), watcher: (i) => spec(dirKey(i, 0)) },
  { name: 'a prefix each', key: (i) => dirKey(i % WATCHERS, i), watcher: (i) => spec(dirPrefix(i), prefixEnd(dirPrefix(i))) },
  { name: 'all on one prefix (1,000 events per put)', key: (i) => dirKey(i % WATCHERS, i), watcher: () => spec(enc.encode('svc/'), prefixEnd(enc.encode('svc/'))) },
  {
    name: 'mixed: keys, prefixes, from-key, ranges',
    key: (i) => dirKey((i * 7919) % WATCHERS, i),
    watcher: (i) => {
      switch (i % 4) {
        case 0:
          return spec(dirKey(i, 0));
        case 1:
          return spec(dirPrefix(i), prefixEnd(dirPrefix(i)));
        case 2:
          return spec(dirPrefix(WATCHERS - 1 - Math.floor(i / 40)), FROM_KEY);
        default:
          return spec(dirPrefix(i), dirPrefix(i + 25));
      }
    },
  },
];

class CountingSink implements WatchSink {
  events = 0;
  onEvents(events: readonly MvccEvent[]): boolean {
    this.events += events.length;
    return true;
  }
  onCompacted(): void {}
}

/** Applied batches of puts, made up front (no store), so that only the fan-out is timed. */
function makeBatches(shape: Shape): MvccEvent[][] {
  const batches: MvccEvent[][] = [];
  for (let start = 0; start < PUTS; start += BATCH) {
    const events: MvccEvent[] = [];
    for (let i = start; i < Math.min(PUTS, start + BATCH); i++) {
      const rev = i + 2;
      events.push({ type: 'put', kv: { key: shape.key(i), value: VALUE, createRevision: rev, modRevision: rev, version: 1, lease: 0n } });
    }
    batches.push(events);
  }
  return batches;
}

/** A store that is never read: live watchers never catch up. */
const NO_STORE: WatchableStore = {
  revision: 1,
  compactRevision: 0,
  history: (): Promise<HistoryPage> => Promise.reject(new Error('not read in this benchmark')),
};

function hubFanOut(shape: Shape, batches: readonly MvccEvent[][]): { delivered: number; seconds: number; cpuSeconds: number; notifyMs: number[] } {
  const hub = new WatchHub(NO_STORE);
  const sinks = Array.from({ length: WATCHERS }, () => new CountingSink());
  sinks.forEach((s, i) => hub.watch(shape.watcher(i), s));
  const notifyMs: number[] = [];
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (const events of batches) {
    const t = performance.now();
    hub.notify(events, events[events.length - 1]!.kv.modRevision);
    notifyMs.push(performance.now() - t);
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  hub.close();
  return { delivered: sinks.reduce((n, s) => n + s.events, 0), seconds, cpuSeconds: (used.user + used.system) / 1e6, notifyMs };
}

/** Every event against every watcher: what the hub's grouping and span index avoid. */
function naiveFanOut(shape: Shape, batches: readonly MvccEvent[][]): { delivered: number; seconds: number } {
  const spans = Array.from({ length: WATCHERS }, (_, i) => {
    const s = shape.watcher(i);
    return keySpan(s.key, s.rangeEnd);
  });
  const sinks = Array.from({ length: WATCHERS }, () => new CountingSink());
  const started = performance.now();
  for (const events of batches) {
    const keys = events.map((e) => toKeyString(e.kv.key));
    for (let w = 0; w < WATCHERS; w++) {
      const mine: MvccEvent[] = [];
      for (let i = 0; i < events.length; i++) if (spanContains(spans[w]!, keys[i]!)) mine.push(events[i]!);
      if (mine.length > 0) sinks[w]!.onEvents(mine);
    }
  }
  return { delivered: sinks.reduce((n, s) => n + s.events, 0), seconds: (performance.now() - started) / 1000 };
}

async function withStore<T>(run: (store: MvccStore) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'lodestone-watch-bench-'));
  const db = await openStoreDb(dir);
  const store = await MvccStore.open(db);
  try {
    return await run(store);
  } finally {
    await store.close();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function applyPuts(store: MvccStore, shape: Shape, hub: WatchHub | undefined): Promise<number> {
  let index = store.appliedIndex;
  const started = performance.now();
  for (let start = 0; start < PUTS; start += BATCH) {
    const items: ApplyItem[] = [];
    for (let i = start; i < Math.min(PUTS, start + BATCH); i++) items.push({ index: ++index, request: { type: 'put', request: { key: shape.key(i), value: VALUE } } });
    const outcomes = await store.applyBatch(items, { sync: false });
    if (hub) hub.notify(outcomes.flatMap((o) => (o.status === 'applied' ? o.events : [])), store.revision);
  }
  return (performance.now() - started) / 1000;
}

async function endToEnd(shape: Shape): Promise<void> {
  // Apply alone, before and after, the faster counting (the first run also warms up).
  const before = await withStore((store) => applyPuts(store, shape, undefined));
  const after = await withStore((store) => applyPuts(store, shape, undefined));
  const applyOnly = Math.min(before, after);
  await withStore(async (store) => {
    const hub = new WatchHub(store);
    const sinks = Array.from({ length: WATCHERS }, () => new CountingSink());
    sinks.forEach((s, i) => hub.watch(shape.watcher(i), s));
    const seconds = await applyPuts(store, shape, hub);
    const delivered = sinks.reduce((n, s) => n + s.events, 0);
    report(`  apply + notify, ${shape.name}`, `${seconds.toFixed(2)} s (apply alone ${applyOnly.toFixed(2)} s), ${rate(delivered, seconds)} delivered`);
    hub.close();
  });
}

/** Every watcher starts at revision 2 after the puts: all of them catch up from history at once. */
async function catchUp(shape: Shape): Promise<void> {
  await withStore(async (store) => {
    await applyPuts(store, shape, undefined);
    const hub = new WatchHub(store);
    const sinks = Array.from({ length: WATCHERS }, () => new CountingSink());
    const started = performance.now();
    sinks.forEach((s, i) => hub.watch({ ...shape.watcher(i), startRevision: 2 }, s));
    await hub.settled();
    const seconds = (performance.now() - started) / 1000;
    const delivered = sinks.reduce((n, s) => n + s.events, 0);
    report(`  catch-up from history, ${shape.name}`, `${seconds.toFixed(2)} s, ${rate(delivered, seconds)} delivered`);
    hub.close();
  });
}

console.log(`watch fan-out: ${WATCHERS} watchers, ${PUTS} puts in batches of ${BATCH}`);
console.log('notify() only (events made up front):');
for (const shape of SHAPES) {
  const batches = makeBatches(shape);
  hubFanOut(shape, batches); // warm-up
  const hub = hubFanOut(shape, batches);
  const naive = naiveFanOut(shape, batches);
  if (naive.delivered !== hub.delivered) throw new Error(`${shape.name}: hub delivered ${hub.delivered}, naive ${naive.delivered}`);
  const sorted = [...hub.notifyMs].sort((a, b) => a - b);
  report(
    `  ${shape.name}`,
    `${rate(hub.delivered, hub.seconds)} delivered (cpu ${rate(hub.delivered, hub.cpuSeconds)}; naive ${rate(naive.delivered, naive.seconds)}); ` +
      `notify per batch p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms`,
  );
}
console.log('with a store:');
for (const shape of [SHAPES[0]!, SHAPES[3]!]) await endToEnd(shape);
for (const shape of [SHAPES[1]!, SHAPES[2]!]) await catchUp(shape);
