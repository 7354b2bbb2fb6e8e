// Ephemerals on a session's lease (gone with it, on the parent's numChildren too), and ACLs: denial
// per operation with NoAuth, digest auth, "auth" expansion, getACL's redaction without ADMIN.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Member } from '../../../cluster/member.js';
import { CONTAINER_EPHEMERAL_OWNER, digestAuthId, type ZkCaller, type ZNodeTree } from '../../../zookeeper/tree/index.js';
import { ANYONE, bytes, codeOf, OPEN_ACL, startTree } from './tree-member.js';

let member: Member;
let tree: ZNodeTree;

beforeEach(async () => {
  ({ member, tree } = await startTree());
});
afterEach(async () => {
  await member.close();
});

describe('znode tree: sessions', () => {
  it('puts ephemerals on the session lease and drops them when it is revoked', async () => {
    const { id } = await member.leases.grant(0n, 30);
    const session: ZkCaller = { sessionId: id, authIds: [] };
    await tree.create(ANYONE, '/svc', new Uint8Array(0), OPEN_ACL, 'persistent');
    const e = await tree.create(session, '/svc/node-', bytes('10.0.0.1'), OPEN_ACL, 'ephemeral_sequential');
    expect(e.path).toBe('/svc/node-0000000000');
    expect(e.stat.ephemeralOwner).toBe(id);
    await tree.create(session, '/svc/fixed', new Uint8Array(0), OPEN_ACL, 'ephemeral');
    await tree.create(ANYONE, '/svc/keep', new Uint8Array(0), OPEN_ACL, 'persistent');
    expect((await tree.exists(ANYONE, '/svc')).stat!.numChildren).toBe(3);
    expect(await codeOf(tree.create(session, '/svc/fixed/kid', new Uint8Array(0), OPEN_ACL, 'persistent'))).toBe(-108);

    expect((await tree.getEphemerals(session, '/')).paths).toEqual(['/svc/fixed', '/svc/node-0000000000']);
    expect((await tree.getEphemerals(session, '/svc/n')).paths).toEqual(['/svc/node-0000000000']);
    expect((await tree.getEphemerals(ANYONE, '/')).paths).toEqual([]);

    await member.leases.revoke(id);
    const svc = await tree.getChildren(ANYONE, '/svc');
    expect(svc.children).toEqual(['keep']);
    expect(svc.stat.numChildren).toBe(1);
    expect(await codeOf(tree.create(session, '/svc/again', new Uint8Array(0), OPEN_ACL, 'ephemeral'))).toBe(-112);
    expect((await tree.exists(ANYONE, '/svc/again')).stat).toBeNull();
  });

  it('closes a session as ZooKeeper does: its ephemerals deleted in one txn, their parents’ pzxid moved', async () => {
    const { id } = await member.leases.grant(0n, 30);
    const session: ZkCaller = { sessionId: id, authIds: [] };
    const { id: otherId } = await member.leases.grant(0n, 30);
    await tree.create(ANYONE, '/svc', new Uint8Array(0), OPEN_ACL, 'persistent');
    await tree.create(ANYONE, '/other', new Uint8Array(0), OPEN_ACL, 'persistent');
    await tree.create(session, '/svc/a', new Uint8Array(0), OPEN_ACL, 'ephemeral');
    await tree.create(session, '/svc/b-', new Uint8Array(0), OPEN_ACL, 'ephemeral_sequential');
    await tree.create(session, '/other/c', new Uint8Array(0), OPEN_ACL, 'ephemeral');
    await tree.create({ sessionId: otherId, authIds: [] }, '/svc/theirs', new Uint8Array(0), OPEN_ACL, 'ephemeral');
    const before = (await tree.exists(ANYONE, '/svc')).stat!;
    expect(before).toMatchObject({ cversion: 3, numChildren: 3 });

    const closed = await tree.closeSession(session);
    expect(closed.paths).toEqual(['/other/c', '/svc/a', '/svc/b-0000000001']);
    const svc = await tree.getChildren(ANYONE, '/svc');
    expect(svc.children).toEqual(['theirs']);
    // ZooKeeper reports 2 × creates − children: 2 × 3 − 1.
    expect(svc.stat).toMatchObject({ cversion: 5, numChildren: 1, pzxid: closed.zxid });
    expect((await tree.exists(ANYONE, '/other')).stat!.pzxid).toBe(closed.zxid);
    await member.leases.revoke(id);
    expect((await tree.closeSession(session)).paths).toEqual([]);
    expect((await tree.getChildren(ANYONE, '/svc')).children).toEqual(['theirs']);
  });

  it('keeps an ephemeral on its lease through setData and setACL', async () => {
    const { id } = await member.leases.grant(0n, 30);
    const session: ZkCaller = { sessionId: id, authIds: [] };
    await tree.create(session, '/e', new Uint8Array(0), OPEN_ACL, 'ephemeral');
    await tree.setData(session, '/e', bytes('x'), 0);
    await tree.setACL(session, '/e', OPEN_ACL, 0);
    expect((await tree.exists(ANYONE, '/e')).stat!.ephemeralOwner).toBe(id);
    await member.leases.revoke(id);
    expect((await tree.exists(ANYONE, '/e')).stat).toBeNull();
  });

  it('shows ZooKeeper’s ephemeralOwner for containers and TTL znodes', async () => {
    const c = await tree.create(ANYONE, '/c', new Uint8Array(0), OPEN_ACL, 'container');
    expect(c.stat.ephemeralOwner).toBe(CONTAINER_EPHEMERAL_OWNER);
    const t = await tree.create(ANYONE, '/t', new Uint8Array(0), OPEN_ACL, 'persistent_with_ttl', 5000);
    expect(t.stat.ephemeralOwner).toBe(BigInt.asIntN(64, 0xff00000000000000n | 5000n));
    const ts = await tree.create(ANYONE, '/t/s-', new Uint8Array(0), OPEN_ACL, 'persistent_sequential_with_ttl', 7);
    expect(ts.path).toBe('/t/s-0000000000');
  });
});

