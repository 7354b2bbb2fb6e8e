// The Watch protocol beside a real etcd: one script of watch requests and writes runs against
// etcd 3.4 and against Lodestone as one member and as three (through a follower), and what each
// answered is compared step by step. Within a step the responses are compared as a sorted list,
// since etcd sends one revision's responses for several watchers in no fixed order.
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { createEtcdClient, type ServiceClient, type WatchResponse } from '../../rpc/etcd-api.js';
import { useClustersBesideEtcd } from '../support/beside-etcd.js';
import { checkBinaries } from '../support/binaries.js';
import { RawWatchStream, watchClient } from './watch-test-client.js';

const b = (s: string): Buffer => Buffer.from(s);

type Kv = ServiceClient<'KV'>;

function call<Res>(invoke: (cb: (err: ServiceError | null, res?: Res) => void) => void): Promise<Res> {
  return new Promise((resolve, reject) => invoke((err, res) => (err ? reject(err) : resolve(res!))));
}

interface Step {
  readonly name: string;
  run(watch: RawWatchStream, kv: Kv): Promise<void>;
  /** The step sends a progress request of its own. */
  readonly asksProgress?: boolean;
}

const deadline = () => ({ deadline: Date.now() + 10_000 });
const put = (kv: Kv, key: string, value: string) => call((cb) => kv.Put({ key: b(key), value: b(value) }, new Metadata(), deadline(), cb));
const step = (name: string, run: Step['run']): Step => ({ name, run });
const send =
  (...requests: ((w: RawWatchStream) => void)[]): Step['run'] =>
  async (w) => {
    for (const r of requests) r(w);
  };

/** etcd splits fragment=true responses at --max-request-bytes plus 512 KiB; every cluster runs with this. */
const MAX_REQUEST_BYTES = 200_000;
/** Eight deletions carrying such values weigh more than that limit (724,288 bytes); seven weigh less, by a margin. */
const LARGE_VALUE_BYTES = 100 * 1024;

const SCRIPT: readonly Step[] = [
  step('create with a server-chosen id', send((w) => w.create({ key: b('a') }))),
  step('create with a client-chosen id', send((w) => w.create({ key: b('a'), watch_id: '5' }))),
  step('create with an id in use', send((w) => w.create({ key: b('a'), watch_id: '5' }))),
  step('two more server-chosen ids', send((w) => w.create({ key: b('a') }), (w) => w.create({ key: b('a') }))),
  step('an empty range', send((w) => w.create({ key: b('b'), range_end: b('a') }))),
  step('a prefix watcher with prev_kv', send((w) => w.create({ key: b('p/'), range_end: b('p0'), prev_kv: true }))),
  step('a NOPUT watcher', send((w) => w.create({ key: b('a'), filters: ['NOPUT'] }))),
  { ...step('a progress request', send((w) => w.requestProgress())), asksProgress: true },
  step('a put', async (_w, kv) => {
    await put(kv, 'a', 'x');
  }),
  step('a txn of two puts under the prefix', async (_w, kv) => {
    const ops = ['p/1', 'p/2'].map((key) => ({ request_put: { key: b(key), value: b('v') } }));
    await call((cb) => kv.Txn({ success: ops }, new Metadata(), deadline(), cb));
  }),
  step('overwrite under the prefix', async (_w, kv) => {
    await put(kv, 'p/1', 'w');
  }),
  step('a delete', async (_w, kv) => {
    await call((cb) => kv.DeleteRange({ key: b('a') }, new Metadata(), deadline(), cb));
  }),
  step('cancel a watcher', send((w) => w.cancel('5'))),
  step('cancel an unknown id, then create', send((w) => w.cancel('99'), (w) => w.create({ key: b('a') }))),
  step('create from a compacted revision', async (w, kv) => {
    await call((cb) => kv.Compact({ revision: '3' }, new Metadata(), deadline(), cb));
    w.create({ key: b('p/'), range_end: b('p0'), start_revision: '2' });
  }),
  step('create from the compaction revision: history replayed', send((w) => w.create({ key: b('p/'), range_end: b('p0'), start_revision: '3' }))),
  step('a fragment=true watcher with prev_kv', send((w) => w.create({ key: b('f/'), range_end: b('f0'), prev_kv: true, fragment: true }))),
  step('large values under its prefix', async (_w, kv) => {
    for (let i = 0; i < 8; i++) await put(kv, `f/${i}`, String(i).repeat(LARGE_VALUE_BYTES));
  }),
  step('deleting them all: a response past the limit, in fragments', async (_w, kv) => {
    await call((cb) => kv.DeleteRange({ key: b('f/'), range_end: b('f0') }, new Metadata(), deadline(), cb));
  }),
];

