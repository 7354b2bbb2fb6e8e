// Writes racing on one member: sequential creates from two trees get distinct consecutive names,
// plain creates of different children all land, and the parent's cversion counts every one.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Member } from '../../../cluster/member.js';
import { ZNodeTree } from '../../../zookeeper/tree/index.js';
import { ANYONE, codeOf, OPEN_ACL, startTree } from './tree-member.js';

let member: Member;
let tree: ZNodeTree;

beforeEach(async () => {
  ({ member, tree } = await startTree());
});
afterEach(async () => {
  await member.close();
});

describe('znode tree under concurrency', () => {
  it('gives 20 concurrent sequential creates from two trees 20 distinct consecutive names', async () => {
    const other = new ZNodeTree({ kv: member });
    await tree.create(ANYONE, '/q', new Uint8Array(0), OPEN_ACL, 'persistent');
    await tree.create(ANYONE, '/q/first', new Uint8Array(0), OPEN_ACL, 'persistent'); // cversion 1 before the race
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? tree : other).create(ANYONE, '/q/item-', new Uint8Array(0), OPEN_ACL, 'persistent_sequential')),
    );
    const names = results.map((r) => r.path).sort();
    expect(names).toEqual(Array.from({ length: 20 }, (_, i) => `/q/item-${String(i + 1).padStart(10, '0')}`));
    const zxids = new Set(results.map((r) => r.zxid));
    expect(zxids.size).toBe(20);
    const q = (await tree.exists(ANYONE, '/q')).stat!;
    expect(q.cversion).toBe(21);
    expect(q.numChildren).toBe(21);
    expect(q.pzxid).toBe([...zxids].reduce((a, b) => (a > b ? a : b)));
  });

  it('lands every concurrent plain create under one parent, and refuses all but one of the same name', async () => {
    await tree.create(ANYONE, '/p', new Uint8Array(0), OPEN_ACL, 'persistent');
    const other = new ZNodeTree({ kv: member });
    await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? tree : other).create(ANYONE, `/p/c${i}`, new Uint8Array(0), OPEN_ACL, 'persistent')));
    const p = await tree.getChildren(ANYONE, '/p');
    expect(p.children).toHaveLength(30);
    expect(p.stat.cversion).toBe(30);
    expect(p.stat.numChildren).toBe(30);

    const same = await Promise.all(Array.from({ length: 6 }, (_, i) => codeOf((i % 2 ? tree : other).create(ANYONE, '/p/same', new Uint8Array(0), OPEN_ACL, 'persistent'))));
    expect(same.filter((c) => c === 'ok')).toHaveLength(1);
    expect(same.filter((c) => c === -110)).toHaveLength(5);
  });

  it('lets one of two racing versioned setData win and the other fail with BadVersion', async () => {
    await tree.create(ANYONE, '/v', new Uint8Array(0), OPEN_ACL, 'persistent');
    const other = new ZNodeTree({ kv: member });
    const codes = await Promise.all([
      codeOf(tree.setData(ANYONE, '/v', new Uint8Array([1]), 0)),
      codeOf(other.setData(ANYONE, '/v', new Uint8Array([2]), 0)),
    ]);
    expect(codes.sort()).toEqual([-103, 'ok'].sort());
    expect((await tree.exists(ANYONE, '/v')).stat!.version).toBe(1);
  });

  it('never leaves a child under a deleted parent when a create races the delete', async () => {
    for (let round = 0; round < 5; round++) {
      await tree.create(ANYONE, '/r', new Uint8Array(0), OPEN_ACL, 'persistent');
      const other = new ZNodeTree({ kv: member });
      const [created, deleted] = await Promise.all([
        codeOf(other.create(ANYONE, '/r/kid', new Uint8Array(0), OPEN_ACL, 'persistent')),
        codeOf(tree.delete(ANYONE, '/r', -1)),
      ]);
      if (created === 'ok') {
        expect(deleted).toBe(-111);
        await tree.delete(ANYONE, '/r/kid', -1);
        await tree.delete(ANYONE, '/r', -1);
      } else {
        expect(created).toBe(-101);
        expect(deleted).toBe('ok');
      }
      expect((await tree.getChildren(ANYONE, '/')).children).toEqual(['zookeeper']);
    }
  });
});
