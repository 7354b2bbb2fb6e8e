// A learner runs no checks: it cannot write, so it holds no runner key and the checks are spread
// over the voters only; promoted, it puts its key and takes its share. One voter and a learner
// added with `etcdctl member add --learner`, as etcd's own procedure has it.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Client } from '../../../index.js';
import { RUNNERS_PREFIX } from '../../../registry/checks/check-keys.js';
import { instanceKey } from '../../../registry/layout.js';
import { etcdctl } from '../../compat/etcdctl-runner.js';
import { checkBinaries } from '../../support/binaries.js';
import { TestCluster, type ClusterMember } from '../../support/cluster.js';
import { eventually } from '../../support/eventually.js';
import { LOOPBACK } from '../../support/free-ports.js';

const binaries = checkBinaries(['etcdctl'], 'adding and promoting a learner with etcdctl');

describe.runIf(binaries.run)('a learner and the checks', () => {
  let cluster: TestCluster;
  let client: Client;
  let listener: Server;
  let port: number;

  beforeAll(async () => {
    binaries.assertPresent();
    cluster = await TestCluster.start({ implementation: 'lodestone', size: 1, logLevel: 'warn' });
    client = await connect({ endpoints: [cluster.members[0]!.clientUrl] });
    listener = createServer((socket) => socket.destroy());
    port = await new Promise<number>((resolve) => listener.listen(0, LOOPBACK, () => resolve((listener.address() as { port: number }).port)));
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    listener?.close();
    await cluster?.destroy();
  });

  const runners = async (): Promise<string[]> => (await client.range({ prefix: RUNNERS_PREFIX })).kvs.map((kv) => kv.keyString.slice(RUNNERS_PREFIX.length)).sort();

  it('holds no runner key as a learner, and takes its share once promoted', async () => {
    for (let i = 0; i < 8; i++) {
      await client.put(instanceKey('db', `db-${i}`), JSON.stringify({ address: LOOPBACK, port, checks: [{ id: `db-${i}-tcp`, kind: 'tcp', tcp: `${LOOPBACK}:${port}`, intervalMs: 300, timeoutMs: 1000 }] }));
    }
    const voterKeys = await eventually('the voter in the live set', async () => ((await runners()).length === 1 ? runners() : undefined), 15_000);
    const voter = cluster.members[0]!;
    let learnerHex = '';
    const learner: ClusterMember = await cluster.addMember(async (joining) => {
      const r = await etcdctl([voter.endpoint], ['member', 'add', joining.name, '--learner', `--peer-urls=${joining.peerUrl}`]);
      const id = /Member +([0-9a-f]+) added/.exec(r.stdout)?.[1];
      if (r.code !== 0 || id === undefined) throw new Error(`member add --learner failed: ${r.stdout}${r.stderr}`);
      learnerHex = id;
      return `${voter.name}=${voter.peerUrl},${joining.name}=${joining.peerUrl}`;
    });
    // Caught up once it serves the instances from its own state (serializable: a learner's only reads).
    await eventually('the learner caught up', async () => {
      const r = await etcdctl([learner.endpoint], ['get', '--prefix', '/lodestone/services/db/', '--keys-only', '--consistency=s']);
      return r.stdout.split('\n').filter((l) => l.length > 0).length === 8 ? true : undefined;
    }, 30_000);
    // A few seconds of a learner that sees checks to run: still only the voter's key.
    await new Promise((r) => setTimeout(r, 3000));
    expect(await runners()).toEqual(voterKeys);

    const promoted = await eventually('the promotion', async () => {
      const r = await etcdctl([voter.endpoint], ['member', 'promote', learnerHex]);
      return r.code === 0 ? r : undefined;
    }, 30_000, 500);
    expect(promoted.stdout).toContain('promoted');
    const after = await eventually('the promoted member in the live set', async () => ((await runners()).length === 2 ? runners() : undefined), 15_000);
    expect(after).toContain(learnerHex);
    // The checks still pass, now spread over two.
    await eventually('every check passing', async () => {
      const states = (await client.range({ prefix: '/lodestone/health/db/' })).kvs.map((kv) => (kv.json() as { status: string }).status);
      return states.length === 8 && states.every((s) => s === 'passing') ? true : undefined;
    }, 15_000);
  }, 120_000);
});
