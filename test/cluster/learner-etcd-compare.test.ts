// What a learner answers, beside a real etcd 3.4: one member, a learner added with `etcdctl member
// add --learner` and started with --initial-cluster-state existing, then etcdctl (and two raw gRPC
// streams) against the learner's client URL. etcd 3.4 serves a learner Status and serializable
// reads only; everything else — writes, linearizable reads, leases, watch streams, the Cluster and
// the rest of the Maintenance API, locks — is refused with "etcdserver: rpc not supported for
// learner" (gRPC Unavailable). The same script runs against etcd and Lodestone, side by side, and
// each step's outcome (exit code, output, error line), ids and addresses masked, must be the same.
import { Metadata, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtcdClient, type RangeResponse, type StatusResponse } from '../../rpc/etcd-api.js';
import { KNOWN_DIFFERENCES, knownDifference } from '../compat/known-differences.js';
import { errorLine, etcdctl, spawnEtcdctl, stopAllEtcdctl } from '../compat/etcdctl-runner.js';
import { checkBinaries } from '../support/binaries.js';
import { TestCluster, type ClusterMember, type Implementation } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { Masker } from '../support/masker.js';

const SUITE = 'learner';
const SEED_KEY = 'learner/seed';
/** How long a watch on the learner runs (a put through the voter halfway) before it is stopped. */
const WATCH_MS = 4000;
/** How long a raw stream is given to answer its first request. */
const STREAM_MS = 3000;

interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  /** etcdctl's last line on stderr (its "Error: …" line), or how a raw stream answered. */
  readonly error: string;
}

/** What a step may use: the learner, the voter, ids met so far, and the masking of what differs. */
interface ScriptContext {
  readonly learner: ClusterMember;
  readonly voter: ClusterMember;
  readonly learnerHex: string;
  /** A lease granted through the voter. */
  readonly voterLease: string;
  readonly masker: Masker;
}

interface ScriptStep {
  readonly name: string;
  run(c: ScriptContext): Promise<Outcome>;
}

