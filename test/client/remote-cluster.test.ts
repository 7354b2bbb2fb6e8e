// A remote client against a cluster of three member processes, under SIGKILL: it fails over to
// another member, keeps its leases alive and its watches whole (nothing missed, nothing repeated)
// across a member's death and restart; and a registered instance whose process is killed goes away
// within its lease's TTL.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, discover, isClientError, isEtcdError, Op, type Client, type ServiceChange, type WatchEvent } from '../../index.js';
import { REPO_ROOT, TestCluster } from '../support/cluster.js';
import { ServerProcess } from '../support/server-process.js';

const REGISTERED = fileURLToPath(new URL('./fixtures/registered-instance.ts', import.meta.url));
/** The members' --election-timeout (etcd's default). */
const ELECTION_TIMEOUT_MS = 1000;

function memberIndex(cluster: TestCluster, endpoint: string | undefined): number {
  const i = cluster.members.findIndex((m) => m.endpoint === endpoint);
  if (i < 0) throw new Error(`${String(endpoint)} is not a member`);
  return i;
}

/** Writes seq/0 … seq/(n-1) once each: a create-if-absent txn may be retried without applying twice. */
async function writeSequence(client: Client, n: number, onEach: (i: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < n; i++) {
    const key = `seq/${String(i).padStart(4, '0')}`;
    await client.txn().if(key, 'create', '==', 0).then(Op.put(key, String(i))).commit({ idempotent: true });
    await onEach(i);
  }
}

async function collect(w: AsyncIterable<WatchEvent>, n: number): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  for await (const e of w) {
    out.push(e);
    if (out.length === n) break;
  }
  return out;
}

