// Three members of one cluster in one process, each with its own data dir, each also serving the
// etcd API — so other processes (and etcdctl) can reach the same cluster.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, openNode } from 'lodestone';

const base = Number(process.env.LODESTONE_BASE_PORT ?? 23790);
const names = ['a', 'b', 'c'];
const peerUrl = (i: number) => `http://127.0.0.1:${base + 2 * i}`;
const clientUrl = (i: number) => `http://127.0.0.1:${base + 2 * i + 1}`;
const members = Object.fromEntries(names.map((name, i) => [name, peerUrl(i)]));

const root = await mkdtemp(join(tmpdir(), 'lodestone-example-'));
const nodes = await Promise.all(
  names.map((name, i) =>
    openNode(
      { dataDir: join(root, name) },
      { name, cluster: { peerUrl: peerUrl(i), members }, serve: { clientUrls: [clientUrl(i)] } },
    ),
  ),
);
await Promise.all(nodes.map((n) => n.ready()));
console.log('leaders:', nodes.filter((n) => n.isLeader).length); // leaders: 1

// A write through one member is read through another.
await nodes[0]!.put('cluster/greeting', 'hello from a');
console.log((await nodes[2]!.get('cluster/greeting'))?.valueString); // hello from a

// The same cluster over gRPC, as another process would reach it.
const client = await connect({ endpoints: names.map((_, i) => clientUrl(i)) });
console.log((await client.get('cluster/greeting'))?.valueString); // hello from a
await client.close();

await Promise.all(nodes.map((n) => n.close()));
await rm(root, { recursive: true, force: true });
