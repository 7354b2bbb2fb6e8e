// The process harness does what fault tests will ask of it: a Lodestone cluster of three survives
// a kill -9 of its leader, the killed member comes back on its ports and data dir with what it
// had, a paused member is waited out, and SIGTERM stops a member cleanly. One real etcd, killed
// and restarted the same way, keeps its data too.
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtcdClient } from '../../rpc/etcd-api.js';
import { checkBinaries, isCi } from './binaries.js';
import { TestCluster } from './cluster.js';
import { probeMember } from './probe.js';

function call<Res>(invoke: (cb: (err: ServiceError | null, res?: Res) => void) => void): Promise<Res> {
  return new Promise((resolve, reject) => invoke((err, res) => (err ? reject(err) : resolve(res!))));
}

async function put(endpoint: string, key: string, value: string): Promise<void> {
  const kv = createEtcdClient('KV', endpoint);
  try {
    await call((cb) => kv.Put({ key: Buffer.from(key), value: Buffer.from(value) }, new Metadata(), { deadline: Date.now() + 10_000 }, cb));
  } finally {
    kv.close();
  }
}

/** A serializable read: what this member itself holds. */
async function localValue(endpoint: string, key: string): Promise<string | undefined> {
  const kv = createEtcdClient('KV', endpoint);
  try {
    const res = await call<{ kvs: { value: Buffer }[] }>((cb) =>
      kv.Range({ key: Buffer.from(key), serializable: true }, new Metadata(), { deadline: Date.now() + 10_000 }, cb),
    );
    return res.kvs[0]?.value.toString();
  } finally {
    kv.close();
  }
}

describe('a Lodestone cluster of three member processes', () => {
  let cluster: TestCluster | undefined;
  beforeAll(async () => {
    cluster = await TestCluster.start({ implementation: 'lodestone', size: 3, readyTimeoutMs: 60_000 });
  }, 90_000);
  afterAll(() => cluster?.destroy(), 30_000);

  it('is ready: every member answers, all name one leader, the member list has every client URL', async () => {
    const c = cluster!;
    const ready = await c.waitReady();
    expect(ready.probes.size).toBe(3);
    const probes = await Promise.all(c.endpoints.map((e) => probeMember(e)));
    expect(new Set(probes.map((p) => p.leaderId)).size).toBe(1);
    expect(probes.map((p) => p.memberId)).toContain(ready.leaderId);
    expect(probes[0]!.members.map((m) => m.clientUrls[0]).sort()).toEqual(c.members.map((m) => m.clientUrl).sort());
  });

  it('survives kill -9 of its leader; the member restarts on its ports and data dir with what it had', async () => {
    const c = cluster!;
    const before = await c.waitReady();
    const victim = before.leaderIndex;
    const other = (victim + 1) % 3;
    await put(c.member(other).endpoint, 'harness/before-kill', 'kept');
    expect(await localValue(c.member(victim).endpoint, 'harness/before-kill')).toBe('kept');

    await c.kill(victim);
    expect(c.member(victim).process.exitStatus?.signal).toBe('SIGKILL');
    const after = await c.waitReady();
    expect(after.leaderIndex).not.toBe(victim);
    expect([...after.probes.keys()].sort()).toEqual([0, 1, 2].filter((i) => i !== victim));
    await put(c.member(other).endpoint, 'harness/while-down', 'caught up');

    c.restart(victim);
    const back = await c.waitReady();
    expect(back.probes.size).toBe(3);
    expect(back.probes.get(victim)!.memberId).toBe(before.probes.get(victim)!.memberId);
    expect(await localValue(c.member(victim).endpoint, 'harness/before-kill')).toBe('kept');
    // A linearizable write through the restarted member, then its own copy of what it missed.
    await put(c.member(victim).endpoint, 'harness/after-restart', 'yes');
    expect(await localValue(c.member(victim).endpoint, 'harness/while-down')).toBe('caught up');
  });

  it('waits out a paused follower, and SIGTERM stops a member with exit code 0', async () => {
    const c = cluster!;
    const ready = await c.waitReady();
    const follower = (ready.leaderIndex + 1) % 3;
    await c.kill(follower, 'SIGSTOP');
    expect(c.member(follower).process.running).toBe(true);
    const paused = await c.waitReady();
    expect(paused.probes.has(follower)).toBe(false);
    await c.kill(follower, 'SIGCONT');
    expect((await c.waitReady()).probes.has(follower)).toBe(true);

    await c.stop(follower);
    expect(c.member(follower).process.exitStatus).toEqual({ code: 0, signal: null });
    c.restart(follower);
    expect((await c.waitReady()).probes.size).toBe(3);
  });
});

const etcd = checkBinaries(['etcd'], 'the harness test with a real etcd');
(etcd.run ? describe : describe.skip)('a real etcd process', () => {
  let cluster: TestCluster | undefined;
  beforeAll(async () => {
    if (isCi()) etcd.assertPresent();
    cluster = await TestCluster.start({ implementation: 'etcd' });
  }, 60_000);
  afterAll(() => cluster?.destroy(), 30_000);

  it('comes back from kill -9 on its ports and data dir with its data', async () => {
    const c = cluster!;
    const endpoint = c.member(0).endpoint;
    const before = await c.waitReady();
    await put(endpoint, 'harness/k', 'v');
    await c.kill(0);
    c.restart(0);
    const after = await c.waitReady();
    expect(after.leaderId).toBe(before.leaderId);
    expect(await localValue(endpoint, 'harness/k')).toBe('v');
  });
});
