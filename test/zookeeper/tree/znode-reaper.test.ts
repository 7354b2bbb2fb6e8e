// The reaper: on the leader only, containers that had a child and have none, and TTL znodes without
// children left unmodified longer than their TTL, are deleted; anything else stays.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Member } from '../../../cluster/member.js';
import { ZNodeReaper, type ZNodeTree } from '../../../zookeeper/tree/index.js';
import { ANYONE, bytes, OPEN_ACL, startTree } from './tree-member.js';

let member: Member;
let tree: ZNodeTree;
let clock = 1_000_000;

beforeEach(async () => {
  ({ member, tree } = await startTree(() => clock));
});
afterEach(async () => {
  await member.close();
});

async function paths(): Promise<string[]> {
  return (await tree.getChildren(ANYONE, '/')).children;
}

describe('ZNodeReaper', () => {
  it('reaps emptied containers and idle TTL znodes, one pass at a time', async () => {
    const reaper = new ZNodeReaper(tree, { isLeader: () => true });
    await tree.create(ANYONE, '/never-used', new Uint8Array(0), OPEN_ACL, 'container');
    await tree.create(ANYONE, '/emptied', new Uint8Array(0), OPEN_ACL, 'container');
    await tree.create(ANYONE, '/emptied/k', new Uint8Array(0), OPEN_ACL, 'persistent');
    await tree.create(ANYONE, '/busy', new Uint8Array(0), OPEN_ACL, 'container');
    await tree.create(ANYONE, '/busy/k', new Uint8Array(0), OPEN_ACL, 'persistent');
    await tree.create(ANYONE, '/ttl', new Uint8Array(0), OPEN_ACL, 'persistent_with_ttl', 1000);
    await tree.create(ANYONE, '/ttl-parent', new Uint8Array(0), OPEN_ACL, 'persistent_with_ttl', 1000);
    await tree.create(ANYONE, '/ttl-parent/k', new Uint8Array(0), OPEN_ACL, 'persistent');
    await tree.create(ANYONE, '/plain', new Uint8Array(0), OPEN_ACL, 'persistent');
    await tree.delete(ANYONE, '/emptied/k', -1);

    expect(await reaper.pass()).toEqual(['/emptied']);
    clock += 500;
    await tree.setData(ANYONE, '/ttl', bytes('touch'), -1); // a change restarts the TTL
    clock += 800;
    expect(await reaper.pass()).toEqual([]);
    clock += 300;
    expect(await reaper.pass()).toEqual(['/ttl']);
    expect((await paths()).sort()).toEqual(['busy', 'never-used', 'plain', 'ttl-parent', 'zookeeper']);
    await tree.delete(ANYONE, '/ttl-parent/k', -1);
    await tree.delete(ANYONE, '/busy/k', -1);
    expect((await reaper.pass()).sort()).toEqual(['/busy', '/ttl-parent']);
    expect((await paths()).sort()).toEqual(['never-used', 'plain', 'zookeeper']);
  });

  it('runs on its interval while leader, and not otherwise', async () => {
    let leader = false;
    const reaper = new ZNodeReaper(tree, { isLeader: () => leader, intervalMs: 20 });
    await tree.create(ANYONE, '/c', new Uint8Array(0), OPEN_ACL, 'container');
    await tree.create(ANYONE, '/c/k', new Uint8Array(0), OPEN_ACL, 'persistent');
    await tree.delete(ANYONE, '/c/k', -1);
    reaper.start();
    await new Promise((r) => setTimeout(r, 150));
    expect(await paths()).toContain('c');
    leader = true;
    for (let i = 0; i < 50 && (await paths()).includes('c'); i++) await new Promise((r) => setTimeout(r, 20));
    await reaper.stop();
    expect(await paths()).not.toContain('c');
  });
});
