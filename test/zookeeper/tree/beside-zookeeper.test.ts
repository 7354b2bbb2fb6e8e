// One scenario, run with Kazoo against a real ZooKeeper 3.8 and through the znode tree on a member:
// the outcomes (values, error kinds, Stat fields that do not depend on zxid numbering) must be equal.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Member } from '../../../cluster/member.js';
import { isZkTreeError, type MultiResult, type ZkCaller, type ZNodeTree, type ZStat, digestAuthId } from '../../../zookeeper/tree/index.js';
import { checkPythonModule, isCi } from '../../support/binaries.js';
import { runPythonScript } from '../../support/python-script.js';
import { startRealZooKeeper, zookeeperInstalled, type RealZooKeeper } from './real-zookeeper.js';
import { ANYONE, bytes, OPEN_ACL, startTree, text } from './tree-member.js';

const kazoo = checkPythonModule('kazoo', 'python3-kazoo', 'the znode tree beside ZooKeeper');
const hasZk = zookeeperInstalled();
if (!hasZk && !isCi()) console.warn('\n!! SKIPPING the znode tree beside ZooKeeper: Debian package zookeeper (and java) not installed !!\n');
const run = kazoo.run && (hasZk || isCi());

const KAZOO_ERRORS: Readonly<Record<number, string>> = {
  0: 'RolledBackError',
  [-2]: 'RuntimeInconsistency',
  [-8]: 'BadArgumentsError',
  [-101]: 'NoNodeError',
  [-102]: 'NoAuthError',
  [-103]: 'BadVersionError',
  [-108]: 'NoChildrenForEphemeralsError',
  [-110]: 'NodeExistsError',
  [-111]: 'NotEmptyError',
  [-112]: 'SessionExpiredError',
  [-114]: 'InvalidACLError',
};

function stat(s: ZStat): object {
  return {
    version: s.version,
    cversion: s.cversion,
    aversion: s.aversion,
    dataLength: s.dataLength,
    numChildren: s.numChildren,
    ephemeral: s.ephemeralOwner !== 0n,
    mzxidIsCzxid: s.mzxid === s.czxid,
    pzxidIsCzxid: s.pzxid === s.czxid,
  };
}

async function outcome(f: () => Promise<unknown>): Promise<unknown> {
  try {
    return await f();
  } catch (error) {
    if (isZkTreeError(error)) return KAZOO_ERRORS[error.code] ?? `code ${error.code}`;
    throw error;
  }
}

function multiOutcome(results: readonly MultiResult[]): unknown[] {
  return results.map((r) => {
    switch (r.op) {
      case 'create':
        return r.path;
      case 'setData':
        return stat(r.stat);
      case 'error':
        return KAZOO_ERRORS[r.code] ?? `code ${r.code}`;
      default:
        return true;
    }
  });
}

