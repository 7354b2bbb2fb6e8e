// The Lease service beside a real etcd: one script of LeaseGrant, LeaseTimeToLive, LeaseLeases,
// LeaseKeepAlive, LeaseRevoke and lease-bound puts runs against etcd 3.4 and against Lodestone as
// one member and as three (through a follower), and the answers must be the same: ids the client
// chose (negative ones and both ends of int64 too), TTLs, header revisions, errors. Ids the server
// chose differ between clusters by design: they are written as "<chosen>", once checked positive.
import { Metadata, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import {
  createEtcdClient,
  type LeaseKeepAliveRequest,
  type LeaseKeepAliveResponse,
  type LeaseTimeToLiveResponse,
  type Outgoing,
  type ServiceClient,
} from '../../rpc/etcd-api.js';
import { itAnswersAsEtcd, useClustersBesideEtcd, type ComparedCluster } from '../support/beside-etcd.js';
import { checkBinaries } from '../support/binaries.js';

type Callback<Res> = (err: ServiceError | null, res?: Res) => void;

const b = (s: string): Buffer => Buffer.from(s);
const INT64_MIN = '-9223372036854775808';
const INT64_MAX = '9223372036854775807';

const deadline = (): { deadline: number } => ({ deadline: Date.now() + 10_000 });

/** A call's answer as text: what `show` makes of it, or "ERR code details". */
function outcome<Res>(invoke: (cb: Callback<Res>) => void, show: (res: Res) => string): Promise<string> {
  return new Promise((resolve) => invoke((err, res) => resolve(err ? `ERR ${err.code} ${err.details}` : show(res!))));
}

function call<Res>(invoke: (cb: Callback<Res>) => void): Promise<Res> {
  return new Promise((resolve, reject) => invoke((err, res) => (err ? reject(err) : resolve(res!))));
}

const rev = (r: { header: { revision: string } | null }): string => `rev=${r.header?.revision}`;

/** A keep-alive stream whose answers are taken one at a time, in order. */
class KeepAlive {
  private readonly stream: ClientDuplexStream<Outgoing<LeaseKeepAliveRequest>, LeaseKeepAliveResponse>;
  private readonly arrived: LeaseKeepAliveResponse[] = [];
  private waiting: (() => void) | undefined;

  constructor(lease: ServiceClient<'Lease'>) {
    this.stream = lease.LeaseKeepAlive(new Metadata());
    this.stream.on('data', (r: LeaseKeepAliveResponse) => {
      this.arrived.push(r);
      this.waiting?.();
    });
    this.stream.on('error', () => undefined);
  }

  async renew(id: string): Promise<string> {
    this.stream.write({ ID: id });
    while (this.arrived.length === 0) await new Promise<void>((resolve) => (this.waiting = resolve));
    const r = this.arrived.shift()!;
    return `ID=${r.ID} TTL=${r.TTL}`;
  }

  close(): void {
    this.stream.cancel();
  }
}

async function leaseScript(target: ComparedCluster): Promise<string[]> {
  const lease = createEtcdClient('Lease', target.endpoint);
  const kv = createEtcdClient('KV', target.endpoint);
  const out: string[] = [];
  const log = (line: string): void => {
    out.push(line);
  };
  const granted = (r: { ID: string; TTL: string; header: { revision: string } | null }): string => `ID=${r.ID} TTL=${r.TTL} ${rev(r)}`;
  const chosenIds: string[] = [];
  const chosen = (r: { ID: string; TTL: string; header: { revision: string } | null }): string => {
    chosenIds.push(r.ID);
    return `ID=${BigInt(r.ID) > 0n ? '<chosen>' : r.ID} TTL=${r.TTL} ${rev(r)}`;
  };
  const grant = (id: string, ttl: string, show = granted) => outcome((cb) => lease.LeaseGrant({ ID: id, TTL: ttl }, new Metadata(), deadline(), cb), show);
  // Seconds left count down, so past the first second they are shown as below the granted TTL.
  const counting = (ttl: string, granted: string): string => (Number(ttl) > 0 && Number(ttl) < Number(granted) ? `<${granted}` : ttl);
  const timeToLive = (id: string, keys = false) =>
    outcome<LeaseTimeToLiveResponse>(
      (cb) => lease.LeaseTimeToLive({ ID: id, keys }, new Metadata(), deadline(), cb),
      // etcd gives the keys in no fixed order.
      (r) => `ID=${r.ID} TTL=${counting(r.TTL, r.grantedTTL)} granted=${r.grantedTTL} keys=[${r.keys.map(String).sort().join(',')}] ${rev(r)}`,
    );
  const put = (key: string, leaseId: string) => outcome((cb) => kv.Put({ key: b(key), value: b('v'), lease: leaseId }, new Metadata(), deadline(), cb), rev);
  const revoke = (id: string) => outcome((cb) => lease.LeaseRevoke({ ID: id }, new Metadata(), deadline(), cb), rev);
  const keepAlive = new KeepAlive(lease);
  try {
    const sent = Date.now();
    log(`grant -5: ${await grant('-5', '60')}`);
    // Whole seconds left, rounded down: 59 at once after a grant of 60 (58 only once a second went by).
    const atOnce = await call<LeaseTimeToLiveResponse>((cb) => lease.LeaseTimeToLive({ ID: '-5', keys: false }, new Metadata(), deadline(), cb));
    const slow = Date.now() - sent >= 1000;
    log(`timetolive -5 at once: TTL=${slow && atOnce.TTL === '58' ? '59' : atOnce.TTL} granted=${atOnce.grantedTTL}`);
    log(`grant int64 min: ${await grant(INT64_MIN, '60')}`);
    log(`grant int64 max: ${await grant(INT64_MAX, '60')}`);
    log(`grant -5 again: ${await grant('-5', '60')}`);
    log(`grant a TTL too large: ${await grant('0', '9000000001')}`);
    log(`grant the largest TTL: ${await grant('9000', '9000000000')}`);
    log(`revoke it: ${await revoke('9000')}`);
    log(`grant TTL 0, the server's id: ${await grant('0', '0', chosen)}`);
    log(`grant TTL -1, the server's id: ${await grant('0', '-1', chosen)}`);
    // Gone before they could expire in the middle of the script.
    for (const id of chosenIds) log(`revoke <chosen>: ${await revoke(id)}`);
    log(`put a with -5: ${await put('lease/a', '-5')}`);
    log(`put b with -5: ${await put('lease/b', '-5')}`);
    log(`put with an ungranted lease: ${await put('lease/c', '777')}`);
    log(`timetolive -5 with keys: ${await timeToLive('-5', true)}`);
    log(`timetolive int64 min: ${await timeToLive(INT64_MIN)}`);
    // etcd lists by expiry on its leader and in no fixed order elsewhere: compared as a set here.
    const listed = await call<{ leases: { ID: string }[] }>((cb) => lease.LeaseLeases({}, new Metadata(), deadline(), cb));
    log(`leases: ${listed.leases.map((l) => l.ID).sort().join(' ')}`);
    log(`keep-alive -5: ${await keepAlive.renew('-5')}`);
    log(`keep-alive of an ungranted lease: ${await keepAlive.renew('12345')}`);
    log(`keep-alive of lease 0: ${await keepAlive.renew('0')}`);
    log(`keep-alive int64 min: ${await keepAlive.renew(INT64_MIN)}`);
    log(`revoke -5: ${await revoke('-5')}`);
    const left = await call<{ count: string; header: { revision: string } | null }>((cb) =>
      kv.Range({ key: b('lease/'), range_end: b('lease0'), count_only: true }, new Metadata(), deadline(), cb),
    );
    log(`keys of -5 after the revoke: ${left.count} ${rev(left)}`);
    log(`revoke -5 again: ${await revoke('-5')}`);
    log(`timetolive -5 after the revoke: ${await timeToLive('-5')}`);
    log(`keep-alive -5 after the revoke: ${await keepAlive.renew('-5')}`);
    log(`revoke 0: ${await revoke('0')}`);
    log(`timetolive 0: ${await timeToLive('0')}`);
  } finally {
    keepAlive.close();
    lease.close();
    kv.close();
  }
  return out;
}

const binaries = checkBinaries(['etcd'], 'comparing the Lease service with a real etcd');

describe.skipIf(!binaries.run)('the Lease service beside a real etcd', () => {
  const clusters = useClustersBesideEtcd(binaries);

  itAnswersAsEtcd(clusters, 'grants, renewals, revocations and TTLs', leaseScript);

  it('lists leases soonest expiry first on the leader, as etcd does', async () => {
    for (const target of clusters.all) {
      const leader = target.cluster.member((await target.cluster.waitReady()).leaderIndex);
      const lease = createEtcdClient('Lease', leader.endpoint);
      try {
        // Ids in one order, TTLs in another.
        const ttls = new Map([['901', '300'], ['902', '100'], ['903', '200'], ['-904', '50']]);
        for (const [id, ttl] of ttls) await call((cb) => lease.LeaseGrant({ ID: id, TTL: ttl }, new Metadata(), deadline(), cb));
        const listed = await call<{ leases: { ID: string }[] }>((cb) => lease.LeaseLeases({}, new Metadata(), deadline(), cb));
        const ours = listed.leases.map((l) => l.ID).filter((id) => ttls.has(id));
        expect(ours, target.label).toEqual(['-904', '902', '903', '901']);
        for (const id of ttls.keys()) await call((cb) => lease.LeaseRevoke({ ID: id }, new Metadata(), deadline(), cb));
      } finally {
        lease.close();
      }
    }
  });
});
