// An alarm is part of the replicated state: a member that was down while NOSPACE was raised, and
// whose peers have since compacted their logs past that entry, learns the alarm from the snapshot
// it is sent — and refuses puts like the others. Disarming it then reaches that member by the log.
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtcdClient, type AlarmResponse, type DeleteRangeResponse, type PutResponse, type StatusResponse } from '../../rpc/etcd-api.js';
import { TestCluster, type ClusterMember } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';

function unary<Res>(invoke: (cb: (err: ServiceError | null, res?: Res) => void) => void): Promise<Res> {
  return new Promise((resolve, reject) => invoke((err, res) => (err || res === undefined ? reject(err ?? new Error('empty response')) : resolve(res))));
}

const options = (): { deadline: number } => ({ deadline: Date.now() + 5000 });

async function alarmCall(m: ClusterMember, action: 'GET' | 'ACTIVATE' | 'DEACTIVATE', memberID = '0'): Promise<string[]> {
  const client = createEtcdClient('Maintenance', m.endpoint);
  try {
    const r = await unary<AlarmResponse>((cb) => client.Alarm({ action, memberID, alarm: action === 'GET' ? 'NONE' : 'NOSPACE' }, new Metadata(), options(), cb));
    return r.alarms.map((a) => `${a.memberID}/${a.alarm}`);
  } finally {
    client.close();
  }
}

async function memberId(m: ClusterMember): Promise<string> {
  const client = createEtcdClient('Maintenance', m.endpoint);
  try {
    return (await unary<StatusResponse>((cb) => client.Status({}, new Metadata(), options(), cb))).header!.member_id;
  } finally {
    client.close();
  }
}

async function put(m: ClusterMember, key: string): Promise<string> {
  const kv = createEtcdClient('KV', m.endpoint);
  try {
    return await unary<PutResponse>((cb) => kv.Put({ key: Buffer.from(key), value: Buffer.from('v') }, new Metadata(), options(), cb)).then(
      () => 'OK',
      (e: ServiceError) => `${e.code} ${e.details}`,
    );
  } finally {
    kv.close();
  }
}

describe('an alarm reaches a member that was down through a snapshot', () => {
  let cluster: TestCluster | undefined;

  beforeAll(async () => {
    // A snapshot every 10 entries, keeping 5 behind it: the log moves past a down member quickly.
    cluster = await TestCluster.start({
      implementation: 'lodestone',
      size: 3,
      logLevel: 'info',
      keepLines: 5000,
      readyTimeoutMs: 60_000,
      extraArgs: ['--snapshot-count=10', '--experimental-snapshot-catchup-entries=5'],
    });
  }, 90_000);

  afterAll(async () => {
    await cluster?.destroy();
  });

  it('learns NOSPACE from the snapshot, refuses puts, and hears of the disarm', async () => {
    const c = cluster!;
    const ready = await c.waitReady();
    const down = c.members.find((m) => m.index !== ready.leaderIndex)!;
    const up = c.members.find((m) => m.index === ready.leaderIndex)!;
    const raiser = await memberId(up);
    await c.stop(down.index);

    expect(await alarmCall(up, 'ACTIVATE', raiser)).toEqual([`${raiser}/NOSPACE`]);
    // Deletes go on under NOSPACE; 40 of them carry the log well past the alarm's entry.
    const kv = createEtcdClient('KV', up.endpoint);
    try {
      for (let i = 0; i < 40; i++) await unary<DeleteRangeResponse>((cb) => kv.DeleteRange({ key: Buffer.from(`nothing/${i}`), range_end: Buffer.alloc(0), prev_kv: false }, new Metadata(), options(), cb));
    } finally {
      kv.close();
    }

    c.restart(down.index);
    await c.waitReady();
    await eventually('the restarted member to list the alarm', async () => ((await alarmCall(down, 'GET')).length === 1 ? true : undefined), 20_000);
    expect(await alarmCall(down, 'GET')).toEqual([`${raiser}/NOSPACE`]);
    expect(await put(down, 'refused')).toBe('8 etcdserver: mvcc: database space exceeded');
    // It was sent a snapshot (its log says so), not the entries.
    expect(down.process.output().some((line) => line.includes('installed snapshot'))).toBe(true);

    expect(await alarmCall(up, 'DEACTIVATE', raiser)).toEqual([`${raiser}/NOSPACE`]);
    await eventually('the restarted member to clear the alarm', async () => ((await alarmCall(down, 'GET')).length === 0 ? true : undefined), 20_000);
    expect(await put(down, 'accepted')).toBe('OK');
  }, 90_000);
});
