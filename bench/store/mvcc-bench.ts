// Storage benchmark: apply throughput of batched puts, range latency over the loaded keys, state
// snapshot and install time, disk bytes per key, restart time (index rebuilt from every revision
// after a crash, or read from the checkpoint after a clean close) and index heap per key.
//
//   npx tsx bench/store/mvcc-bench.ts [--keys 1000000] [--value-bytes 64] [--batch 1000]
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openStoreDb, type StoreDb } from '../../store/db.js';
import { MvccStore, type ApplyItem, type MvccOptions } from '../../store/mvcc/mvcc-store.js';
import { prefixEnd } from '../../store/mvcc/key-bytes.js';
import type { RangeRequest } from '../../store/mvcc/types.js';
import { Stopwatch } from './stopwatch.js';

const { values: args } = parseArgs({
  options: {
    keys: { type: 'string', default: '1000000' },
    'value-bytes': { type: 'string', default: '64' },
    batch: { type: 'string', default: '1000' },
    samples: { type: 'string', default: '5000' },
  },
});
const KEYS = Number(args.keys);
const VALUE_BYTES = Number(args['value-bytes']);
const BATCH = Number(args.batch);
const SAMPLES = Number(args.samples);

const enc = new TextEncoder();
const keyOf = (i: number): Uint8Array => enc.encode(`bench/${String(Math.floor(i / 1000)).padStart(4, '0')}/${String(i % 1000).padStart(3, '0')}`);

// No periodic index checkpoints, so that the restart after a crash below replays every revision
// (bench/store/restart-bench.ts measures the restart from a checkpoint).
const STORE_OPTIONS: MvccOptions = { checkpoint: { everyChanges: Number.MAX_SAFE_INTEGER } };

const makeTempDir = (label: string): Promise<string> => mkdtemp(join(tmpdir(), `lodestone-${label}-`));
const removeDir = (dir: string): Promise<void> => rm(dir, { recursive: true, force: true });

function report(name: string, value: string): void {
  console.log(`${name.padEnd(44)} ${value}`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
}

async function applyPuts(store: MvccStore, sync: boolean): Promise<Stopwatch> {
  const value = new Uint8Array(VALUE_BYTES).fill(0x61);
  let index = store.appliedIndex;
  const watch = new Stopwatch();
  for (let i = 0; i < KEYS; i += BATCH) {
    const items: ApplyItem[] = [];
    for (let j = i; j < Math.min(KEYS, i + BATCH); j++) items.push({ index: ++index, request: { type: 'put', request: { key: keyOf(j), value } } });
    await store.applyBatch(items, { sync });
  }
  return watch;
}

async function latency(store: MvccStore, name: string, make: (i: number) => RangeRequest): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const req = make(i);
    const t = performance.now();
    await store.range(req);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  report(`range ${name}`, `p50 ${percentile(times, 50).toFixed(3)} ms   p99 ${percentile(times, 99).toFixed(3)} ms`);
}

async function main(): Promise<void> {
  const dir = await makeTempDir('bench-mvcc');
  let db: StoreDb = await openStoreDb(dir);
  let store = await MvccStore.open(db, STORE_OPTIONS);
  try {
    console.log(`keys ${KEYS}, value ${VALUE_BYTES} bytes, ${BATCH} puts per applyBatch (one revision each), node ${process.version}`);

    const load = await applyPuts(store, true);
    report('apply: batched puts, synced', `${Math.round(KEYS / load.seconds)} puts/s, ${load}`);
    const overwrite = await applyPuts(store, false);
    report('apply: batched overwrites, not synced', `${Math.round(KEYS / overwrite.seconds)} puts/s, ${overwrite}`);

    const random = (i: number) => (Math.imul(i + 1, 2654435761) >>> 0) % KEYS;
    await latency(store, 'one key', (i) => ({ key: keyOf(random(i)) }));
    await latency(store, 'one key at a past revision', (i) => ({ key: keyOf(random(i)), revision: 2 + random(i) }));
    await latency(store, 'prefix of 1000 keys, limit 100', (i) => {
      const prefix = keyOf(random(i)).slice(0, 10);
      return { key: prefix, rangeEnd: prefixEnd(prefix), limit: 100 };
    });
    await latency(store, 'prefix of 1000 keys, count only', (i) => {
      const prefix = keyOf(random(i)).slice(0, 10);
      return { key: prefix, rangeEnd: prefixEnd(prefix), countOnly: true };
    });

    let t = new Stopwatch();
    const snap = await store.snapshot();
    let snapBytes = 0;
    const chunks: Uint8Array[] = [];
    for await (const chunk of snap) {
      snapBytes += chunk.length;
      chunks.push(chunk);
    }
    report('snapshot: stream the whole state', `${t}, ${(snapBytes / 1e6).toFixed(0)} MB`);

    const targetDir = await makeTempDir('bench-mvcc-target');
    const targetDb = await openStoreDb(targetDir);
    const target = await MvccStore.open(targetDb);
    t = new Stopwatch();
    await target.installSnapshot(
      (async function* () {
        yield* chunks;
      })(),
    );
    report('snapshot: install into an empty store', `${t}`);
    chunks.length = 0;
    await target.close();
    await targetDb.close();
    await removeDir(targetDir);

    // A crash: the database closes under the store, which writes no index checkpoint.
    await db.close();
    report('disk: bytes per key (2 revisions each)', `${((await dirBytes(dir)) / KEYS).toFixed(1)} B`);

    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    t = new Stopwatch();
    db = await openStoreDb(dir);
    store = await MvccStore.open(db, STORE_OPTIONS);
    report('restart after a crash: replay every revision', `${t} for ${store.indexedKeys} keys (${store.indexRestoredFrom})`);
    global.gc?.();
    report('index heap', `${((process.memoryUsage().heapUsed - heapBefore) / KEYS).toFixed(0)} B per key${global.gc ? '' : ' (run node with --expose-gc for a cleaner figure)'}`);

    t = new Stopwatch();
    await store.close();
    await db.close();
    report('clean close: write the index checkpoint', `${t}`);
    t = new Stopwatch();
    db = await openStoreDb(dir);
    store = await MvccStore.open(db, STORE_OPTIONS);
    report('restart after a clean close', `${t} for ${store.indexedKeys} keys (${store.indexRestoredFrom})`);
  } finally {
    await store.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    await removeDir(dir);
  }
}

await main();
