// multi: one txn for all its ops, each seeing the earlier ones; on a failure nothing is written and
// the results are ZooKeeper's (Ok before the failing op, its code, RuntimeInconsistency after).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Member } from '../../../cluster/member.js';
import type { ZNodeTree } from '../../../zookeeper/tree/index.js';
import { ANYONE, bytes, codeOf, OPEN_ACL, startTree, text } from './tree-member.js';

let member: Member;
let tree: ZNodeTree;

beforeEach(async () => {
  ({ member, tree } = await startTree());
});
afterEach(async () => {
  await member.close();
});

describe('znode tree: multi', () => {
  it('applies every op at one zxid, each seeing the ones before it', async () => {
    await tree.create(ANYONE, '/old', bytes('x'), OPEN_ACL, 'persistent');
    const r = await tree.multi(ANYONE, [
      { op: 'create', path: '/m', data: bytes('m'), acl: OPEN_ACL, mode: 'persistent' },
      { op: 'create', path: '/m/a', data: new Uint8Array(0), acl: OPEN_ACL, mode: 'persistent' },
      { op: 'create', path: '/m/s-', data: new Uint8Array(0), acl: OPEN_ACL, mode: 'persistent_sequential' },
      { op: 'check', path: '/old', version: 0 },
      { op: 'setData', path: '/old', data: bytes('new'), version: 0 },
      { op: 'delete', path: '/old', version: 1 },
    ]);
    const z = r.zxid;
    expect(r.results.map((x) => x.op)).toEqual(['create', 'create', 'create', 'check', 'setData', 'delete']);
    const [m, a, s] = r.results;
    expect(m).toMatchObject({ op: 'create', path: '/m', stat: { czxid: z, mzxid: z, pzxid: z, version: 0, numChildren: 0 } });
    expect(a).toMatchObject({ op: 'create', path: '/m/a' });
    expect(s).toMatchObject({ op: 'create', path: '/m/s-0000000001' });
    expect(r.results[4]).toMatchObject({ op: 'setData', stat: { version: 1, mzxid: z, dataLength: 3 } });
    expect((await tree.exists(ANYONE, '/old')).stat).toBeNull();

    const after = await tree.getChildren(ANYONE, '/m');
    expect(after.children).toEqual(['a', 's-0000000001']);
    expect(after.stat).toMatchObject({ czxid: z, pzxid: z, cversion: 2, numChildren: 2 });
    expect(text((await tree.getData(ANYONE, '/m')).data)).toBe('m');
    // The next sequential name follows the two children the multi made.
    const next = await tree.create(ANYONE, '/m/s-', new Uint8Array(0), OPEN_ACL, 'persistent_sequential');
    expect(next.path).toBe('/m/s-0000000002');
    expect((await tree.exists(ANYONE, '/m')).stat!.cversion).toBe(3);
  });

  it('counts several child changes under an existing parent in one multi', async () => {
    await tree.create(ANYONE, '/p', new Uint8Array(0), OPEN_ACL, 'persistent');
    await tree.create(ANYONE, '/p/gone', new Uint8Array(0), OPEN_ACL, 'persistent');
    const r = await tree.multi(ANYONE, [
      { op: 'create', path: '/p/x-', data: new Uint8Array(0), acl: OPEN_ACL, mode: 'persistent_sequential' },
      { op: 'create', path: '/p/x-', data: new Uint8Array(0), acl: OPEN_ACL, mode: 'persistent_sequential' },
      { op: 'delete', path: '/p/gone', version: -1 },
    ]);
    expect(r.results).toMatchObject([{ path: '/p/x-0000000001' }, { path: '/p/x-0000000002' }, { op: 'delete' }]);
    const p = (await tree.exists(ANYONE, '/p')).stat!;
    expect(p).toMatchObject({ cversion: 4, numChildren: 2, pzxid: r.zxid });
    const third = await tree.create(ANYONE, '/p/x-', new Uint8Array(0), OPEN_ACL, 'persistent_sequential');
    // Named by the children ever created (3), not by cversion (4), as ZooKeeper does.
    expect(third.path).toBe('/p/x-0000000003');
  });

  it('writes nothing when an op fails, and answers as ZooKeeper does', async () => {
    await tree.create(ANYONE, '/a', new Uint8Array(0), OPEN_ACL, 'persistent');
    const before = (await tree.exists(ANYONE, '/')).stat!;
    const r = await tree.multi(ANYONE, [
      { op: 'create', path: '/b', data: new Uint8Array(0), acl: OPEN_ACL, mode: 'persistent' },
      { op: 'setData', path: '/a', data: bytes('z'), version: -1 },
      { op: 'check', path: '/a', version: 7 },
      { op: 'delete', path: '/a', version: -1 },
      { op: 'create', path: '/c', data: new Uint8Array(0), acl: OPEN_ACL, mode: 'persistent' },
    ]);
    expect(r.results).toEqual([
      { op: 'error', code: 0 },
      { op: 'error', code: 0 },
      { op: 'error', code: -103 },
      { op: 'error', code: -2 },
      { op: 'error', code: -2 },
    ]);
    expect((await tree.exists(ANYONE, '/b')).stat).toBeNull();
    expect((await tree.exists(ANYONE, '/a')).stat!.version).toBe(0);
    expect((await tree.exists(ANYONE, '/')).stat).toEqual(before);

    const nested = await tree.multi(ANYONE, [
      { op: 'create', path: '/n', data: new Uint8Array(0), acl: OPEN_ACL, mode: 'persistent' },
      { op: 'create', path: '/n', data: new Uint8Array(0), acl: OPEN_ACL, mode: 'persistent' },
    ]);
    expect(nested.results).toEqual([{ op: 'error', code: 0 }, { op: 'error', code: -110 }]);
    const missing = await tree.multi(ANYONE, [{ op: 'delete', path: '/nope', version: -1 }]);
    expect(missing.results).toEqual([{ op: 'error', code: -101 }]);
  });

  it('sees a delete of a child before the delete of its parent', async () => {
    await tree.create(ANYONE, '/d', new Uint8Array(0), OPEN_ACL, 'persistent');
    await tree.create(ANYONE, '/d/k', new Uint8Array(0), OPEN_ACL, 'persistent');
    const r = await tree.multi(ANYONE, [
      { op: 'delete', path: '/d/k', version: -1 },
      { op: 'delete', path: '/d', version: -1 },
    ]);
    expect(r.results).toEqual([{ op: 'delete' }, { op: 'delete' }]);
    expect((await tree.getChildren(ANYONE, '/')).children).toEqual(['zookeeper']);
    expect((await tree.multi(ANYONE, [])).results).toEqual([]);
  });

  it("counts a parent's children once an op needs them, after creates under it that did not", async () => {
    await tree.create(ANYONE, '/q', new Uint8Array(0), OPEN_ACL, 'persistent');
    await tree.create(ANYONE, '/q/old', new Uint8Array(0), OPEN_ACL, 'persistent');
    const set = await tree.multi(ANYONE, [
      { op: 'create', path: '/q/new', data: new Uint8Array(0), acl: OPEN_ACL, mode: 'persistent' },
      { op: 'setData', path: '/q', data: bytes('v'), version: -1 },
    ]);
    expect(set.results[1]).toMatchObject({ op: 'setData', stat: { numChildren: 2, version: 1 } });
    const refused = await tree.multi(ANYONE, [
      { op: 'delete', path: '/q/old', version: -1 },
      { op: 'delete', path: '/q/new', version: -1 },
      { op: 'create', path: '/q/again', data: new Uint8Array(0), acl: OPEN_ACL, mode: 'persistent' },
      { op: 'delete', path: '/q', version: -1 },
    ]);
    // NotEmpty (-111): /q/again is there when /q's delete comes.
    expect(refused.results).toEqual([{ op: 'error', code: 0 }, { op: 'error', code: 0 }, { op: 'error', code: 0 }, { op: 'error', code: -111 }]);
    expect((await tree.getChildren(ANYONE, '/q')).children).toEqual(['new', 'old']);
  });

  it('refuses a multi larger than one txn may carry with BadArguments, writing nothing', async () => {
    const ops = Array.from({ length: 40 }, (_, i) => ({ op: 'create' as const, path: `/big-${i}`, data: new Uint8Array(0), acl: OPEN_ACL, mode: 'persistent' as const }));
    expect(await codeOf(tree.multi(ANYONE, ops))).toBe(-8);
    expect((await tree.getChildren(ANYONE, '/')).children).toEqual(['zookeeper']);
    // What fits is fine.
    expect((await tree.multi(ANYONE, ops.slice(0, 25))).results).toHaveLength(25);
  });

  it('counts every data change of one znode in one multi in its version, as ZooKeeper does', async () => {
    const r = await tree.multi(ANYONE, [
      { op: 'create', path: '/v', data: bytes('a'), acl: OPEN_ACL, mode: 'persistent' },
      { op: 'setData', path: '/v', data: bytes('bb'), version: 0 },
      { op: 'setData', path: '/v', data: bytes('ccc'), version: 1 },
    ]);
    expect(r.results[2]).toMatchObject({ op: 'setData', stat: { version: 2, dataLength: 3 } });
    expect((await tree.exists(ANYONE, '/v')).stat).toMatchObject({ version: 2, dataLength: 3 });
    expect((await tree.setData(ANYONE, '/v', bytes('d'), 2)).stat.version).toBe(3);
    await tree.setACL(ANYONE, '/v', OPEN_ACL, 0); // a meta-only change keeps the version
    expect((await tree.exists(ANYONE, '/v')).stat).toMatchObject({ version: 3, aversion: 1 });
    const twice = await tree.multi(ANYONE, [
      { op: 'setData', path: '/v', data: bytes('e'), version: 3 },
      { op: 'setData', path: '/v', data: bytes('f'), version: 4 },
    ]);
    expect(twice.results[1]).toMatchObject({ stat: { version: 5 } });
    expect((await tree.getData(ANYONE, '/v')).stat.version).toBe(5);

    // Deleted and created again in one multi: a fresh znode's version, and the multi's zxid as its czxid.
    const recreated = await tree.multi(ANYONE, [
      { op: 'delete', path: '/v', version: 5 },
      { op: 'create', path: '/v', data: bytes('new'), acl: OPEN_ACL, mode: 'persistent' },
    ]);
    expect(recreated.results[1]).toMatchObject({ op: 'create', stat: { czxid: recreated.zxid, mzxid: recreated.zxid } });
    const again = await tree.getData(ANYONE, '/v');
    expect(text(again.data)).toBe('new');
    expect(again.stat).toMatchObject({ czxid: recreated.zxid, mzxid: recreated.zxid, version: 0, aversion: 0, cversion: 0, numChildren: 0 });
    const changed = await tree.setData(ANYONE, '/v', bytes('x'), 0);
    expect(changed.stat).toMatchObject({ version: 1, czxid: recreated.zxid, mzxid: changed.zxid });
    await tree.setACL(ANYONE, '/v', OPEN_ACL, 0);
    expect((await tree.exists(ANYONE, '/v')).stat).toMatchObject({ czxid: recreated.zxid, version: 1, aversion: 1 });
    // Deleted and created again once more, one multi each: a plain create's czxid again.
    await tree.delete(ANYONE, '/v', 1);
    const plain = await tree.create(ANYONE, '/v', bytes('p'), OPEN_ACL, 'persistent');
    expect((await tree.exists(ANYONE, '/v')).stat).toMatchObject({ czxid: plain.zxid, version: 0 });
  });
});
