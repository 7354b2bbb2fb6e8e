// What an etcd client sees of the tree: the keys documented in zookeeper/layout.ts, with the values
// and revisions the stats are made of, so a ZooKeeper-registered service is readable through etcd.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Member } from '../../../cluster/member.js';
import { childrenRange, cversionKey, dataKey, metaKey, zkRange } from '../../../zookeeper/layout.js';
import type { ZNodeTree } from '../../../zookeeper/tree/index.js';
import { ANYONE, bytes, OPEN_ACL, startTree, text } from './tree-member.js';

let member: Member;
let tree: ZNodeTree;

beforeEach(async () => {
  ({ member, tree } = await startTree(() => 1234));
});
afterEach(async () => {
  await member.close();
});

describe('znode tree: the keys etcd clients see', () => {
  it('writes data, meta, cversion and a children entry per znode', async () => {
    const { id } = await member.leases.grant(0n, 30);
    await tree.create(ANYONE, '/services', new Uint8Array(0), OPEN_ACL, 'persistent');
    const svc = await tree.create(ANYONE, '/services/my_service', bytes('{"host":"10.0.0.5"}'), OPEN_ACL, 'persistent');
    const eph = await tree.create({ sessionId: id, authIds: [] }, '/services/my_service/i-', bytes('a'), OPEN_ACL, 'ephemeral_sequential');

    const all = await member.range({ ...zkRange(), keysOnly: true }, true);
    const keys = all.kvs.map((kv) => text(kv.key));
    for (const path of ['/', '/zookeeper', '/zookeeper/quota', '/zookeeper/config', '/services', '/services/my_service', eph.path]) {
      expect(keys).toContain(`/lodestone/zk/data${path === '/' ? '/' : path}`);
      expect(keys).toContain(`/lodestone/zk/meta${path === '/' ? '/' : path}`);
      expect(keys).toContain(`/lodestone/zk/cversion${path === '/' ? '/' : path}`);
    }
    expect(keys).toContain('/lodestone/zk/children//services');
    expect(keys).toContain('/lodestone/zk/children/services//my_service');
    expect(keys).toContain('/lodestone/zk/children/services/my_service//i-0000000000');
    expect(keys).toHaveLength(7 * 3 + 6);

    const data = (await member.range({ key: dataKey('/services/my_service') }, true)).kvs[0]!;
    expect(text(data.value)).toBe('{"host":"10.0.0.5"}');
    expect(BigInt(data.createRevision)).toBe(svc.stat.czxid);
    expect(data.version - 1).toBe(svc.stat.version);
    const meta = JSON.parse(text((await member.range({ key: metaKey('/services/my_service') }, true)).kvs[0]!.value));
    expect(meta).toEqual({ ctime: 1234, mtime: 1234, aversion: 0, acl: OPEN_ACL, kind: 'persistent' });
    const cv = (await member.range({ key: cversionKey('/services/my_service') }, true)).kvs[0]!;
    expect(cv.version - 1).toBe(1);
    expect(BigInt(cv.modRevision)).toBe(eph.zxid);

    // Every key of the ephemeral is on the session's lease.
    for (const key of [dataKey(eph.path), metaKey(eph.path), cversionKey(eph.path)]) {
      expect((await member.range({ key }, true)).kvs[0]!.lease).toBe(id);
    }
    const kids = await member.range(childrenRange('/services/my_service'), true);
    expect(kids.kvs.map((kv) => kv.lease)).toEqual([id]);
    const ttl = await member.leases.timeToLive(id, true);
    expect(ttl.keys).toHaveLength(4);
  });
});