/** A response with what differs between servers by design (cluster and member ids, term) left out. */
function normalize(r: WatchResponse): string {
  const show = (value: Buffer): string => (value.length > 32 ? `<${value.length} bytes>` : value.toString());
  const events = r.events.map((e) => {
    const kv = e.kv!;
    const prev = e.prev_kv ? ` prev=${show(e.prev_kv.value)}@${e.prev_kv.mod_revision}` : '';
    return `${e.type} ${kv.key}=${show(kv.value)} c${kv.create_revision} m${kv.mod_revision} v${kv.version}${prev}`;
  });
  const flags = [r.created && 'created', r.canceled && 'canceled', r.fragment && 'fragment'].filter(Boolean).join(',');
  return `id=${r.watch_id} rev=${r.header?.revision} [${flags}] compact=${r.compact_revision} reason="${r.cancel_reason}" {${events.join('; ')}}`;
}

interface Run {
  /** Each step's responses, normalized and sorted, after the step's name. */
  readonly steps: string[][];
  /** How many responses each step brought. */
  readonly counts: number[];
}

/** The next `count` responses, or a failure naming the step if they do not all come. */
async function takeWithin(watch: RawWatchStream, count: number, step: string): Promise<WatchResponse[]> {
  const got: WatchResponse[] = [];
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`step "${step}": ${got.length} of ${count} responses within 20 s`)), 20_000);
  });
  try {
    while (got.length < count) got.push(await Promise.race([watch.next(), limit]));
    return got;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs the script. Lodestone sends everything a step causes before it answers a progress request,
 * so one more progress request marks the end of each step (after the step's own progress answer, if
 * any). etcd may answer a progress request ahead of events already due, so against etcd each step's
 * responses are taken until `counts[step]` arrived: the counts Lodestone's run found.
 */
async function runScript(endpoint: string, counts?: readonly number[]): Promise<Run> {
  const kv = createEtcdClient('KV', endpoint);
  const watch = new RawWatchStream(watchClient(endpoint));
  const steps: string[][] = [];
  const seen: number[] = [];
  const untilProgress = async (answers: number): Promise<WatchResponse[]> => {
    watch.requestProgress();
    const got: WatchResponse[] = [];
    let progress = answers;
    for (;;) {
      const r = await watch.next();
      if (r.watch_id === '-1' && !r.created && --progress === 0) return got;
      got.push(r);
    }
  };
  try {
    for (const [i, s] of SCRIPT.entries()) {
      await s.run(watch, kv);
      const got = counts ? await takeWithin(watch, counts[i]!, s.name) : await untilProgress(s.asksProgress ? 2 : 1);
      seen.push(got.length);
      steps.push([`# ${s.name}`, ...got.map(normalize).sort()]);
    }
    // What etcd sends beyond the counted responses, before it answers one more progress request,
    // shows as a difference in the last step.
    if (counts) steps[steps.length - 1]!.push(...(await untilProgress(1)).map(normalize).sort());
  } finally {
    watch.close();
    kv.close();
  }
  return { steps, counts: seen };
}

const binaries = checkBinaries(['etcd'], 'comparing the Watch protocol with a real etcd');

describe.skipIf(!binaries.run)('the Watch protocol beside a real etcd', () => {
  const clusters = useClustersBesideEtcd(binaries, { extraArgs: ['--max-request-bytes', String(MAX_REQUEST_BYTES)] });
  const [one, three] = clusters.lodestone;
  let etcd: Promise<Run> | undefined;

  it(`${one.label} answers the script as etcd does`, async () => {
    const ours = await runScript(one.endpoint);
    etcd = runScript(clusters.etcd.endpoint, ours.counts);
    expect(ours.steps).toEqual((await etcd).steps);
  });

  it(`${three.label} answers the script as etcd does`, async () => {
    if (!etcd) throw new Error(`etcd ran the script in the test of ${one.label}, which did not get that far`);
    const theirs = await etcd;
    const ours = await runScript(three.endpoint);
    expect(ours.steps).toEqual(theirs.steps);
    expect(ours.counts).toEqual(theirs.counts);
  });
});
