// Keepalives sent to a follower travel to the leader many to a call. Each holder must still get its
// own lease's answer: its TTL, 0 for a lease that does not exist or was revoked, in the order it
// asked on its stream — and the leader's clock must have been reset for every lease renewed.
import { Metadata, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtcdClient, type LeaseKeepAliveResponse } from '../../rpc/etcd-api.js';
import { TestCluster } from '../support/cluster.js';

const LEASES = 40;
const ROUNDS = 5;

function unary<Res>(invoke: (cb: (err: ServiceError | null, res?: Res) => void) => void): Promise<Res> {
  return new Promise((resolve, reject) => invoke((err, res) => (err || res === undefined ? reject(err ?? new Error('empty response')) : resolve(res))));
}

const deadline = (ms = 10_000): { deadline: number } => ({ deadline: Date.now() + ms });

/** Writes every id on the stream at once and collects as many answers. */
function renewAll(stream: ClientDuplexStream<{ ID: string }, LeaseKeepAliveResponse>, ids: readonly string[]): Promise<LeaseKeepAliveResponse[]> {
  return new Promise((resolve, reject) => {
    const answers: LeaseKeepAliveResponse[] = [];
    const onData = (res: LeaseKeepAliveResponse): void => {
      answers.push(res);
      if (answers.length === ids.length) {
        stream.off('data', onData);
        resolve(answers);
      }
    };
    stream.on('data', onData);
    stream.once('error', reject);
    for (const ID of ids) stream.write({ ID });
  });
}

describe('many keepalives through a follower at once', () => {
  let cluster: TestCluster | undefined;
  const closers: (() => void)[] = [];
  let ttls: number[] = [];
  let asked: string[] = [];
  let answeredIds: string[][] = [];
  let answeredTtls: string[][] = [];
  let revokedId = '';
  const missingId = '7777777';
  let leaderTtls: number[] = [];

  afterAll(async () => {
    for (const c of closers) c();
    await cluster?.destroy();
  }, 30_000);

  beforeAll(async () => {
    cluster = await TestCluster.start({ implementation: 'lodestone', size: 3, logLevel: 'warn' });
    const { leaderIndex } = await cluster.waitReady();
    const follower = cluster.members.find((m) => m.index !== leaderIndex)!;
    const lease = createEtcdClient('Lease', follower.endpoint);
    const onLeader = createEtcdClient('Lease', cluster.member(leaderIndex).endpoint);
    closers.push(() => [lease, onLeader].forEach((c) => c.close()));

    ttls = Array.from({ length: LEASES }, (_, i) => 10 + i);
    const ids = await Promise.all(ttls.map(async (TTL) => (await unary<{ ID: string }>((cb) => lease.LeaseGrant({ TTL: String(TTL) }, new Metadata(), deadline(), cb))).ID));
    revokedId = (await unary<{ ID: string }>((cb) => lease.LeaseGrant({ TTL: '60' }, new Metadata(), deadline(), cb))).ID;
    await unary((cb) => lease.LeaseRevoke({ ID: revokedId }, new Metadata(), deadline(), cb));

    // Four streams, each asking for every lease plus two that are not there, several rounds over.
    asked = [...ids.slice(0, LEASES / 2), missingId, ...ids.slice(LEASES / 2), revokedId];
    const streams = Array.from({ length: 4 }, () => {
      const s = lease.LeaseKeepAlive(new Metadata());
      s.on('error', () => undefined);
      closers.push(() => s.cancel());
      return s;
    });
    for (let round = 0; round < ROUNDS; round++) {
      const answers = await Promise.all(streams.map((s) => renewAll(s, asked)));
      answeredIds.push(...answers.map((a) => a.map((r) => r.ID)));
      answeredTtls.push(...answers.map((a) => a.map((r) => r.TTL)));
    }
    leaderTtls = await Promise.all(ids.map(async (ID) => Number((await unary<{ TTL: string }>((cb) => onLeader.LeaseTimeToLive({ ID }, new Metadata(), deadline(), cb))).TTL)));
  }, 90_000);

  it('answers every renewal on its stream, in the order asked', () => {
    expect(answeredIds).toHaveLength(4 * ROUNDS);
    for (const ids of answeredIds) expect(ids).toEqual(asked);
  });

  it('each with its own lease\'s TTL, and 0 for one that does not exist or was revoked', () => {
    const expected = [...ttls.slice(0, LEASES / 2), 0, ...ttls.slice(LEASES / 2), 0].map(String);
    for (const t of answeredTtls) expect(t).toEqual(expected);
  });

  it('the leader\'s clock counts every lease from its renewal', () => {
    leaderTtls.forEach((left, i) => {
      expect(left).toBeLessThanOrEqual(ttls[i]!);
      expect(left).toBeGreaterThanOrEqual(ttls[i]! - 3);
    });
  });
});
