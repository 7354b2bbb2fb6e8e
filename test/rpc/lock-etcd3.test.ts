// The etcd3 npm client's locks against a TestMember through our KV and Lease services: its
// recipe (a lease, a create-if-absent txn, a revoke to release) excludes a second holder until
// the first releases.
import { Etcd3, EtcdLockFailedError } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveServices, type ServedMember } from './watch-test-server.js';

describe('the etcd3 client’s locks', () => {
  let served: ServedMember;
  let client: Etcd3;

  beforeAll(async () => {
    served = await serveServices();
    client = new Etcd3({ hosts: served.address });
  });

  afterAll(async () => {
    client.close();
    await served.close();
  });

  it('excludes a second holder until the first releases', async () => {
    const first = await client.lock('shared').acquire();
    await expect(client.lock('shared').acquire()).rejects.toBeInstanceOf(EtcdLockFailedError);
    await first.release();
    const second = await client.lock('shared').acquire();
    await second.release();
  });

  it('lets exactly one of many simultaneous contenders hold the lock', async () => {
    const attempts = await Promise.allSettled(Array.from({ length: 8 }, () => client.lock('contended').acquire()));
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    for (const a of attempts) {
      if (a.status === 'rejected') expect(a.reason).toBeInstanceOf(EtcdLockFailedError);
      else await a.value.release();
    }
  });

  it('runs a function under the lock and releases it afterwards', async () => {
    const result = await client.lock('scoped').do(async () => {
      await expect(client.lock('scoped').acquire()).rejects.toBeInstanceOf(EtcdLockFailedError);
      return 'done';
    });
    expect(result).toBe('done');
    await (await client.lock('scoped').acquire()).release();
  });
});
