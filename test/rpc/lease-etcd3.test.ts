// The etcd3 npm client's leases against the Lease service (and a TestMember whose leases expire on
// timers): a kept-alive lease keeps its key past its TTL, revoking deletes the key, a lease nobody
// keeps alive takes its key with it, and a lease that is gone is reported as lost.
import { Etcd3, EtcdLeaseInvalidError } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestMember } from './watch-test-member.js';
import { serveServices, type ServedMember } from './watch-test-server.js';

describe('the etcd3 client’s leases', () => {
  let served: ServedMember;
  let client: Etcd3;

  beforeAll(async () => {
    served = await serveServices(new TestMember({ minTtlSeconds: 1 }));
    client = new Etcd3({ hosts: served.address });
  });

  afterAll(async () => {
    client.close();
    await served.close();
  });

  it('grants a lease, attaches a key, and keeps both alive past the TTL', async () => {
    const lease = client.lease(1);
    await lease.put('kept').value('alive');
    // A renewal every third of the TTL: four of them outlast the TTL with the key still there.
    let renewals = 0;
    await new Promise<void>((resolve) => {
      lease.on('keepaliveSucceeded', () => {
        if (++renewals === 4) resolve();
      });
    });
    expect(await client.get('kept').string()).toBe('alive');
    await lease.revoke();
  });

  it('deletes the key when the lease is revoked', async () => {
    const lease = client.lease(30);
    await lease.put('revoked').value('soon gone');
    expect(await client.get('revoked').string()).toBe('soon gone');
    await lease.revoke();
    expect(await client.get('revoked').string()).toBeNull();
    expect(served.member.hasLease(BigInt(await lease.grant()))).toBe(false);
  });

  it('deletes the key of a lease nobody keeps alive', async () => {
    const lease = client.lease(1, { autoKeepAlive: false });
    await lease.put('expiring').value('v');
    const watcher = await client.watch().key('expiring').create();
    await new Promise((resolve) => watcher.once('delete', resolve));
    expect(await client.get('expiring').string()).toBeNull();
    await watcher.cancel();
  });

  it('reports a keep-alive of a lease that is gone as lost', async () => {
    const lease = client.lease(30, { autoKeepAlive: false });
    const id = BigInt(await lease.grant());
    await served.member.revoke(id);
    await expect(lease.keepaliveOnce()).rejects.toBeInstanceOf(EtcdLeaseInvalidError);
  });
});