function unary<Res>(invoke: (cb: (err: ServiceError | null, res?: Res) => void) => void): Promise<Res> {
  return new Promise((resolve, reject) => invoke((err, res) => (err || res === undefined ? reject(err ?? new Error('empty response')) : resolve(res))));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function ctl(c: ScriptContext, args: readonly string[], on: ClusterMember = c.learner): Promise<Outcome> {
  const r = await etcdctl([on.endpoint], args);
  return { code: r.code, stdout: c.masker.mask(r.stdout), error: c.masker.mask(errorLine(r)) };
}

/** The first answer to one request on a new bidi stream: a response, an error, or nothing. */
function firstAnswer<Req, Res>(stream: ClientDuplexStream<Req, Res>, request: Req, show: (res: Res) => string): Promise<Outcome> {
  return new Promise((resolve) => {
    const done = (error: string): void => {
      clearTimeout(timer);
      stream.removeAllListeners('data');
      stream.on('error', () => undefined);
      stream.cancel();
      resolve({ code: null, stdout: '', error });
    };
    const timer = setTimeout(() => done(`nothing within ${STREAM_MS} ms`), STREAM_MS);
    stream.once('data', (res: Res) => done(`response: ${show(res)}`));
    stream.once('error', (e: ServiceError) => done(`error: ${e.code} ${e.details}`));
    stream.write(request);
  });
}

/**
 * Steps etcd answers either way from run to run. A learner's interceptor refuses a keepalive
 * stream; etcdctl --once usually prints that refusal, and sometimes only sees the stream end.
 */
const ETCD_ANSWERS_EITHER: Readonly<Record<string, readonly string[]>> = {
  'lease keep-alive --once': ['Error: etcdserver: rpc not supported for learner', 'Error: EOF'],
};

/** The script, in order; the last steps would change the cluster if the learner were not refused. */
const STEPS: readonly ScriptStep[] = [
  { name: 'put (a write)', run: (c) => ctl(c, ['put', 'learner/k', 'v']) },
  { name: 'get (linearizable)', run: (c) => ctl(c, ['get', SEED_KEY]) },
  { name: 'get --consistency=s (serializable)', run: (c) => ctl(c, ['get', SEED_KEY, '--consistency=s']) },
  { name: 'del', run: (c) => ctl(c, ['del', SEED_KEY]) },
  { name: 'compaction', run: (c) => ctl(c, ['compaction', '1']) },
  { name: 'lease grant', run: (c) => ctl(c, ['lease', 'grant', '10']) },
  { name: 'lease keep-alive --once', run: (c) => ctl(c, ['lease', 'keep-alive', '--once', c.voterLease]) },
  { name: 'lease list', run: (c) => ctl(c, ['lease', 'list']) },
  {
    name: 'watch (a put through the voter while it runs)',
    run: async (c) => {
      const watch = spawnEtcdctl([c.learner.endpoint], ['watch', SEED_KEY]);
      await sleep(WATCH_MS / 2);
      const put = await etcdctl([c.voter.endpoint], ['put', SEED_KEY, 'v2']);
      if (put.code !== 0) throw new Error(`put through the voter failed: ${put.stderr}`);
      const exited = await Promise.race([watch.exited.then(() => true), sleep(WATCH_MS / 2).then(() => false)]);
      if (!exited) await watch.stop();
      return {
        code: exited ? (watch.exit?.code ?? null) : null,
        stdout: `${exited ? 'exited by itself' : `still running after ${WATCH_MS} ms`}\n${c.masker.mask(watch.stdout)}`,
        error: c.masker.mask(errorLine({ stdout: watch.stdout, stderr: watch.stderr, code: null })),
      };
    },
  },
  {
    name: 'a Watch stream (gRPC): the first answer to a create',
    run: async (c) => {
      const client = createEtcdClient('Watch', c.learner.endpoint);
      try {
        return await firstAnswer(client.Watch(), { create_request: { key: Buffer.from(SEED_KEY) } }, (r) => `created ${String(r.created)}, canceled ${String(r.canceled)} ${r.cancel_reason}`);
      } finally {
        client.close();
      }
    },
  },
  {
    name: 'a LeaseKeepAlive stream (gRPC): the first answer to a renewal',
    run: async (c) => {
      const client = createEtcdClient('Lease', c.learner.endpoint);
      try {
        return await firstAnswer(client.LeaseKeepAlive(), { ID: BigInt(`0x${c.voterLease}`).toString() }, (r) => `TTL ${r.TTL}`);
      } finally {
        client.close();
      }
    },
  },
  {
    name: 'endpoint status',
    run: async (c) => {
      const r = await ctl(c, ['endpoint', 'status']);
      // endpoint, id, version, db size, is leader, is learner, raft term, raft index, raft applied index, errors
      const fields = r.stdout.trimEnd().split(', ');
      return { ...r, stdout: fields.map((f, i) => ([1, 2, 3, 6, 7, 8].includes(i) ? '<x>' : f)).join(', ') };
    },
  },
  { name: 'endpoint hashkv', run: (c) => ctl(c, ['endpoint', 'hashkv']) },
  { name: 'alarm list', run: (c) => ctl(c, ['alarm', 'list']) },
  { name: 'defrag', run: (c) => ctl(c, ['defrag']) },
  { name: 'lock', run: (c) => ctl(c, ['lock', 'learner-lock', 'echo', 'locked']) },
  { name: 'member list', run: (c) => ctl(c, ['member', 'list']) },
  { name: 'member update (itself)', run: (c) => ctl(c, ['member', 'update', c.learnerHex, `--peer-urls=${c.learner.peerUrl}`]) },
  { name: 'member remove (itself)', run: (c) => ctl(c, ['member', 'remove', c.learnerHex]) },
  { name: 'member promote (itself)', run: (c) => ctl(c, ['member', 'promote', c.learnerHex]) },
  // Still a learner, and still serving what it serves.
  { name: 'get --consistency=s, after', run: (c) => ctl(c, ['get', SEED_KEY, '--consistency=s']) },
];

/** `member add`'s answer: ids masked, and ETCD_INITIAL_CLUSTER (in member id order) sorted by name. */
function maskMemberAdd(masker: Masker, stdout: string): string {
  return masker
    .mask(stdout.replace(/Member +[0-9a-f]+ added to cluster +[0-9a-f]+/, 'Member <learner-id> added to cluster <cluster-id>'))
    .replace(/ETCD_INITIAL_CLUSTER="([^"]*)"/, (_, list: string) => `ETCD_INITIAL_CLUSTER="${list.split(',').sort().join(',')}"`);
}

async function memberHex(m: ClusterMember): Promise<string> {
  const client = createEtcdClient('Maintenance', m.endpoint);
  try {
    const s = await unary<StatusResponse>((cb) => client.Status({}, new Metadata(), { deadline: Date.now() + 2000 }, cb));
    return BigInt(s.header!.member_id).toString(16);
  } finally {
    client.close();
  }
}

