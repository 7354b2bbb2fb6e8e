// An embedded node (openNode) serves ZooKeeper's protocol too when given `zookeeper`, on the port 0
// picked; a znode written there is in the keys the node's own client reads, and the registry
// bridge is on unless turned off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNode, register, type LodestoneNode } from '../../../index.js';
import { ZkTestClient } from '../../../bench/tool/zookeeper-client.js';

const OPEN_ACL = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];

describe('an embedded node with a ZooKeeper listener', () => {
  let node: LodestoneNode;
  let client: ZkTestClient;

  beforeAll(async () => {
    node = await openNode({ inMemory: true }, { zookeeper: { listen: ['127.0.0.1:0'] } });
    client = await ZkTestClient.connect('127.0.0.1', node.member.zookeeperPorts[0]!);
  });
  afterAll(async () => {
    client?.drop();
    await node?.close();
  });

  it('answers a ZooKeeper client, and the znode is in the keys its etcd API reads', async () => {
    expect(node.member.zookeeperPorts).toHaveLength(1);
    await client.call('create', { path: '/app', data: Buffer.from('v1'), acl: OPEN_ACL, flags: 0 });
    const read = await client.call('getData', { path: '/app', watch: false });
    expect(read.response).toMatchObject({ type: 'getData', response: { data: Buffer.from('v1') } });
    expect((await node.get('/lodestone/zk/data/app'))?.valueString).toBe('v1');
  });

  it('mirrors a registry instance registered on the node as a znode under /services', async () => {
    const registration = await register(node, 'web', 'web-1', { address: '127.0.0.1', port: 8080, persistent: true });
    let children: readonly string[] = [];
    for (let i = 0; i < 100 && children.length === 0; i++) {
      const r = await client.call('getChildren', { path: '/services/web', watch: false }).catch(() => undefined);
      if (r?.response?.type === 'getChildren') children = r.response.response.children;
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(children).toEqual(['web-1']);
    await registration.deregister();
  });
});
