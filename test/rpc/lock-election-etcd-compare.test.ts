// The Lock and Election services beside a real etcd: one script of Lease, Lock, Election and KV
// calls (two contenders for a lock, two for an election, an observer) runs against etcd 3.4 and
// against Lodestone as one member and as three (through a follower), and the answers — keys, header
// revisions, leader keys, observed values, errors — must be the same. Lease ids the server chose
// differ between clusters by design: they are written as <L1>, <L2> (or <lease> for one unnamed).
import { Metadata, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { describe } from 'vitest';
import { createEtcdClient, type LeaderKey, type LeaderResponse, type ServiceClient } from '../../rpc/etcd-api.js';
import { itAnswersAsEtcd, useClustersBesideEtcd, type ComparedCluster } from '../support/beside-etcd.js';
import { checkBinaries } from '../support/binaries.js';
import { eventually } from '../support/eventually.js';

type Callback<Res> = (err: ServiceError | null, res?: Res) => void;

interface Clients {
  readonly lease: ServiceClient<'Lease'>;
  readonly lock: ServiceClient<'Lock'>;
  readonly election: ServiceClient<'Election'>;
  readonly kv: ServiceClient<'KV'>;
}

const b = (s: string): Buffer => Buffer.from(s);

/** A call's answer as text: its result, or "ERR code details". */
function outcome<Res>(invoke: (cb: Callback<Res>) => void, show: (res: Res) => string): Promise<string> {
  return new Promise((resolve) => invoke((err, res) => resolve(err ? `ERR ${err.code} ${err.details}` : show(res!))));
}

function call<Res>(invoke: (cb: Callback<Res>) => void): Promise<Res> {
  return new Promise((resolve, reject) => invoke((err, res) => (err ? reject(err) : resolve(res!))));
}

const rev = (r: { header: { revision: string } | null }): string => `rev=${r.header?.revision}`;

async function keysUnder(kv: ServiceClient<'KV'>, prefix: string): Promise<number> {
  const r = await call<{ count: string }>((cb) => kv.Range({ key: b(prefix), range_end: b(prefix.slice(0, -1) + '0') }, cb));
  return Number(r.count);
}

/** Polls until `condition` holds: what a call still waiting does on the server shows in its own time. */
async function until(what: string, condition: () => Promise<boolean>): Promise<void> {
  await eventually(what, async () => ((await condition()) ? true : undefined), 20_000, 10);
}

async function runScript(target: ComparedCluster): Promise<string[]> {
  const endpoint = target.endpoint;
  const c: Clients = {
    lease: createEtcdClient('Lease', endpoint),
    lock: createEtcdClient('Lock', endpoint),
    election: createEtcdClient('Election', endpoint),
    kv: createEtcdClient('KV', endpoint),
  };
  const out: string[] = [];
  const leases: string[] = [];
  const masked = (text: string): string => {
    let t = text;
    leases.forEach((id, i) => {
      t = t.split(BigInt(id).toString(16)).join(`<L${i + 1}>`).split(id).join(`<L${i + 1}>`);
    });
    return t.replace(/\/[0-9a-f]{12,16}\b/g, '/<lease>');
  };
  const log = (line: string): void => {
    out.push(masked(line));
  };
  let observer: ClientReadableStream<LeaderResponse> | undefined;
  try {
    for (let i = 0; i < 2; i++) leases.push((await call<{ ID: string }>((cb) => c.lease.LeaseGrant({ TTL: '60' }, cb))).ID);
    const [l1, l2] = leases as [string, string];
    const lockKey = (res: { key: Buffer; header: { revision: string } | null }) => `key=${res.key} ${rev(res)}`;

    // Two contenders for one lock.
    const first = await call<{ key: Buffer; header: { revision: string } | null }>((cb) => c.lock.Lock({ name: b('m'), lease: l1 }, cb));
    log(`Lock m L1: ${lockKey(first)}`);
    const second = outcome<{ key: Buffer; header: { revision: string } | null }>((cb) => c.lock.Lock({ name: b('m'), lease: l2 }, cb), lockKey);
    await until('both contenders queued', async () => (await keysUnder(c.kv, 'm/')) === 2);
    log(`Unlock first: ${await outcome((cb) => c.lock.Unlock({ key: first.key }, cb), rev)}`);
    log(`Lock m L2 (waited): ${await second}`);
    log(`Unlock a key that is not there: ${await outcome((cb) => c.lock.Unlock({ key: b('m/none') }, cb), rev)}`);
    log(`Lock with an unknown lease: ${await outcome((cb) => c.lock.Lock({ name: b('m'), lease: '777' }, cb), lockKey)}`);
    log(`Lock with no lease: ${await outcome((cb) => c.lock.Lock({ name: b('free'), lease: '0' }, cb), lockKey)}`);
    // A negative lease id is written in the key as Go prints it: a minus sign, then hex digits.
    await call((cb) => c.lease.LeaseGrant({ ID: '-30', TTL: '60' }, cb));
    log(`Lock with a negative lease: ${await outcome((cb) => c.lock.Lock({ name: b('neg'), lease: '-30' }, cb), lockKey)}`);

    // Two contenders for one election, and an observer.
    const leaderKey = (l: LeaderKey | null) => `leader=${l?.name}|${l?.key}|${l?.rev}|${l?.lease}`;
    const showLeader = (r: LeaderResponse) => `${r.kv?.key}=${r.kv?.value} c${r.kv?.create_revision} m${r.kv?.mod_revision} ${rev(r)}`;
    log(`Leader before any campaign: ${await outcome((cb) => c.election.Leader({ name: b('e') }, cb), showLeader)}`);
    const one = await call<{ leader: LeaderKey | null; header: { revision: string } | null }>((cb) =>
      c.election.Campaign({ name: b('e'), lease: l1, value: b('one') }, cb),
    );
    log(`Campaign L1: ${leaderKey(one.leader)} ${rev(one)}`);
    log(`Leader: ${await outcome((cb) => c.election.Leader({ name: b('e') }, cb), showLeader)}`);
    const observed: string[] = [];
    let seen = 0;
    observer = c.election.Observe({ name: b('e') }, new Metadata());
    observer.on('data', (r: LeaderResponse) => observed.push(showLeader(r)));
    observer.on('error', () => undefined);
    const nextObserved = async (): Promise<void> => {
      await until('the next leader observed', async () => observed.length > seen);
      log(`Observe: ${observed[seen++]}`);
    };
    await nextObserved();
    const two = outcome<{ leader: LeaderKey | null; header: { revision: string } | null }>(
      (cb) => c.election.Campaign({ name: b('e'), lease: l2, value: b('two') }, cb),
      (r) => `${leaderKey(r.leader)} ${rev(r)}`,
    );
    await until('both candidates queued', async () => (await keysUnder(c.kv, 'e/')) === 2);
    log(`Proclaim: ${await outcome((cb) => c.election.Proclaim({ leader: one.leader!, value: b('one-b') }, cb), rev)}`);
    await nextObserved();
    log(`Proclaim without a leader: ${await outcome((cb) => c.election.Proclaim({ value: b('x') }, cb), rev)}`);
    const stale = { ...one.leader!, rev: '1' };
    log(`Proclaim with a stale rev: ${await outcome((cb) => c.election.Proclaim({ leader: stale, value: b('x') }, cb), rev)}`);
    log(`Resign with a stale rev: ${await outcome((cb) => c.election.Resign({ leader: stale }, cb), rev)}`);
    log(`Resign L1: ${await outcome((cb) => c.election.Resign({ leader: one.leader! }, cb), rev)}`);
    log(`Campaign L2 (waited): ${await two}`);
    await nextObserved();
    log(
      `Campaign L2 again, another value: ${await outcome<{ leader: LeaderKey | null; header: { revision: string } | null }>(
        (cb) => c.election.Campaign({ name: b('e'), lease: l2, value: b('two-again') }, cb),
        (r) => `${leaderKey(r.leader)} ${rev(r)}`,
      )}`,
    );
    await nextObserved();
  } finally {
    observer?.cancel();
    for (const client of Object.values(c)) client.close();
  }
  return out;
}

const binaries = checkBinaries(['etcd'], 'comparing the Lock and Election services with a real etcd');

describe.skipIf(!binaries.run)('the Lock and Election services beside a real etcd', () => {
  const clusters = useClustersBesideEtcd(binaries);
  itAnswersAsEtcd(clusters, 'two lockers, two candidates and an observer', runScript);
});
