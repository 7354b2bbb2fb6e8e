// create/exists/getData/setData/getChildren/delete on a real member: every Stat field after each step,
// as ZooKeeper 3.8 gives it, and each operation's error codes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Member } from '../../../cluster/member.js';
import { isZkTreeError, ZNodeTree, type ZkTreeError, type ZStat } from '../../../zookeeper/tree/index.js';
import { ANYONE, bytes, codeOf, OPEN_ACL, startTree, text } from './tree-member.js';

let member: Member;
let tree: ZNodeTree;
let clock = 1_700_000_000_000;

beforeEach(async () => {
  ({ member, tree } = await startTree(() => clock));
});
afterEach(async () => {
  await member.close();
});

describe('znode tree: CRUD and stats', () => {
  it('creates, reads, updates and deletes with ZooKeeper stats field by field', async () => {
    const before = (await tree.getChildren(ANYONE, '/')).stat;
    expect(before.numChildren).toBe(1); // /zookeeper
    expect((await tree.getChildren(ANYONE, '/')).children).toEqual(['zookeeper']);

    const created = await tree.create(ANYONE, '/app', bytes('v1'), OPEN_ACL, 'persistent');
    expect(created.path).toBe('/app');
    const z1 = created.zxid;
    expect(created.stat).toEqual<ZStat>({
      czxid: z1,
      mzxid: z1,
      ctime: BigInt(clock),
      mtime: BigInt(clock),
      version: 0,
      cversion: 0,
      aversion: 0,
      ephemeralOwner: 0n,
      dataLength: 2,
      numChildren: 0,
      pzxid: z1,
    });
    const got = await tree.getData(ANYONE, '/app');
    expect(text(got.data)).toBe('v1');
    expect(got.stat).toEqual(created.stat);
    expect(got.zxid).toBeGreaterThanOrEqual(z1);

    // The root's cversion and pzxid move with its children.
    const root = (await tree.exists(ANYONE, '/')).stat!;
    expect(root.cversion).toBe(before.cversion + 1);
    expect(root.pzxid).toBe(z1);
    expect(root.numChildren).toBe(2);

    clock += 1000;
    const set = await tree.setData(ANYONE, '/app', bytes('value2'), 0);
    expect(set.stat).toEqual<ZStat>({ ...created.stat, mzxid: set.zxid, mtime: BigInt(clock), version: 1, dataLength: 6 });
    expect(await codeOf(tree.setData(ANYONE, '/app', bytes('x'), 0))).toBe(-103);
    const any = await tree.setData(ANYONE, '/app', bytes('v3'), -1);
    expect(any.stat.version).toBe(2);

    const child = await tree.create(ANYONE, '/app/c', new Uint8Array(0), OPEN_ACL, 'persistent');
    const parent = (await tree.exists(ANYONE, '/app')).stat!;
    expect(parent).toEqual<ZStat>({ ...any.stat, cversion: 1, numChildren: 1, pzxid: child.zxid });
    expect(parent.mzxid).toBe(any.zxid); // a child's create leaves the parent's data alone

    expect(await codeOf(tree.delete(ANYONE, '/app', -1))).toBe(-111);
    expect(await codeOf(tree.delete(ANYONE, '/app/c', 5))).toBe(-103);
    const del = await tree.delete(ANYONE, '/app/c', 0);
    const afterDel = (await tree.exists(ANYONE, '/app')).stat!;
    expect(afterDel).toEqual<ZStat>({ ...parent, cversion: 2, numChildren: 0, pzxid: del.zxid });
    expect(await tree.exists(ANYONE, '/app/c')).toEqual({ stat: null, zxid: expect.any(BigInt) });

    await tree.delete(ANYONE, '/app', 2);
    expect((await tree.exists(ANYONE, '/app')).stat).toBeNull();
    expect((await tree.getChildren(ANYONE, '/')).children).toEqual(['zookeeper']);
  });

  it('gives ZooKeeper error codes for create', async () => {
    await tree.create(ANYONE, '/a', new Uint8Array(0), OPEN_ACL, 'persistent');
    expect(await codeOf(tree.create(ANYONE, '/a', new Uint8Array(0), OPEN_ACL, 'persistent'))).toBe(-110);
    expect(await codeOf(tree.create(ANYONE, '/missing/b', new Uint8Array(0), OPEN_ACL, 'persistent'))).toBe(-101);
    for (const bad of ['a', '/a/', '//a', '/a/..', '/a/.', '/a\u0000b', '/a\u0001', '/a\ud800', '']) {
      expect(await codeOf(tree.create(ANYONE, bad, new Uint8Array(0), OPEN_ACL, 'persistent')), bad).toBe(-8);
    }
    // ZooKeeper looks the parent up before it checks the whole path: a malformed parent is NoNode.
    for (const bad of ['/a//b', '/a/./b']) {
      expect(await codeOf(tree.create(ANYONE, bad, new Uint8Array(0), OPEN_ACL, 'persistent')), bad).toBe(-101);
    }
    expect(await codeOf(tree.create(ANYONE, '/', new Uint8Array(0), OPEN_ACL, 'persistent'))).toBe(-110);
    expect(await codeOf(tree.create(ANYONE, '/b', new Uint8Array(0), [], 'persistent'))).toBe(-114);
    expect(await codeOf(tree.create(ANYONE, '/b', new Uint8Array(0), [{ perms: 31, scheme: 'world', id: 'someone' }], 'persistent'))).toBe(-114);
    expect(await codeOf(tree.create(ANYONE, '/b', new Uint8Array(0), [{ perms: 31, scheme: 'nope', id: 'x' }], 'persistent'))).toBe(-114);
    expect(await codeOf(tree.create(ANYONE, '/b', new Uint8Array(0), [{ perms: 31, scheme: 'digest', id: 'nocolon' }], 'persistent'))).toBe(-114);
    expect(await codeOf(tree.create(ANYONE, '/b', new Uint8Array(0), [{ perms: 31, scheme: 'auth', id: '' }], 'persistent'))).toBe(-114);
    expect(await codeOf(tree.create(ANYONE, '/b', new Uint8Array(0), OPEN_ACL, 'persistent_with_ttl'))).toBe(-8);
    expect(await codeOf(tree.create(ANYONE, '/b', new Uint8Array(0), OPEN_ACL, 'persistent_with_ttl', 0))).toBe(-8);
    expect(await codeOf(tree.create(ANYONE, '/b', new Uint8Array(0), OPEN_ACL, 'persistent', 100))).toBe(-8);
    expect(await codeOf(tree.create(ANYONE, '/b', new Uint8Array(1024 * 1024 + 1), OPEN_ACL, 'persistent'))).toBe(-8);
    // An ephemeral needs a session, and a live one.
    expect(await codeOf(tree.create(ANYONE, '/b', new Uint8Array(0), OPEN_ACL, 'ephemeral'))).toBe(-112);
    expect(await codeOf(tree.create({ sessionId: 12345n, authIds: [] }, '/b', new Uint8Array(0), OPEN_ACL, 'ephemeral'))).toBe(-112);
    expect((await tree.exists(ANYONE, '/b')).stat).toBeNull();
  });

  it('gives ZooKeeper error codes for delete, setData, getData, getChildren, setACL', async () => {
    for (const special of ['/', '/zookeeper', '/zookeeper/quota', '/zookeeper/config']) {
      expect(await codeOf(tree.delete(ANYONE, special, -1)), special).toBe(-8);
    }
    expect(await codeOf(tree.delete(ANYONE, '/nope', -1))).toBe(-101);
    expect(await codeOf(tree.delete(ANYONE, '/nope/deeper', -1))).toBe(-101);
    expect(await codeOf(tree.setData(ANYONE, '/nope', bytes('x'), -1))).toBe(-101);
    expect(await codeOf(tree.getData(ANYONE, '/nope'))).toBe(-101);
    expect(await codeOf(tree.getChildren(ANYONE, '/nope'))).toBe(-101);
    expect(await codeOf(tree.getACL(ANYONE, '/nope'))).toBe(-101);
    expect(await codeOf(tree.setACL(ANYONE, '/nope', OPEN_ACL, -1))).toBe(-101);
    expect(await codeOf(tree.getAllChildrenNumber(ANYONE, '/nope'))).toBe(-101);
    await tree.create(ANYONE, '/a', new Uint8Array(0), OPEN_ACL, 'persistent');
    expect(await codeOf(tree.setACL(ANYONE, '/a', [], -1))).toBe(-114);
    expect(await codeOf(tree.setACL(ANYONE, '/a', OPEN_ACL, 3))).toBe(-103);
  });

  it('keeps the built-in znodes and ensureRoot is idempotent', async () => {
    await tree.ensureRoot();
    await new ZNodeTree({ kv: member }).ensureRoot();
    expect((await tree.getChildren(ANYONE, '/zookeeper')).children).toEqual(['config', 'quota']);
    const config = await tree.getACL(ANYONE, '/zookeeper/config');
    expect(config.acl).toEqual([{ perms: 1, scheme: 'world', id: 'anyone' }]);
    const root = (await tree.exists(ANYONE, '/')).stat!;
    expect(root.numChildren).toBe(1);
    expect(root.cversion).toBe(-1); // as a fresh ZooKeeper shows it
    expect((await tree.exists(ANYONE, '/zookeeper')).stat!.cversion).toBe(-2);
    expect((await tree.exists(ANYONE, '/zookeeper/config')).stat!.aversion).toBe(-1);
    expect(root.version).toBe(0);
    expect(root.ctime).toBe(0n);
  });

  it('sets and gets ACLs, counting aversion', async () => {
    const c = await tree.create(ANYONE, '/acl', new Uint8Array(0), OPEN_ACL, 'persistent');
    const r = await tree.setACL(ANYONE, '/acl', [{ perms: 1 | 16, scheme: 'world', id: 'anyone' }], 0);
    expect(r.stat).toEqual({ ...c.stat, aversion: 1 });
    expect(r.stat.mzxid).toBe(c.zxid); // setACL changes neither data nor mzxid
    const g = await tree.getACL(ANYONE, '/acl');
    expect(g.acl).toEqual([{ perms: 17, scheme: 'world', id: 'anyone' }]);
    expect(g.stat).toEqual(r.stat);
  });

  it('counts all descendants and lists children sorted', async () => {
    await tree.create(ANYONE, '/n', new Uint8Array(0), OPEN_ACL, 'persistent');
    for (const name of ['z', 'b', 'a']) await tree.create(ANYONE, `/n/${name}`, new Uint8Array(0), OPEN_ACL, 'persistent');
    await tree.create(ANYONE, '/n/a/deep', new Uint8Array(0), OPEN_ACL, 'persistent');
    await tree.create(ANYONE, '/nx', new Uint8Array(0), OPEN_ACL, 'persistent');
    expect((await tree.getChildren(ANYONE, '/n')).children).toEqual(['a', 'b', 'z']);
    expect((await tree.getAllChildrenNumber(ANYONE, '/n')).total).toBe(4);
    // "/" counts every znode, itself and the built-ins included: / /zookeeper(+2) /n(+4) /nx.
    expect((await tree.getAllChildrenNumber(ANYONE, '/')).total).toBe(10);
    const s = await tree.sync(ANYONE, '/');
    expect(s.zxid).toBeGreaterThanOrEqual(tree.currentZxid() - 0n);
  });

  it('tells the zxid a refusal was decided at', async () => {
    const c = await tree.create(ANYONE, '/z', new Uint8Array(0), OPEN_ACL, 'persistent');
    const refusal = await tree.setData(ANYONE, '/z', new Uint8Array(0), 9).catch((e: unknown) => e);
    expect(isZkTreeError(refusal, 'BadVersion')).toBe(true);
    expect((refusal as ZkTreeError).zxid).toBeGreaterThanOrEqual(c.zxid);
    expect((refusal as ZkTreeError).path).toBe('/z');
    const missing = await tree.getData(ANYONE, '/none').catch((e: unknown) => e);
    expect(isZkTreeError(missing, 'NoNode')).toBe(true);
    expect((missing as ZkTreeError).zxid).toBeGreaterThanOrEqual(c.zxid);
  });
});
