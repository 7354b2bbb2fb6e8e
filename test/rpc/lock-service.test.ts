// The Lock service (v3lockpb) through real gRPC against a TestMember: one holder at a time, in the
// order the contenders came; the key is "<name>/<lease in hex>"; a contender that gives up, or
// whose lease ends, leaves the queue; errors as etcd's lock server sends them (code UNKNOWN).
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEtcdClient, type LockResponse, type ServiceClient, type UnlockResponse } from '../../rpc/etcd-api.js';
import { TestMember } from './watch-test-member.js';
import { serveServices, type ServedMember } from './watch-test-server.js';

function call<Res>(invoke: (cb: (err: ServiceError | null, res?: Res) => void) => void): Promise<Res> {
  return new Promise((resolve, reject) => invoke((err, res) => (err ? reject(err) : resolve(res!))));
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('the Lock service', () => {
  let served: ServedMember;
  let member: TestMember;
  let locks: ServiceClient<'Lock'>;

  const lock = (name: string, lease: bigint | string) =>
    call<LockResponse>((cb) => locks.Lock({ name: Buffer.from(name), lease: String(lease) }, cb));
  const unlock = (key: Buffer) => call((cb) => locks.Unlock({ key }, cb));
  const lease = async (id = 0n) => (await member.grant(id, 60)).id;
  /** The keys queued for a lock, oldest first. */
  const queue = async (name: string): Promise<string[]> => {
    const r = await member.range({ key: Buffer.from(`${name}/`), rangeEnd: Buffer.from(`${name}0`), sortTarget: 'create', sortOrder: 'ascend' });
    return r.kvs.map((kv) => Buffer.from(kv.key).toString());
  };

  beforeEach(async () => {
    served = await serveServices();
    member = served.member;
    locks = createEtcdClient('Lock', served.address);
  });

  afterEach(async () => {
    locks.close();
    await served.close();
  });

  it('gives the lock to one holder at a time, in the order the contenders came', async () => {
    const [l1, l2, l3] = [await lease(), await lease(), await lease()];
    const first = await lock('door', l1);
    expect(first.key.toString()).toBe(`door/${l1.toString(16)}`);
    expect(first.header!.revision).toBe(String(member.revision));

    const order: string[] = [];
    const second = lock('door', l2).then((r) => (order.push('second'), r));
    await until(async () => (await queue('door')).length === 2);
    const third = lock('door', l3).then((r) => (order.push('third'), r));
    await until(async () => (await queue('door')).length === 3);

    await unlock(first.key);
    const held = await second;
    expect(held.key.toString()).toBe(`door/${l2.toString(16)}`);
    // etcd answers a lock that waited with the revision of the read that found the way clear.
    expect(held.header!.revision).toBe(String(member.revision));
    expect(order).toEqual(['second']);
    await unlock(held.key);
    expect((await third).key.toString()).toBe(`door/${l3.toString(16)}`);
    expect(order).toEqual(['second', 'third']);
  });

  it('lets a session that holds the lock take it again at once, with the same key', async () => {
    const l = await lease();
    const first = await lock('again', l);
    const second = await lock('again', l);
    expect(second.key).toEqual(first.key);
    expect(await queue('again')).toEqual([first.key.toString()]);
  });

  it('writes a negative lease id as Go prints it, and grants a lease of its own when none is named', async () => {
    await member.grant(-7n, 60);
    expect((await lock('signed', -7n)).key.toString()).toBe('signed/-7');
    const own = await lock('leaseless', 0n);
    const id = BigInt('0x' + own.key.toString().slice('leaseless/'.length));
    expect(member.hasLease(id)).toBe(true);
    expect((await member.timeToLive(id, false)).grantedTtl).toBe(60);
  });

  it('hands the lock on when the holder’s lease ends', async () => {
    const [l1, l2] = [await lease(), await lease()];
    await lock('expiry', l1);
    const next = lock('expiry', l2);
    await until(async () => (await queue('expiry')).length === 2);
    await member.revoke(l1);
    expect((await next).key.toString()).toBe(`expiry/${l2.toString(16)}`);
  });

  it('takes a contender that gives up out of the queue', async () => {
    const [l1, l2, l3] = [await lease(), await lease(), await lease()];
    const first = await lock('impatient', l1);
    const giving = locks.Lock({ name: Buffer.from('impatient'), lease: String(l2) }, new Metadata(), () => undefined);
    await until(async () => (await queue('impatient')).length === 2);
    const third = lock('impatient', l3);
    await until(async () => (await queue('impatient')).length === 3);
    giving.cancel();
    await until(async () => !(await queue('impatient')).includes(`impatient/${l2.toString(16)}`));
    await unlock(first.key);
    expect((await third).key.toString()).toBe(`impatient/${l3.toString(16)}`);
  });

  it('answers a contender whose own lease ended while it waited with etcd’s "session is expired"', async () => {
    const [l1, l2] = [await lease(), await lease()];
    const first = await lock('session', l1);
    const waiting = lock('session', l2).catch((e: unknown) => e);
    await until(async () => (await queue('session')).length === 2);
    await member.revoke(l2);
    await unlock(first.key);
    expect(await waiting).toMatchObject({ code: status.UNKNOWN, details: 'mutex: session is expired' });
  });

  it('answers a lease that does not exist with etcd’s message and code UNKNOWN, as etcd’s lock server does', async () => {
    await expect(lock('nolease', 777n)).rejects.toMatchObject({ code: status.UNKNOWN, details: 'etcdserver: requested lease not found' });
  });

  it('unlocks a key that is not there without complaint', async () => {
    const r = await call<UnlockResponse>((cb) => locks.Unlock({ key: Buffer.from('nothing/here') }, cb));
    expect(r.header?.revision).toBe(String(member.revision));
  });
});
