// The tree on every member of a three-member cluster in this process: a write through a follower's
// tree is read back at once on that follower (its own writes), sequential creates from all three
// members stay distinct, a sync makes another member's writes visible, and a session's ephemerals
// vanish on every member when its lease is revoked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Member } from '../../../cluster/member.js';
import { ZNodeTree, type ZkCaller } from '../../../zookeeper/tree/index.js';
import { eventually } from '../../support/eventually.js';
import { freePorts, LOOPBACK } from '../../support/free-ports.js';
import { ANYONE, bytes, OPEN_ACL, text } from './tree-member.js';

const members: Member[] = [];
const trees: ZNodeTree[] = [];

beforeAll(async () => {
  const ports = await freePorts(6);
  const names = ['a', 'b', 'c'];
  const peerUrl = (i: number): string => `http://${LOOPBACK}:${ports[2 * i + 1]!}`;
  const initialCluster = names.map((n, i) => `${n}=${peerUrl(i)}`).join(',');
  members.push(
    ...(await Promise.all(
      names.map((name, i) =>
        Member.start({
          name,
          inMemory: true,
          listenClientUrls: [`http://${LOOPBACK}:${ports[2 * i]!}`],
          advertiseClientUrls: [`http://${LOOPBACK}:${ports[2 * i]!}`],
          listenPeerUrls: [peerUrl(i)],
          initialAdvertisePeerUrls: [peerUrl(i)],
          initialCluster,
          heartbeatInterval: 50,
          electionTimeout: 500,
          logLevel: 'silent',
        }),
      ),
    )),
  );
  await eventually('a leader', async () => (members.some((m) => m.raftStatus().role === 'leader') ? true : undefined), 20_000);
  trees.push(...members.map((kv) => new ZNodeTree({ kv })));
  await trees[0]!.ensureRoot();
}, 60_000);

afterAll(async () => {
  await Promise.all(members.map((m) => m.close()));
});

function follower(): number {
  const i = members.findIndex((m) => m.raftStatus().role !== 'leader');
  expect(i).toBeGreaterThanOrEqual(0);
  return i;
}

describe('znode tree on three members', () => {
  it('reads a write back at once on the follower it went through', async () => {
    const f = follower();
    const tree = trees[f]!;
    for (let i = 0; i < 10; i++) {
      const path = `/own-${i}`;
      const created = await tree.create(ANYONE, path, bytes(`v${i}`), OPEN_ACL, 'persistent');
      const read = await tree.getData(ANYONE, path);
      expect(text(read.data)).toBe(`v${i}`);
      expect(read.stat.czxid).toBe(created.zxid);
      await tree.setData(ANYONE, path, bytes('changed'), 0);
      expect((await tree.getData(ANYONE, path)).stat.version).toBe(1);
    }
  });

  it('keeps sequential names distinct across members', async () => {
    await trees[0]!.create(ANYONE, '/q', new Uint8Array(0), OPEN_ACL, 'persistent');
    await trees[0]!.sync(ANYONE, '/q');
    await Promise.all(trees.map((t) => t.sync(ANYONE, '/q')));
    const made = await Promise.all(Array.from({ length: 15 }, (_, i) => trees[i % 3]!.create(ANYONE, '/q/n-', new Uint8Array(0), OPEN_ACL, 'persistent_sequential')));
    expect(made.map((m) => m.path).sort()).toEqual(Array.from({ length: 15 }, (_, i) => `/q/n-${String(i).padStart(10, '0')}`));
    for (const t of trees) {
      await t.sync(ANYONE, '/q');
      expect((await t.getChildren(ANYONE, '/q')).children).toHaveLength(15);
    }
  });

  it('drops a session’s ephemerals on every member when its lease is revoked', async () => {
    const { id } = await members[0]!.leases.grant(0n, 30);
    const session: ZkCaller = { sessionId: id, authIds: [] };
    const f = follower();
    await trees[f]!.create(session, '/eph', bytes('x'), OPEN_ACL, 'ephemeral');
    for (const t of trees) {
      await t.sync(ANYONE, '/');
      expect((await t.exists(ANYONE, '/eph')).stat!.ephemeralOwner).toBe(id);
    }
    await members[0]!.leases.revoke(id);
    for (const t of trees) {
      await t.sync(ANYONE, '/');
      expect((await t.exists(ANYONE, '/eph')).stat).toBeNull();
    }
  });
});