describe('znode tree: ACLs', () => {
  const alice: ZkCaller = { sessionId: 0n, authIds: [{ scheme: 'digest', id: digestAuthId('alice:secret') }] };
  const bob: ZkCaller = { sessionId: 0n, authIds: [{ scheme: 'digest', id: digestAuthId('bob:pw') }] };

  it('computes digest ids as ZooKeeper does', () => {
    // DigestAuthenticationProvider.generateDigest("super:test").
    expect(digestAuthId('super:test')).toBe('super:D/InIHSb7yEEbrWz8b9l71RjZJU=');
  });

  it('refuses each operation without its permission, with NoAuth', async () => {
    const onlyAlice = [{ perms: 31, scheme: 'digest', id: digestAuthId('alice:secret') }];
    await tree.create(alice, '/private', bytes('s'), onlyAlice, 'persistent');
    await tree.create(alice, '/private/kid', new Uint8Array(0), OPEN_ACL, 'persistent');
    expect(await codeOf(tree.getData(bob, '/private'))).toBe(-102);
    expect(await codeOf(tree.getChildren(bob, '/private'))).toBe(-102);
    expect(await codeOf(tree.setData(bob, '/private', bytes('x'), -1))).toBe(-102);
    expect(await codeOf(tree.create(bob, '/private/x', new Uint8Array(0), OPEN_ACL, 'persistent'))).toBe(-102);
    expect(await codeOf(tree.delete(bob, '/private/kid', -1))).toBe(-102);
    expect(await codeOf(tree.setACL(bob, '/private', OPEN_ACL, -1))).toBe(-102);
    expect(await codeOf(tree.getACL(bob, '/private'))).toBe(-102);
    expect(await codeOf(tree.getAllChildrenNumber(bob, '/private'))).toBe(-102);
    const denied = await tree.multi(bob, [{ op: 'check', path: '/private', version: -1 }]);
    expect(denied.results).toEqual([{ op: 'error', code: -102 }]);
    // exists needs no permission.
    expect((await tree.exists(bob, '/private')).stat).not.toBeNull();
    // Alice may do all of it.
    expect((await tree.getData(alice, '/private')).data).toEqual(bytes('s'));
    await tree.delete(alice, '/private/kid', -1);
    await tree.setData(alice, '/private', bytes('t'), 0);
  });

  it('checks each permission bit on its own', async () => {
    const acl = (perms: number) => [
      { perms, scheme: 'digest', id: digestAuthId('bob:pw') },
      { perms: 31, scheme: 'digest', id: digestAuthId('alice:secret') },
    ];
    await tree.create(alice, '/r', bytes('d'), acl(1), 'persistent');
    expect((await tree.getData(bob, '/r')).data).toEqual(bytes('d'));
    expect(await codeOf(tree.setData(bob, '/r', bytes('x'), -1))).toBe(-102);
    await tree.setACL(alice, '/r', acl(2), -1);
    await tree.setData(bob, '/r', bytes('x'), -1);
    expect(await codeOf(tree.getData(bob, '/r'))).toBe(-102);
    await tree.setACL(alice, '/r', acl(4), -1);
    await tree.create(bob, '/r/k', new Uint8Array(0), OPEN_ACL, 'persistent');
    expect(await codeOf(tree.delete(bob, '/r/k', -1))).toBe(-102);
    await tree.setACL(alice, '/r', acl(8), -1);
    await tree.delete(bob, '/r/k', -1);
    // With ADMIN only: setACL and getACL, and the digests unhidden.
    await tree.setACL(alice, '/r', acl(16), -1);
    const asAdmin = await tree.getACL(bob, '/r');
    expect(asAdmin.acl[1]!.id).toBe(digestAuthId('alice:secret'));
    expect(asAdmin.stat.aversion).toBe(4);
  });

  it('hides digests from a reader without ADMIN, and expands "auth" to the caller’s ids', async () => {
    await tree.create(alice, '/shared', new Uint8Array(0), [
      { perms: 1, scheme: 'world', id: 'anyone' },
      { perms: 31, scheme: 'auth', id: '' },
    ], 'persistent');
    const seen = await tree.getACL(bob, '/shared');
    expect(seen.acl).toEqual([
      { perms: 1, scheme: 'world', id: 'anyone' },
      { perms: 31, scheme: 'digest', id: 'alice:x' },
    ]);
    const own = await tree.getACL(alice, '/shared');
    expect(own.acl[1]).toEqual({ perms: 31, scheme: 'digest', id: digestAuthId('alice:secret') });
    // ip ACLs match the caller's address by prefix.
    await tree.create(ANYONE, '/ip', new Uint8Array(0), [{ perms: 31, scheme: 'ip', id: '10.1.0.0/16' }], 'persistent');
    expect((await tree.getData({ sessionId: 0n, authIds: [{ scheme: 'ip', id: '10.1.2.3' }] }, '/ip')).stat.version).toBe(0);
    expect(await codeOf(tree.getData({ sessionId: 0n, authIds: [{ scheme: 'ip', id: '10.2.2.3' }] }, '/ip'))).toBe(-102);
  });
});
