// Services registered through ZooKeeper's protocol show in the registry (Consul's API here), and the
// registry's instances show as znodes, each gone with its original: a ZooKeeper session closing, a
// registered instance's lease revoked, a persistent instance deregistered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Member } from '../../../cluster/member.js';
import { startInProcessMember } from '../../support/in-process-member.js';
import { ZkTestClient } from '../../../bench/tool/zookeeper-client.js';

const OPEN_ACL = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const enc = new TextEncoder();

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the ZooKeeper registry bridge', () => {
  let member: Member;
  let zk: ZkTestClient;
  let consul: string;

  beforeAll(async () => {
    member = await startInProcessMember({ listenZookeeperUrls: ['127.0.0.1:0'] });
    zk = await ZkTestClient.connect('127.0.0.1', member.zookeeperPorts[0]!);
    consul = `http://127.0.0.1:${member.clientPorts[0]!}`;
  });

  afterAll(async () => {
    zk.drop();
    await member.close();
  });

  const health = async (service: string): Promise<{ Service: { ID: string; Address: string; Port: number } }[]> =>
    (await (await fetch(`${consul}/v1/health/service/${service}`)).json()) as { Service: { ID: string; Address: string; Port: number } }[];

  it('shows an ephemeral znode as a registry instance until its session ends', async () => {
    const holder = await ZkTestClient.connect('127.0.0.1', member.zookeeperPorts[0]!);
    for (const p of ['/services', '/services/web']) await holder.raw('create', { path: p, data: null, acl: OPEN_ACL, flags: 0 });
    await holder.call('create', { path: '/services/web/zk-1', data: Buffer.from(JSON.stringify({ host: '127.0.0.1', port: 8080 })), acl: OPEN_ACL, flags: 1 });
    const seen = await until('the instance in Consul\'s API', async () => {
      const h = await health('web');
      return h.length === 1 ? h : undefined;
    });
    expect(seen[0]!.Service).toMatchObject({ ID: 'zk-1', Address: '127.0.0.1', Port: 8080 });
    await holder.close();
    await until('the instance gone', async () => ((await health('web')).length === 0 ? true : undefined));
  });

  it('shows a registry instance as a znode, on the instance\'s lease', async () => {
    const lease = await member.leases.grant(0n, 30);
    await member.write({ type: 'put', request: { key: enc.encode('/lodestone/services/api/api-1'), value: enc.encode(JSON.stringify({ address: '10.0.0.5', port: 9090, tags: ['v2'] })), lease: lease.id } });
    const node = await until('the znode', async () => {
      const r = await zk.raw('getData', { path: '/services/api/api-1', watch: false });
      return r.header.err === 0 && r.response?.type === 'getData' ? r.response.response : undefined;
    });
    expect(JSON.parse(node.data!.toString('utf8'))).toMatchObject({ name: 'api', id: 'api-1', address: '10.0.0.5', port: 9090, tags: ['v2'], serviceType: 'DYNAMIC' });
    expect(node.stat.ephemeralOwner).toBe(lease.id);
    const kids = await zk.call('getChildren', { path: '/services/api', watch: false });
    expect(kids.response).toMatchObject({ response: { children: ['api-1'] } });
    await member.leases.revoke(lease.id);
    await until('the znode gone', async () => ((await zk.raw('exists', { path: '/services/api/api-1', watch: false })).header.err === -101 ? true : undefined));
    // Its mirror never came back as an instance of its own.
    expect(await health('api')).toEqual([]);
  });

  it('keeps a persistent instance\'s znode in step and removes it on deregistration', async () => {
    const key = enc.encode('/lodestone/services/db/db-1');
    await member.write({ type: 'put', request: { key, value: enc.encode(JSON.stringify({ address: '10.0.0.7', port: 5432 })) } });
    await until('the znode', async () => ((await zk.raw('exists', { path: '/services/db/db-1', watch: false })).header.err === 0 ? true : undefined));
    await member.write({ type: 'put', request: { key, value: enc.encode(JSON.stringify({ address: '10.0.0.8', port: 5432 })) } });
    await until('the new address', async () => {
      const r = await zk.raw('getData', { path: '/services/db/db-1', watch: false });
      return r.response?.type === 'getData' && r.response.response.data?.toString('utf8').includes('10.0.0.8') ? true : undefined;
    });
    await member.write({ type: 'deleteRange', request: { key } });
    await until('the znode gone', async () => ((await zk.raw('exists', { path: '/services/db/db-1', watch: false })).header.err === -101 ? true : undefined));
  });
});

describe('the ZooKeeper registry bridge under another base path (a Curator basePath)', () => {
  let member: Member;
  let zk: ZkTestClient;

  beforeAll(async () => {
    member = await startInProcessMember({ listenZookeeperUrls: ['127.0.0.1:0'], zookeeperRegistryBridgePath: '/discovery/prod' });
    zk = await ZkTestClient.connect('127.0.0.1', member.zookeeperPorts[0]!);
  });

  afterAll(async () => {
    zk.drop();
    await member.close();
  });

  const instance = async (service: string, id: string): Promise<string | undefined> => {
    const r = await member.range({ key: enc.encode(`/lodestone/services/${service}/${id}`) }, false);
    const kv = r.kvs[0];
    return kv ? new TextDecoder().decode(kv.value) : undefined;
  };

  it('mirrors znodes under it, and only those, and makes its ancestors for a registry instance', async () => {
    for (const p of ['/discovery', '/discovery/prod', '/discovery/prod/web', '/services', '/services/web']) await zk.raw('create', { path: p, data: null, acl: OPEN_ACL, flags: 0 });
    await zk.call('create', { path: '/discovery/prod/web/zk-1', data: Buffer.from(JSON.stringify({ address: '127.0.0.1', port: 8080 })), acl: OPEN_ACL, flags: 1 });
    await zk.call('create', { path: '/services/web/elsewhere', data: Buffer.from(JSON.stringify({ address: '127.0.0.1', port: 8081 })), acl: OPEN_ACL, flags: 1 });
    const mirrored = await until('the instance', () => instance('web', 'zk-1'));
    expect(JSON.parse(mirrored)).toMatchObject({ address: '127.0.0.1', port: 8080, meta: { 'registered-by': 'zookeeper' } });
    expect(await instance('web', 'elsewhere')).toBeUndefined();

    await member.write({ type: 'put', request: { key: enc.encode('/lodestone/services/api/api-1'), value: enc.encode(JSON.stringify({ address: '10.0.0.5', port: 9090 })) } });
    await until('the znode', async () => ((await zk.raw('exists', { path: '/discovery/prod/api/api-1', watch: false })).header.err === 0 ? true : undefined));
    expect((await zk.raw('exists', { path: '/services/api', watch: false })).header.err).toBe(-101);
  });
});