async function treeScenario(tree: ZNodeTree, member: Member): Promise<[string, unknown][]> {
  const out: [string, unknown][] = [];
  const step = async (label: string, f: () => Promise<unknown>): Promise<void> => {
    out.push([label, await outcome(f)]);
  };
  const { id } = await member.leases.grant(0n, 30);
  const zk: ZkCaller = { sessionId: id, authIds: [] };
  const other: ZkCaller = { sessionId: 0n, authIds: [] };
  const none = new Uint8Array(0);
  await step('root', async () => stat((await tree.exists(zk, '/')).stat!));
  await step('zookeeper', async () => stat((await tree.exists(zk, '/zookeeper')).stat!));
  await step('config acl', async () => {
    const r = await tree.getACL(zk, '/zookeeper/config');
    return [r.acl.map((a) => [a.perms, a.scheme, a.id]), stat(r.stat)];
  });
  await step('create app', async () => (await tree.create(zk, '/app', bytes('v1'), OPEN_ACL, 'persistent')).path);
  await step('get app', async () => {
    const r = await tree.getData(zk, '/app');
    return [text(r.data), stat(r.stat)];
  });
  await step('set app v0', async () => stat((await tree.setData(zk, '/app', bytes('value2'), 0)).stat));
  await step('set app stale', async () => stat((await tree.setData(zk, '/app', bytes('x'), 0)).stat));
  await step('create app/c', async () => (await tree.create(zk, '/app/c', none, OPEN_ACL, 'persistent')).path);
  await step('delete app/c', async () => (await tree.delete(zk, '/app/c', -1), true));
  await step('seq after delete', async () => (await tree.create(zk, '/app/s-', none, OPEN_ACL, 'persistent_sequential')).path);
  await step('app after', async () => stat((await tree.exists(zk, '/app')).stat!));
  await step('delete app not empty', async () => (await tree.delete(zk, '/app', -1), true));
  await step('delete missing', async () => (await tree.delete(zk, '/missing', -1), true));
  await step('create under missing', async () => (await tree.create(zk, '/missing/x', none, OPEN_ACL, 'persistent')).path);
  await step('create exists', async () => (await tree.create(zk, '/app', none, OPEN_ACL, 'persistent')).path);
  await step('delete /zookeeper', async () => (await tree.delete(zk, '/zookeeper', -1), true));
  await step('txn ok', async () =>
    multiOutcome(
      (
        await tree.multi(zk, [
          { op: 'create', path: '/m', data: bytes('m'), acl: OPEN_ACL, mode: 'persistent' },
          { op: 'create', path: '/m/a', data: none, acl: OPEN_ACL, mode: 'persistent' },
          { op: 'create', path: '/m/s-', data: none, acl: OPEN_ACL, mode: 'persistent_sequential' },
          { op: 'create', path: '/m/s-', data: none, acl: OPEN_ACL, mode: 'persistent_sequential' },
          { op: 'check', path: '/app', version: 1 },
          { op: 'setData', path: '/app', data: bytes('new'), version: 1 },
        ])
      ).results,
    ),
  );
  await step('m after txn', async () => {
    const r = await tree.getChildren(zk, '/m');
    return [r.children, stat(r.stat)];
  });
  await step('txn fail', async () =>
    multiOutcome(
      (
        await tree.multi(zk, [
          { op: 'create', path: '/b', data: none, acl: OPEN_ACL, mode: 'persistent' },
          { op: 'setData', path: '/app', data: bytes('z'), version: -1 },
          { op: 'check', path: '/app', version: 7 },
          { op: 'delete', path: '/app/s-0000000001', version: -1 },
        ])
      ).results,
    ),
  );
  await step('b after failed txn', async () => (await tree.exists(zk, '/b')).stat);
  await step('ephemeral', async () => (await tree.create(zk, '/app/e', none, OPEN_ACL, 'ephemeral')).path);
  await step('ephemeral stat', async () => stat((await tree.exists(zk, '/app/e')).stat!));
  await step('child of ephemeral', async () => (await tree.create(zk, '/app/e/x', none, OPEN_ACL, 'persistent')).path);
  const alice: ZkCaller = { ...zk, authIds: [{ scheme: 'digest', id: digestAuthId('alice:secret') }] };
  const authAcl = [
    { perms: 1, scheme: 'world', id: 'anyone' },
    { perms: 31, scheme: 'auth', id: '' },
  ];
  await step('create auth acl', async () => (await tree.create(alice, '/s', bytes('secret'), authAcl, 'persistent')).path);
  for (const [label, who] of [['acl as other', other], ['acl as owner', alice]] as const) {
    await step(label, async () => {
      const r = await tree.getACL(who, '/s');
      return [r.acl.map((a) => [a.perms, a.scheme, a.id]), stat(r.stat)];
    });
  }
  await step('other writes', async () => stat((await tree.setData(other, '/s', bytes('x'), -1)).stat));
  await step('other reads', async () => {
    const r = await tree.getData(other, '/s');
    return [text(r.data), stat(r.stat)];
  });
  await step('owner sets acl', async () => stat((await tree.setACL(alice, '/s', [{ perms: 1, scheme: 'world', id: 'anyone' }], 0)).stat));
  await step('root children', async () => (await tree.getChildren(zk, '/')).children);
  await step('root after', async () => stat((await tree.exists(zk, '/')).stat!));
  // A session's close, as the server does it: its ephemerals through the tree, then its lease.
  await tree.closeSession(zk);
  await member.leases.revoke(id);
  await step('app after session', async () => stat((await tree.exists(ANYONE, '/app')).stat!));
  return out;
}

describe.runIf(run)('the znode tree beside a real ZooKeeper 3.8', () => {
  let zk: RealZooKeeper | undefined;
  let member: Member | undefined;

  beforeAll(async () => {
    kazoo.assertPresent();
    if (!hasZk) throw new Error('the znode tree beside ZooKeeper needs Debian package zookeeper (and java)');
    zk = await startRealZooKeeper();
  }, 60_000);
  afterAll(async () => {
    await zk?.stop();
    await member?.close();
  });

  it('gives the same outcomes, step by step', async () => {
    const script = join(dirname(fileURLToPath(import.meta.url)), 'beside-zookeeper.py');
    const lines = await runPythonScript(script, [zk!.address]);
    const expected = lines.map((l) => JSON.parse(l) as [string, unknown]);
    const started = await startTree();
    member = started.member;
    const actual = await treeScenario(started.tree, started.member);
    expect(actual.map(([label]) => label)).toEqual(expected.map(([label]) => label));
    for (const [i, [label, want]] of expected.entries()) expect(actual[i]![1], label).toEqual(want);
  }, 90_000);
});