describe('a remote client of a three-member cluster under SIGKILL', () => {
  let cluster: TestCluster;
  const clients: Client[] = [];
  const open = async (endpoints: readonly string[]): Promise<Client> => {
    const c = await connect({ endpoints });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    cluster = await TestCluster.start({ implementation: 'lodestone', size: 3, logLevel: 'warn', readyTimeoutMs: 60_000 });
  }, 90_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await cluster?.destroy();
  }, 30_000);

  it.each(['leader', 'follower'] as const)('fails over when its member (the %s) is killed: reads go on, leases stay alive, only writes in flight may fail', async (role) => {
    const { leaderIndex } = await cluster.waitReady();
    const target = role === 'leader' ? leaderIndex : (leaderIndex + 1) % 3;
    // The client prefers the first endpoint of its list.
    const client = await open([target, 0, 1, 2].filter((v, i, a) => a.indexOf(v) === i).map((i) => cluster.member(i).endpoint));
    expect(client.endpoint).toBe(cluster.member(target).endpoint);
    const lease = await client.grant(2);
    await client.put(`failover/${role}/leased`, 'x', { lease });
    const victim = target;

    let stop = false;
    let killedAt = 0;
    const failedWrites: unknown[] = [];
    let writesAfterKill = 0;
    let readsAfterKill = 0;
    let firstWriteAfterKill = 0;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        try {
          await client.put(`failover/${role}/w/${i}`, String(i));
          if (killedAt > 0 && writesAfterKill++ === 0) firstWriteAfterKill = Date.now() - killedAt;
        } catch (e) {
          failedWrites.push(e);
        }
      }
    })();
    const reader = (async () => {
      while (!stop) {
        // A read that fails fails the test: reads are always retried.
        await client.get(`failover/${role}/leased`);
        if (killedAt > 0) readsAfterKill++;
      }
    })();
    try {
      await new Promise((r) => setTimeout(r, 300));
      await cluster.kill(victim);
      killedAt = Date.now();
      // Until writes and reads flow again, and past the lease's TTL (its keepalives must have moved
      // to another member); the limit is generous.
      const deadline = killedAt + 60_000;
      while (writesAfterKill < 20 || readsAfterKill < 20 || Date.now() - killedAt < (lease.ttl + 1) * 1000 + ELECTION_TIMEOUT_MS) {
        expect(Date.now()).toBeLessThan(deadline);
        await new Promise((r) => setTimeout(r, 100));
      }
      stop = true;
      await Promise.all([writer, reader]);

      expect(client.endpoint).not.toBe(cluster.member(victim).endpoint);
      // A write whose member died (or whose follower forwarded it to a leader that died) before it
      // was answered has an unknown outcome: the client says so instead of sending it again. Every
      // other failure is retried, so no write fails for another reason.
      for (const e of failedWrites) {
        const unknownOutcome =
          (isClientError(e, 'LODESTONE_UNAVAILABLE') && e.sent !== false) ||
          (isEtcdError(e) && ['ETCD_TIMEOUT', 'ETCD_TIMEOUT_DUE_TO_LEADER_FAIL', 'ETCD_TIMEOUT_DUE_TO_CONNECTION_LOST', 'ETCD_LEADER_CHANGED', 'ETCD_STOPPED', 'ETCD_DEADLINE_EXCEEDED'].includes(e.code));
        expect(unknownOutcome, String(e)).toBe(true);
      }
      expect((await client.get(`failover/${role}/leased`))?.lease).toBe(lease.id);
      console.log(
        `failover, the client's member (the ${role}) killed: first write acknowledged ${firstWriteAfterKill} ms after the kill; ` +
          `${failedWrites.length} write(s) in flight failed with an unknown outcome; the lease was kept alive`,
      );
      await lease.revoke();
    } finally {
      stop = true;
      await Promise.allSettled([writer, reader]);
      cluster.restart(victim);
      await cluster.waitReady();
    }
  }, 120_000);

  it('resumes watches across a member restart with nothing missed or repeated', async () => {
    // Watcher A knows only member X: it waits for X to come back and resumes there. Watcher B knows
    // every member: it resumes on another one. The writer uses the other two members.
    const b = await open(cluster.endpoints);
    const x = memberIndex(cluster, b.endpoint);
    const a = await open([cluster.member(x).endpoint]);
    const writer = await open(cluster.endpoints.filter((_, i) => i !== x));
    const n = 300;
    const wa = await a.watch({ prefix: 'seq/' });
    const wb = await b.watch({ prefix: 'seq/' });
    const seenA = collect(wa, n);
    const seenB = collect(wb, n);
    await writeSequence(writer, n, async (i) => {
      if (i === 100) await cluster.kill(x);
      if (i === 200) {
        cluster.restart(x);
        await cluster.waitReady();
      }
    });
    for (const events of [await seenA, await seenB]) {
      expect(events.map((e) => Number(e.kv.valueString))).toEqual(Array.from({ length: n }, (_, i) => i));
      for (let i = 1; i < n; i++) expect(events[i]!.revision).toBeGreaterThan(events[i - 1]!.revision);
    }
    expect(b.endpoint).not.toBe(cluster.member(x).endpoint);
    expect(a.endpoint).toBe(cluster.member(x).endpoint);
  }, 120_000);

  it('removes a registered instance within its TTL after its process is killed with SIGKILL', async () => {
    const ttl = 2;
    const client = await open(cluster.endpoints);
    const d = await discover(client, 'killed');
    const changes: AsyncIterator<ServiceChange> = d[Symbol.asyncIterator]();
    const proc = new ServerProcess({
      name: 'instance',
      command: process.execPath,
      args: ['--import', 'tsx', REGISTERED, cluster.endpoints.join(','), 'killed', 'i-1', String(ttl)],
      cwd: REPO_ROOT,
    });
    try {
      const registered = proc.waitForLine(/^registered /, { timeoutMs: 30_000 });
      proc.start();
      await registered;
      const added = await changes.next();
      expect(added.value).toMatchObject({ type: 'added', instance: { instance: 'i-1' } });
      // Let a few keepalives pass: the lease outlives its TTL while its holder lives.
      await new Promise((r) => setTimeout(r, (ttl + 1) * 1000));
      expect(d.instances.has('i-1')).toBe(true);

      const killedAt = Date.now();
      await proc.kill('SIGKILL');
      const removed = await changes.next();
      const elapsed = Date.now() - killedAt;
      expect(removed.value).toMatchObject({ type: 'removed', instance: 'i-1' });
      // cluster/lessor.ts: a lease nobody renews expires when its TTL has run out since the last
      // renewal (at most TTL after the kill), found by the leader's expiry check (every 250 ms) and
      // revoked through raft; never early. The limit is generous: TTL + an election timeout + 2 s.
      expect(elapsed).toBeLessThanOrEqual(ttl * 1000 + ELECTION_TIMEOUT_MS + 2000);
      expect(elapsed).toBeGreaterThanOrEqual((ttl * 1000) / 2);
      console.log(`registered instance (TTL ${ttl} s) removed ${elapsed} ms after its process was killed`);
    } finally {
      await proc.stop();
      await d.close();
    }
  }, 120_000);
});
