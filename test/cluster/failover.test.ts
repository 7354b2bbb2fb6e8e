// Member processes under faults: the leader killed with SIGKILL in the middle of a write load, and
// a member that was down catching up — from the log, and by snapshot once the log was compacted.
import { Metadata } from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { createEtcdClient, type ServiceClient } from '../../rpc/etcd-api.js';
import { TestCluster } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { probeMember } from '../support/probe.js';

function put(client: ServiceClient<'KV'>, key: string, value: string): Promise<void> {
  return new Promise((resolve, reject) => {
    client.Put({ key: Buffer.from(key), value: Buffer.from(value) }, new Metadata(), { deadline: Date.now() + 10_000 }, (err) => (err ? reject(err) : resolve()));
  });
}

function rangePrefix(client: ServiceClient<'KV'>, prefix: string, serializable: boolean): Promise<Map<string, string>> {
  const key = Buffer.from(prefix);
  const end = Buffer.from(prefix);
  end[end.length - 1]!++;
  return new Promise((resolve, reject) => {
    client.Range({ key, range_end: end, serializable }, new Metadata(), { deadline: Date.now() + 10_000 }, (err, res) => {
      if (err || !res) return reject(err ?? new Error('no response'));
      resolve(new Map(res.kvs.map((kv) => [kv.key.toString(), kv.value.toString()])));
    });
  });
}


describe('a 3-member cluster whose leader is killed with SIGKILL under write load', () => {
  let cluster: TestCluster | undefined;
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('elects a new leader, keeps taking writes from clients that retry, and loses no acknowledged write', async () => {
    cluster = await TestCluster.start({ implementation: 'lodestone', size: 3, logLevel: 'warn' });
    const c = cluster;
    const { leaderIndex, leaderId } = await c.waitReady();
    const clients = c.members.map((m) => createEtcdClient('KV', m.endpoint));
    const acked = new Map<string, string>();
    let writesAfterKill = 0;
    let killed = false;
    let stop = false;
    // Each writer goes on through any member, moving to the next one when a request fails.
    const writer = async (w: number): Promise<void> => {
      let target = w % clients.length;
      for (let n = 0; !stop; n++) {
        const key = `w/${w}/${n}`;
        const value = `v${w}-${n}`;
        for (;;) {
          if (stop) return;
          try {
            await put(clients[target]!, key, value);
            acked.set(key, value);
            if (killed) writesAfterKill++;
            break;
          } catch {
            target = (target + 1) % clients.length;
            await new Promise((r) => setTimeout(r, 20));
          }
        }
      }
    };
    const writers = Array.from({ length: 6 }, (_, w) => writer(w));
    await eventually('writes before the kill', async () => (acked.size >= 200 ? true : undefined));

    const killedAt = Date.now();
    await c.kill(leaderIndex);
    killed = true;
    const survivors = c.members.filter((m) => m.index !== leaderIndex);
    const newLeader = await eventually('a new leader', async () => {
      const probes = await Promise.all(survivors.map((m) => probeMember(m.endpoint)));
      const leaders = new Set(probes.map((p) => p.leaderId));
      const only = [...leaders][0]!;
      return leaders.size === 1 && only !== '0' && only !== leaderId ? only : undefined;
    });
    const failoverMs = Date.now() - killedAt;
    console.log(`failover: new leader ${BigInt(newLeader).toString(16)} ${failoverMs} ms after the leader was killed`);

    await eventually('writes after the kill', async () => (writesAfterKill >= 200 ? true : undefined));
    stop = true;
    await Promise.all(writers);

    c.restart(leaderIndex);
    await c.waitReady();
    // Every acknowledged write is on every member, the killed one included (it caught up).
    for (const m of c.members) {
      const client = clients[m.index]!;
      const stored = await eventually(`member ${m.name} to hold every acknowledged write`, async () => {
        const kvs = await rangePrefix(client, 'w/', true);
        return [...acked.keys()].every((k) => kvs.has(k)) ? kvs : undefined;
      });
      for (const [k, v] of acked) expect(stored.get(k)).toBe(v);
    }
    expect(writesAfterKill).toBeGreaterThanOrEqual(200);
    console.log(`writes acknowledged: ${acked.size} (${writesAfterKill} after the kill)`);
    for (const cl of clients) cl.close();
  }, 180_000);
});

describe('a member that was down catches up', () => {
  let cluster: TestCluster | undefined;
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('from the log after a short absence, and by snapshot once the log it needs was compacted', async () => {
    cluster = await TestCluster.start({
      implementation: 'lodestone',
      size: 3,
      logLevel: 'info',
      extraArgs: ['--snapshot-count', '100', '--experimental-snapshot-catchup-entries', '20'],
    });
    const c = cluster;
    const { leaderIndex } = await c.waitReady();
    const follower = c.members.find((m) => m.index !== leaderIndex)!;
    const leaderClient = createEtcdClient('KV', c.member(leaderIndex).endpoint);
    const followerClient = createEtcdClient('KV', follower.endpoint);

    // A short absence: fewer entries than the log keeps behind its snapshots.
    await c.stop(follower.index);
    for (let i = 0; i < 15; i++) await put(leaderClient, `a/${i}`, `${i}`);
    c.restart(follower.index);
    await c.waitReady();
    const fromLog = await eventually('the follower to catch up from the log', async () => {
      const kvs = await rangePrefix(followerClient, 'a/', true);
      return kvs.size === 15 ? kvs : undefined;
    });
    expect(fromLog.get('a/14')).toBe('14');
    expect(follower.process.output().some((l) => l.includes('installed snapshot'))).toBe(false);

    // A long absence: the leader snapshots and compacts its log past where the follower stopped.
    await c.stop(follower.index);
    for (let i = 0; i < 400; i++) await put(leaderClient, `b/${i}`, `${i}`);
    c.restart(follower.index);
    await c.waitReady();
    const fromSnapshot = await eventually('the follower to catch up by snapshot', async () => {
      const kvs = await rangePrefix(followerClient, 'b/', true);
      return kvs.size === 400 ? kvs : undefined;
    });
    expect(fromSnapshot.get('b/399')).toBe('399');
    expect(follower.process.output().some((l) => l.includes('installed snapshot'))).toBe(true);
    // What it had before the snapshot is still there too.
    expect((await rangePrefix(followerClient, 'a/', true)).size).toBe(15);
    leaderClient.close();
    followerClient.close();
  }, 180_000);
});
