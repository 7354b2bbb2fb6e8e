// The member's ClientServer registers the Watch, Lease, Lock and Election services when it is
// given the backends for them, and serves them beside KV; without them those calls are
// UNIMPLEMENTED, as before.
import { status, type ServiceError } from '@grpc/grpc-js';
import { Etcd3 } from 'etcd3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientServer } from '../../rpc/client-server.js';
import { createEtcdClient, type WatchResponse } from '../../rpc/etcd-api.js';
import { fakeCluster } from './client-server-fixture.js';
import { TestMember } from './watch-test-member.js';

async function start(member: TestMember, withBackends: boolean): Promise<ClientServer> {
  const server = new ClientServer({
    listen: ['127.0.0.1:0'],
    maxRequestBytes: 1.5 * 1024 * 1024,
    kv: member,
    ...(withBackends ? { watch: member, lease: member } : {}),
    // This test serves Watch and Lease only; the Cluster and Maintenance calls it never makes.
    cluster: fakeCluster(member),
    logger: pino({ level: 'silent' }),
  });
  await server.start();
  return server;
}

describe('the ClientServer with the Watch and Lease backends', () => {
  const member = new TestMember();
  let server: ClientServer;
  let client: Etcd3;

  beforeAll(async () => {
    server = await start(member, true);
    client = new Etcd3({ hosts: `127.0.0.1:${server.ports[0]}` });
  });

  afterAll(async () => {
    client.close();
    member.close();
    await server.close();
  });

  it('serves watches, leases, locks and elections beside KV', async () => {
    const watcher = await client.watch().key('served').create();
    const seen = new Promise<string>((resolve) => watcher.once('put', (kv) => resolve(kv.value.toString())));
    const lease = client.lease(30);
    await lease.put('served').value('with a lease');
    expect(await seen).toBe('with a lease');
    await watcher.cancel();

    const lockClient = createEtcdClient('Lock', `127.0.0.1:${server.ports[0]}`);
    const leaseId = await lease.grant();
    const held = await new Promise<{ key: Buffer }>((resolve, reject) =>
      lockClient.Lock({ name: Buffer.from('served-lock'), lease: leaseId }, (e, r) => (e ? reject(e) : resolve(r!))),
    );
    expect(held.key.toString()).toBe(`served-lock/${BigInt(leaseId).toString(16)}`);
    lockClient.close();

    const campaign = await client.election('served-election').campaign('leader').wait();
    expect(await client.election('served-election').leader()).toBe('leader');
    await campaign.resign();
    await lease.revoke();
  });
});

describe('the ClientServer without them', () => {
  it('answers Watch and Lease calls with UNIMPLEMENTED', async () => {
    const member = new TestMember();
    const server = await start(member, false);
    const address = `127.0.0.1:${server.ports[0]}`;
    const lease = createEtcdClient('Lease', address);
    const watch = createEtcdClient('Watch', address);
    try {
      const grant = new Promise<ServiceError | null>((resolve) => lease.LeaseGrant({ TTL: '5' }, (e) => resolve(e)));
      expect(await grant).toMatchObject({ code: status.UNIMPLEMENTED });
      const stream = watch.Watch();
      const ended = new Promise<ServiceError>((resolve) => stream.on('error', resolve));
      stream.on('data', (_: WatchResponse) => undefined);
      stream.write({ create_request: { key: Buffer.from('k') } });
      expect(await ended).toMatchObject({ code: status.UNIMPLEMENTED });
    } finally {
      lease.close();
      watch.close();
      await server.close();
    }
  });
});
