// Three embedded members in one process, each on its own data dir: they form a cluster over their
// peer URLs, every node serves the client API of the whole cluster, and the cluster carries on when
// its leader closes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, openNode, type LodestoneNode } from '../../index.js';
import { freePorts, LOOPBACK } from '../support/free-ports.js';

const TUNING = { heartbeatInterval: 50, electionTimeout: 500 };

describe('three embedded members in one process', () => {
  let root: string;
  let nodes: LodestoneNode[] = [];
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'lodestone-embedded-cluster-'));
    const ports = await freePorts(6);
    const peer = (i: number): string => `http://${LOOPBACK}:${ports[2 * i]!}`;
    const members = Object.fromEntries([0, 1, 2].map((i) => [`m${i}`, peer(i)]));
    nodes = await Promise.all(
      [0, 1, 2].map((i) =>
        openNode(
          { dataDir: join(root, `m${i}`) },
          {
            name: `m${i}`,
            cluster: { peerUrl: peer(i), members, token: `embedded-${process.pid}` },
            serve: { clientUrls: [`http://${LOOPBACK}:${ports[2 * i + 1]!}`] },
            tuning: TUNING,
          },
        ),
      ),
    );
    await Promise.all(nodes.map((n) => n.ready()));
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await rm(root, { recursive: true, force: true });
  });

  it('elects one leader, and replicates a write through any member to every other', async () => {
    expect(nodes.filter((n) => n.isLeader)).toHaveLength(1);
    const follower = nodes.find((n) => !n.isLeader)!;
    const { revision } = await follower.put('cluster/k', 'through a follower');
    for (const n of nodes) expect((await n.get('cluster/k'))?.modRevision).toBe(revision);
    expect(new Set(nodes.map((n) => n.member.clusterId)).size).toBe(1);
  });

  it('delivers a write made on one member to a watcher on another', async () => {
    const w = await nodes[2]!.watch({ prefix: 'cross/' });
    const it = w[Symbol.asyncIterator]();
    await nodes[0]!.put('cross/1', 'a');
    const e = await it.next();
    expect(!e.done && e.value.kv.valueString).toBe('a');
    await w.close();
  });

  it('keeps a lease alive from a follower (renewals go to the leader) past its TTL', async () => {
    const follower = nodes.find((n) => !n.isLeader)!;
    const lease = await follower.grant(1);
    await follower.put('cluster/leased', 'x', { lease });
    await new Promise((r) => setTimeout(r, (lease.ttl + 2) * 1000));
    expect((await nodes[0]!.get('cluster/leased'))?.lease).toBe(lease.id);
    await lease.revoke();
    expect(await nodes[0]!.get('cluster/leased')).toBeUndefined();
  });

  it('serves remote clients on every member, and goes on when the leader closes', async () => {
    const client = await connect({ endpoints: nodes.flatMap((n) => n.clientUrls) });
    try {
      await client.put('cluster/remote', '1');
      const leader = nodes.find((n) => n.isLeader)!;
      await leader.close();
      const survivors = nodes.filter((n) => n !== leader);
      // A write that a follower forwarded to the closed leader times out, and its outcome is then
      // unknown: a plain write would fail with that error; one marked idempotent is retried until a
      // new leader takes it.
      const { revision } = await survivors[0]!.put('cluster/after', 'new leader', { idempotent: true });
      expect(survivors.some((n) => n.isLeader)).toBe(true);
      expect((await survivors[1]!.get('cluster/after'))?.modRevision).toBe(revision);
      expect((await client.get('cluster/after'))?.valueString).toBe('new leader');
      expect((await client.get('cluster/remote'))?.valueString).toBe('1');
    } finally {
      await client.close();
    }
  });
});
