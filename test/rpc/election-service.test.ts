// The Election service (v3electionpb) through real gRPC against a TestMember, with two
// contenders: the first to campaign leads, the second waits until the first resigns; Proclaim
// changes the leader's value only while it leads; Observe streams each leader and each value;
// etcd's errors ("election: not leader", "election: no leader", a missing leader key).
import { Metadata, status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEtcdClient, type CampaignResponse, type LeaderKey, type LeaderResponse, type ServiceClient } from '../../rpc/etcd-api.js';
import { TestMember } from './watch-test-member.js';
import { serveServices, type ServedMember } from './watch-test-server.js';

function call<Res>(invoke: (cb: (err: ServiceError | null, res?: Res) => void) => void): Promise<Res> {
  return new Promise((resolve, reject) => invoke((err, res) => (err ? reject(err) : resolve(res!))));
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** An Observe stream's messages as "value@mod_revision (header revision)", taken in order. */
class Observer {
  private readonly arrived: string[] = [];
  private waiting: (() => void) | undefined;

  constructor(readonly stream: ClientReadableStream<LeaderResponse>) {
    stream.on('data', (r: LeaderResponse) => {
      this.arrived.push(`${r.kv!.value}@${r.kv!.mod_revision} (${r.header!.revision})`);
      this.waiting?.();
    });
    stream.on('error', () => undefined);
  }

  async next(): Promise<string> {
    while (this.arrived.length === 0) await new Promise<void>((resolve) => (this.waiting = resolve));
    return this.arrived.shift()!;
  }
}

describe('the Election service', () => {
  let served: ServedMember;
  let member: TestMember;
  let election: ServiceClient<'Election'>;
  const name = Buffer.from('chief');

  const campaign = (lease: bigint, value: string) =>
    call<CampaignResponse>((cb) => election.Campaign({ name, lease: String(lease), value: Buffer.from(value) }, cb));
  const proclaim = (leader: LeaderKey | null, value: string) =>
    call((cb) => election.Proclaim({ ...(leader ? { leader } : {}), value: Buffer.from(value) }, cb));
  const resign = (leader: LeaderKey | null) => call((cb) => election.Resign(leader ? { leader } : {}, cb));
  const leaderValue = async () => (await call<LeaderResponse>((cb) => election.Leader({ name }, cb))).kv!.value.toString();
  const lease = async () => (await member.grant(0n, 60)).id;
  const candidates = async () => (await member.range({ key: Buffer.from('chief/'), rangeEnd: Buffer.from('chief0') })).count;

  beforeEach(async () => {
    served = await serveServices();
    member = served.member;
    election = createEtcdClient('Election', served.address);
  });

  afterEach(async () => {
    election.close();
    await served.close();
  });

  it('elects the first contender, holds the second back until the first resigns, and hands over', async () => {
    const [la, lb] = [await lease(), await lease()];
    const a = await campaign(la, 'alice');
    expect(a.leader).toMatchObject({ key: Buffer.from(`chief/${la.toString(16)}`), rev: String(member.revision), lease: String(la) });
    expect(a.leader!.name).toEqual(name);
    expect(a.header!.revision).toBe(a.leader!.rev);
    expect(await leaderValue()).toBe('alice');

    let bElected = false;
    const b = campaign(lb, 'bob').then((r) => ((bElected = true), r));
    await until(async () => (await candidates()) === 2);
    expect(bElected).toBe(false);
    expect(await leaderValue()).toBe('alice');

    await resign(a.leader);
    const elected = await b;
    expect(elected.leader!.key.toString()).toBe(`chief/${lb.toString(16)}`);
    // etcd answers a campaign with the header of the txn that entered it, however long it waited.
    expect(elected.header!.revision).toBe(elected.leader!.rev);
    expect(await leaderValue()).toBe('bob');
  });

  it('proclaims only while leading, and says so with etcd’s errors', async () => {
    const [la, lb] = [await lease(), await lease()];
    const a = await campaign(la, 'v1');
    await proclaim(a.leader, 'v2');
    expect(await leaderValue()).toBe('v2');

    const wrongRev = { ...a.leader!, rev: String(Number(a.leader!.rev) + 100) };
    await expect(proclaim(wrongRev, 'v3')).rejects.toMatchObject({ code: status.UNKNOWN, details: 'election: not leader' });
    await expect(proclaim(null, 'v3')).rejects.toMatchObject({ code: status.UNKNOWN, details: '"leader" field must be provided' });
    await expect(resign(null)).rejects.toMatchObject({ code: status.UNKNOWN, details: '"leader" field must be provided' });

    // Resigning without leading changes nothing, and is no error.
    await resign(wrongRev);
    expect(await leaderValue()).toBe('v2');

    const b = campaign(lb, 'bob');
    await until(async () => (await candidates()) === 2);
    await resign(a.leader);
    const elected = await b;
    await expect(proclaim(a.leader, 'old leader')).rejects.toMatchObject({ details: 'election: not leader' });
    await proclaim(elected.leader, 'bob again');
    expect(await leaderValue()).toBe('bob again');
  });

  it('answers Leader with etcd’s "election: no leader" when nobody campaigns', async () => {
    await expect(call((cb) => election.Leader({ name }, cb))).rejects.toMatchObject({ code: status.UNKNOWN, details: 'election: no leader' });
  });

  it('keeps a returning candidate’s place, with the value it campaigns with now', async () => {
    const la = await lease();
    const first = await campaign(la, 'first');
    const again = await campaign(la, 'second');
    expect(again.leader!.rev).toBe(first.leader!.rev);
    expect(await leaderValue()).toBe('second');
    expect(await candidates()).toBe(1);
  });

  it('withdraws a candidate whose client gave up', async () => {
    const [la, lb] = [await lease(), await lease()];
    const a = await campaign(la, 'stays');
    const giving = election.Campaign({ name, lease: String(lb), value: Buffer.from('leaves') }, new Metadata(), () => undefined);
    await until(async () => (await candidates()) === 2);
    giving.cancel();
    await until(async () => (await candidates()) === 1);
    await resign(a.leader);
    await expect(call((cb) => election.Leader({ name }, cb))).rejects.toMatchObject({ details: 'election: no leader' });
  });

  it('streams every leader and every value it proclaims to an observer, waiting for the first one', async () => {
    const [la, lb] = [await lease(), await lease()];
    const observer = new Observer(election.Observe({ name }));
    const a = await campaign(la, 'a1');
    expect(await observer.next()).toBe(`a1@${a.leader!.rev} (${a.leader!.rev})`);

    const b = campaign(lb, 'b1');
    await until(async () => (await candidates()) === 2);
    await proclaim(a.leader, 'a2');
    expect(await observer.next()).toBe(`a2@${member.revision} (${member.revision})`);

    await resign(a.leader);
    const elected = await b;
    // The next leader, read when the last one's key went: its own value, at the read's revision.
    expect(await observer.next()).toBe(`b1@${elected.leader!.rev} (${member.revision})`);
    await proclaim(elected.leader, 'b2');
    expect(await observer.next()).toBe(`b2@${member.revision} (${member.revision})`);
    observer.stream.cancel();
    await until(async () => member.openWatchers === 0);
  });
});
