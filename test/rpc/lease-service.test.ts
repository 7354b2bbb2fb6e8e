// The Lease service through real gRPC against a TestMember: ids both ways exactly (all 64 bits,
// negative ones too), etcd's errors with etcd's codes, TTL 0 and -1 for a lease that is not there,
// keep-alive answers in order, and the stream's end.
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEtcdClient,
  type LeaseGrantResponse,
  type LeaseKeepAliveResponse,
  type LeaseRevokeResponse,
  type ServiceClient,
} from '../../rpc/etcd-api.js';
import { EtcdError } from '../../rpc/etcd-errors.js';
import { TestMember } from './watch-test-member.js';
import { serveServices, type ServedMember } from './watch-test-server.js';

function call<Res>(invoke: (cb: (err: ServiceError | null, res?: Res) => void) => void): Promise<Res> {
  return new Promise((resolve, reject) => invoke((err, res) => (err ? reject(err) : resolve(res!))));
}

/** A member whose renewals of lease 13 are slow and of lease 666 fail as a member without a leader fails them. */
class UnevenMember extends TestMember {
  /** Renewals under way now, and the most there were at once. */
  renewing = 0;
  mostRenewing = 0;

  override async keepAlive(id: bigint): Promise<{ readonly ttl: number; readonly revision: number }> {
    this.renewing++;
    this.mostRenewing = Math.max(this.mostRenewing, this.renewing);
    try {
      if (id === 13n) await new Promise((resolve) => setTimeout(resolve, 30));
      if (id === 666n) throw new EtcdError('ETCD_NO_LEADER');
      return await super.keepAlive(id);
    } finally {
      this.renewing--;
    }
  }
}

