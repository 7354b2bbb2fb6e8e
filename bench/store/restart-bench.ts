// Restart after a crash, on the store alone: the time to open after the process died without
// closing the store (as after kill -9), when the index must be rebuilt from every revision and when
// a periodic index checkpoint covers all but the last `--tail` revisions; plus what writing that
// checkpoint costs while the store runs: its time, its size, and the longest the event loop was held
// (the worst lateness of a 10 ms interval timer), alone and with writes going on.
//
//   npx tsx bench/store/restart-bench.ts [--keys 1000000] [--value-bytes 256] [--tail 50000] [--write-batch 100]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openStoreDb, type StoreDb } from '../../store/db.js';
import { StateSpace } from '../../store/keyspace.js';
import { decodeMarker } from '../../store/mvcc/index-checkpoint.js';
import { MvccStore, type ApplyItem, type MvccOptions } from '../../store/mvcc/mvcc-store.js';
import { Stopwatch } from './stopwatch.js';

const { values: args } = parseArgs({
  options: {
    keys: { type: 'string', default: '1000000' },
    'value-bytes': { type: 'string', default: '256' },
    tail: { type: 'string', default: '50000' },
    batch: { type: 'string', default: '1000' },
    'write-batch': { type: 'string', default: '100' },
  },
});
const KEYS = Number(args.keys);
const VALUE_BYTES = Number(args['value-bytes']);
const TAIL = Number(args.tail);
const BATCH = Number(args.batch);
/** Puts per apply batch while a checkpoint is written: about what one raft Ready commits under load. */
const WRITE_BATCH = Number(args['write-batch']);
// Periodic checkpoints off: the bench says when one is written.
const OPTIONS: MvccOptions = { checkpoint: { everyChanges: Number.MAX_SAFE_INTEGER } };

const enc = new TextEncoder();
const keyOf = (i: number): Uint8Array => enc.encode(`bench/${String(Math.floor(i / 1000)).padStart(4, '0')}/${String(i % 1000).padStart(3, '0')}`);
const value = new Uint8Array(VALUE_BYTES).fill(0x61);

function report(name: string, text: string): void {
  console.log(`${name.padEnd(52)} ${text}`);
}

/**
 * The worst lateness of a 10 ms interval timer while it runs (how long the event loop was held),
 * and the longest garbage collection pause meanwhile, which accounts for part of it.
 */
class LoopStall {
  private worst = 0;
  private worstGc = 0;
  private last = performance.now();
  private readonly timer = setInterval(() => {
    const now = performance.now();
    this.worst = Math.max(this.worst, now - this.last - 10);
    this.last = now;
  }, 10);
  private readonly gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) this.worstGc = Math.max(this.worstGc, e.duration);
  });

  constructor() {
    this.gc.observe({ entryTypes: ['gc'] });
  }

  stop(): string {
    clearInterval(this.timer);
    this.gc.disconnect();
    return `event loop held at most ${this.worst.toFixed(1)} ms (longest GC pause ${this.worstGc.toFixed(1)} ms)`;
  }
}

/** Puts `count` values: keys i..i+count of the key set when `fresh`, else keys spread over it. */
async function applyPuts(store: MvccStore, count: number, fresh: boolean, batch = BATCH): Promise<void> {
  let index = store.appliedIndex;
  for (let i = 0; i < count; i += batch) {
    const items: ApplyItem[] = [];
    for (let j = i; j < Math.min(count, i + batch); j++) {
      const k = fresh ? j : (Math.imul(j + 1, 2654435761) >>> 0) % KEYS;
      items.push({ index: ++index, request: { type: 'put', request: { key: keyOf(k), value } } });
    }
    await store.applyBatch(items, { sync: false });
  }
}

async function checkpointBytes(db: StoreDb): Promise<string> {
  const space = new StateSpace(1);
  const marker = decodeMarker((await db.get(space.indexCheckpointMarkerKey()))!);
  let bytes = 0;
  for await (const v of db.values(space.indexCheckpointSlot(marker.slot))) bytes += v.length;
  return `${(bytes / 1e6).toFixed(1)} MB in ${marker.chunks} chunks`;
}

/** Runs `work` while batches of puts are applied back to back; the loop's worst stall meanwhile. */
async function withWrites(store: MvccStore, work: () => Promise<unknown>): Promise<{ time: string; stall: string; written: number }> {
  const stall = new LoopStall();
  let writing = true;
  let written = 0;
  const writer = (async () => {
    while (writing) {
      await applyPuts(store, WRITE_BATCH, false, WRITE_BATCH);
      written += WRITE_BATCH;
    }
  })();
  const t = new Stopwatch();
  await work();
  const time = `${t}`;
  writing = false;
  await writer;
  return { time, stall: stall.stop(), written };
}

/** Closes the database under the store, as a killed process leaves it, and opens it again. */
async function crashAndOpen(db: StoreDb, dir: string): Promise<{ db: StoreDb; store: MvccStore; watch: Stopwatch }> {
  await db.close();
  global.gc?.();
  const watch = new Stopwatch();
  const reopened = await openStoreDb(dir);
  const store = await MvccStore.open(reopened, OPTIONS);
  return { db: reopened, store, watch };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lodestone-bench-restart-'));
  let db = await openStoreDb(dir);
  let store = await MvccStore.open(db, OPTIONS);
  try {
    console.log(`keys ${KEYS}, value ${VALUE_BYTES} bytes, tail ${TAIL} revisions, node ${process.version}`);
    let t = new Stopwatch();
    await applyPuts(store, KEYS, true);
    report('load', `${t}`);

    ({ db, store, watch: t } = await crashAndOpen(db, dir));
    report('open after a crash, no checkpoint (every revision)', `${t}, ${store.revisionRecordsReplayed} records (${store.indexRestoredFrom})`);

    // Writes going on meanwhile, as on a member: the checkpoint's slices wait for each apply batch.
    // The same writes alone first, for how long they hold the event loop by themselves.
    const writesAlone = await withWrites(store, () => new Promise((resolve) => setTimeout(resolve, 3000)));
    report('writes alone for 3 s', `${writesAlone.stall}, ${writesAlone.written} puts`);
    const during = await withWrites(store, () => store.checkpointIndex());
    report('checkpoint, writes going on', `${during.time}, ${during.stall}, ${during.written} puts meanwhile`);

    const stall = new LoopStall();
    t = new Stopwatch();
    await store.checkpointIndex();
    report('checkpoint, store idle', `${t}, ${stall.stop()}, ${await checkpointBytes(db)}`);

    t = new Stopwatch();
    await applyPuts(store, TAIL, false);
    report(`${TAIL} more puts (the tail)`, `${t}`);

    ({ db, store, watch: t } = await crashAndOpen(db, dir));
    report('open after a crash, checkpoint + tail', `${t}, ${store.revisionRecordsReplayed} records replayed (${store.indexRestoredFrom})`);

    t = new Stopwatch();
    await store.close();
    report('clean close (writes the checkpoint)', `${t}`);
    await db.close();
    global.gc?.();
    t = new Stopwatch();
    db = await openStoreDb(dir);
    store = await MvccStore.open(db, OPTIONS);
    report('open after a clean close', `${t}, ${store.revisionRecordsReplayed} records replayed (${store.indexRestoredFrom})`);
  } finally {
    await store.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