/** Runs the script against a new cluster of `implementation`: the outcome of `member add`, then of each step. */
async function learnerScript(implementation: Implementation): Promise<Map<string, Outcome>> {
  const cluster = await TestCluster.start({ implementation, size: 1, logLevel: 'warn', readyTimeoutMs: 60_000 });
  try {
    const voter = cluster.member(0);
    const masker = new Masker();
    masker.add(voter.endpoint, '<voter>');
    masker.add(voter.clientUrl, '<voter-client-url>');
    masker.add(voter.peerUrl, '<voter-peer-url>');
    masker.add(await memberHex(voter), '<voter-id>');
    const out = new Map<string, Outcome>();
    const seed = await etcdctl([voter.endpoint], ['put', SEED_KEY, 'v1']);
    expect(seed.code, seed.stderr).toBe(0);
    const granted = await etcdctl([voter.endpoint], ['lease', 'grant', '100']);
    const voterLease = /lease ([0-9a-f]+) granted/.exec(granted.stdout)?.[1];
    if (voterLease === undefined) throw new Error(`lease grant through the voter failed: ${granted.stderr}`);
    masker.add(voterLease, '<voter-lease>');

    let learnerHex = '';
    const learner = await cluster.addMember(async (joining) => {
      masker.add(joining.clientUrl, '<learner-client-url>');
      masker.add(joining.peerUrl, '<learner-peer-url>');
      masker.add(joining.clientUrl.replace(/^http:\/\//, ''), '<learner>');
      const r = await etcdctl([voter.endpoint], ['member', 'add', joining.name, '--learner', `--peer-urls=${joining.peerUrl}`]);
      const id = /Member +([0-9a-f]+) added/.exec(r.stdout)?.[1];
      if (r.code !== 0 || id === undefined) throw new Error(`member add --learner failed: ${r.stdout}${r.stderr}`);
      learnerHex = id;
      masker.add(id, '<learner-id>');
      out.set('member add --learner (through the voter)', { code: r.code, stdout: maskMemberAdd(masker, r.stdout), error: masker.mask(errorLine(r)) });
      return `${voter.name}=${voter.peerUrl},${joining.name}=${joining.peerUrl}`;
    });

    // Caught up once it serves the seed from its own state (the cluster's readiness probe makes
    // linearizable reads, which a learner refuses).
    const kv = createEtcdClient('KV', learner.endpoint);
    try {
      await eventually('the learner to hold the seed', async () => {
        const r = await unary<RangeResponse>((cb) => kv.Range({ key: Buffer.from(SEED_KEY), serializable: true }, new Metadata(), { deadline: Date.now() + 1000 }, cb));
        return r.kvs.length === 1 ? true : undefined;
      });
    } finally {
      kv.close();
    }

    const context: ScriptContext = { learner, voter, learnerHex, voterLease, masker };
    for (const step of STEPS) out.set(step.name, await step.run(context));
    return out;
  } finally {
    await cluster.destroy();
  }
}

const binaries = checkBinaries(['etcd', 'etcdctl'], 'comparing what a learner answers with a real etcd');
const TEST_NAMES = ['member add --learner (through the voter)', ...STEPS.map((s) => s.name)];

describe.skipIf(!binaries.run)('a learner, beside a real etcd 3.4: the same answers to the same script', () => {
  let etcd: Map<string, Outcome> | undefined;
  let lodestone: Map<string, Outcome> | undefined;

  beforeAll(async () => {
    binaries.assertPresent();
    [etcd, lodestone] = await Promise.all([learnerScript('etcd'), learnerScript('lodestone')]);
    const line = (o: Outcome | undefined): string => (o === undefined ? 'not run' : `${o.code === null ? '-' : o.code} ${o.error || o.stdout.split('\n')[0]}`);
    console.log(`a learner's answers (etcd | Lodestone):\n${TEST_NAMES.map((n) => `  ${n}: ${line(etcd!.get(n))} | ${line(lodestone!.get(n))}`).join('\n')}`);
  }, 120_000);

  afterAll(async () => {
    await stopAllEtcdctl();
  });

  it('etcd refuses the learner what it should (the script checks the right thing)', () => {
    expect(etcd!.get('put (a write)')!.error).toBe('Error: etcdserver: rpc not supported for learner');
    expect(etcd!.get('get --consistency=s (serializable)')!.code).toBe(0);
    expect(etcd!.get('endpoint status')!.stdout).toBe('<learner>, <x>, <x>, <x>, false, true, <x>, <x>, <x>');
  });

  for (const name of TEST_NAMES) {
    (knownDifference(SUITE, name) ? it.fails : it)(name, () => {
      expect(etcd!.get(name), 'etcd: the step ran').toBeDefined();
      const etcdAnswers = ETCD_ANSWERS_EITHER[name];
      // Where etcd itself answers either way from run to run, Lodestone must give one of them.
      if (etcdAnswers?.includes(etcd!.get(name)!.error)) expect(etcdAnswers).toContain(lodestone!.get(name)!.error);
      else expect(lodestone!.get(name)).toEqual(etcd!.get(name));
    });
  }

  it('the known differences name steps of this script', () => {
    const stale = Object.keys(KNOWN_DIFFERENCES).filter((k) => k.startsWith(`${SUITE} > `) && !TEST_NAMES.includes(k.slice(SUITE.length + 3)));
    expect(stale).toEqual([]);
  });
});