describe('the Lease service', () => {
  let served: ServedMember;
  let lease: ServiceClient<'Lease'>;
  let kv: ServiceClient<'KV'>;
  const grant = (TTL: string, ID = '0') => call<LeaseGrantResponse>((cb) => lease.LeaseGrant({ TTL, ID }, cb));
  const timeToLive = (ID: string, keys: boolean) =>
    call<{ ID: string; TTL: string; grantedTTL: string; keys: Buffer[] }>((cb) => lease.LeaseTimeToLive({ ID, keys }, cb));

  beforeAll(async () => {
    served = await serveServices(new UnevenMember());
    lease = createEtcdClient('Lease', served.address);
    kv = createEtcdClient('KV', served.address);
  });

  afterAll(async () => {
    lease.close();
    kv.close();
    await served.close();
  });

  it('grants a lease with the id asked for, every bit of it, or one the member chooses', async () => {
    const chosen = await grant('30');
    expect(BigInt(chosen.ID)).toBeGreaterThan(0n);
    expect(chosen.TTL).toBe('30');
    expect(await grant('30', '9223372036854775807')).toMatchObject({ ID: '9223372036854775807', TTL: '30' });
    expect(await grant('30', '-7')).toMatchObject({ ID: '-7' });
    const { leases } = await call<{ leases: { ID: string }[] }>((cb) => lease.LeaseLeases({}, cb));
    expect(leases.map((l) => l.ID)).toEqual(expect.arrayContaining([chosen.ID, '9223372036854775807', '-7']));
  });

  it('answers with etcd’s errors: lease exists, TTL too large, lease not found', async () => {
    await grant('30', '500');
    await expect(grant('30', '500')).rejects.toMatchObject({ code: status.FAILED_PRECONDITION, details: 'etcdserver: lease already exists' });
    await expect(grant('9000000001', '501')).rejects.toMatchObject({ code: status.OUT_OF_RANGE, details: 'etcdserver: too large lease TTL' });
    expect(served.member.hasLease(501n)).toBe(false);
    await expect(call((cb) => lease.LeaseRevoke({ ID: '424242' }, cb))).rejects.toMatchObject({
      code: status.NOT_FOUND,
      details: 'etcdserver: requested lease not found',
    });
  });

  it('tells the time to live, with the keys when asked; -1 for a lease that is not there', async () => {
    await grant('60', '600');
    for (const key of ['ttl/a', 'ttl/b']) await call((cb) => kv.Put({ key: Buffer.from(key), value: Buffer.from('v'), lease: '600' }, cb));
    const withKeys = await timeToLive('600', true);
    expect(withKeys).toMatchObject({ ID: '600', grantedTTL: '60' });
    expect(Number(withKeys.TTL)).toBeGreaterThan(0);
    expect(withKeys.keys.map(String).sort()).toEqual(['ttl/a', 'ttl/b']);
    expect((await timeToLive('600', false)).keys).toEqual([]);
    expect(await timeToLive('601', true)).toMatchObject({ ID: '601', TTL: '-1', grantedTTL: '0', keys: [] });
  });

  it('revokes a lease and its keys in one revision', async () => {
    await grant('60', '700');
    for (const key of ['rv/a', 'rv/b']) await call((cb) => kv.Put({ key: Buffer.from(key), value: Buffer.from('v'), lease: '700' }, cb));
    const before = served.member.revision;
    const revoked = await call<LeaseRevokeResponse>((cb) => lease.LeaseRevoke({ ID: '700' }, cb));
    expect(revoked.header?.revision).toBe(String(before + 1));
    const left = await call<{ count: string }>((cb) => kv.Range({ key: Buffer.from('rv/'), range_end: Buffer.from('rv0') }, cb));
    expect(left.count).toBe('0');
  });

  it('answers keep-alives in order, TTL 0 for a lease that is not there, and ends when the client does', async () => {
    await grant('20', '13');
    await grant('40', '14');
    const stream = lease.LeaseKeepAlive();
    const answers: LeaseKeepAliveResponse[] = [];
    stream.on('data', (r: LeaseKeepAliveResponse) => answers.push(r));
    const ended = new Promise<{ code: number }>((resolve) => stream.on('status', resolve));
    for (const ID of ['13', '14', '99', '13']) stream.write({ ID });
    stream.end();
    expect((await ended).code).toBe(status.OK);
    expect(answers.map((r) => [r.ID, r.TTL])).toEqual([
      ['13', '20'],
      ['14', '40'],
      ['99', '0'],
      ['13', '20'],
    ]);
    expect(answers.every((r) => r.header?.revision === String(served.member.revision))).toBe(true);
  });

  it('renews a stream’s requests side by side, and still answers them in order', async () => {
    // Leases 13 (slow to renew) and 14 were granted by the test before.
    const member = served.member as UnevenMember;
    member.mostRenewing = 0;
    const stream = lease.LeaseKeepAlive();
    const answers: string[] = [];
    stream.on('data', (r: LeaseKeepAliveResponse) => answers.push(r.ID));
    const ended = new Promise<{ code: number }>((resolve) => stream.on('status', resolve));
    const ids = ['13', '13', '14', '13', '14', '13'];
    for (const ID of ids) stream.write({ ID });
    stream.end();
    expect((await ended).code).toBe(status.OK);
    expect(answers).toEqual(ids);
    expect(member.mostRenewing).toBeGreaterThan(1);
  });

  it('answers the requests before a failed renewal, then ends the stream with etcd’s status', async () => {
    const stream = lease.LeaseKeepAlive(new Metadata());
    const answers: string[] = [];
    stream.on('data', (r: LeaseKeepAliveResponse) => answers.push(r.ID));
    const failed = new Promise<ServiceError>((resolve) => stream.on('error', resolve));
    for (const ID of ['13', '14', '666', '14']) stream.write({ ID });
    expect(await failed).toMatchObject({ code: status.UNAVAILABLE, details: 'etcdserver: no leader' });
    expect(answers).toEqual(['13', '14']);
  });

  it('ends the keep-alive stream with etcd’s status when a renewal fails', async () => {
    const stream = lease.LeaseKeepAlive(new Metadata());
    const failed = new Promise<ServiceError>((resolve) => stream.on('error', resolve));
    stream.write({ ID: '666' });
    expect(await failed).toMatchObject({ code: status.UNAVAILABLE, details: 'etcdserver: no leader' });
  });
});
