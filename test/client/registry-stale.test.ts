// discover() while the cluster is out of reach, with real member processes stopped and started
// again: the discovery keeps answering its last known instances (pick() too), marked stale since
// the moment its watch lost its stream; when a member answers again the watch resumes where it
// left off, catches up with what changed meanwhile, and the discovery is current again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, discover, register, type Client, type Staleness } from '../../index.js';
import { TestCluster } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';

describe('a discovery whose cluster becomes unreachable', () => {
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

  it('answers the last known instances, marked stale, while its member is down, and catches up when it is back', async () => {
    const writer = await open(cluster.endpoints);
    for (const id of ['a', 'b']) await register(writer, 'orders', id, { persistent: true, address: '10.0.0.1', port: 80, weights: { passing: id === 'a' ? 2 : 1 } });
    // This client knows only the first member: stopping it leaves the client with no cluster.
    const client = await open([cluster.member(0).endpoint]);
    const d = await discover(client, 'orders', { recordConsumer: false });
    expect([...d.instances.keys()]).toEqual(['a', 'b']);
    expect(d.stale).toBe(false);
    const states: Staleness[] = [];
    d.onStale((s) => states.push(s));

    const stopped = Date.now();
    await cluster.stop(0);
    await eventually('stale', async () => (d.stale ? true : undefined), 20_000, 10);
    console.log(`member stopped → discovery stale after ${Date.now() - stopped} ms`);
    expect(d.since).toBeGreaterThanOrEqual(stopped);
    // The last known set still answers, and picking goes on over it.
    expect([...d.instances.keys()]).toEqual(['a', 'b']);
    expect([0, 1, 2].map(() => d.pick()?.instance)).toEqual(['a', 'b', 'a']);
    expect(d.pickRandom()).toBeDefined();

    // Meanwhile the rest of the cluster changes the service.
    await register(writer, 'orders', 'c', { persistent: true, port: 81 });
    await (await register(writer, 'orders', 'a', { persistent: true })).deregister();
    await new Promise((r) => setTimeout(r, 500));
    expect([...d.instances.keys()]).toEqual(['a', 'b']);
    expect(d.stale).toBe(true);

    cluster.restart(0);
    const restarted = Date.now();
    await eventually('current again', async () => (!d.stale ? true : undefined), 60_000, 10);
    await eventually('caught up', async () => ([...d.instances.keys()].join() === 'b,c' ? true : undefined), 10_000, 10);
    console.log(`member restarted → discovery current after ${Date.now() - restarted} ms, caught up`);
    expect(d.since).toBeUndefined();
    expect(states.map((s) => s.stale)).toEqual([true, false]);
    await d.close();
  }, 120_000);

  it('stays stale through a whole-cluster outage and current again once a quorum is back', async () => {
    await cluster.waitReady();
    const client = await open(cluster.endpoints);
    const d = await discover(client, 'orders', { passing: true });
    await eventually('the instances', async () => (d.instances.size === 2 ? true : undefined), 10_000);
    const known = [...d.instances.keys()];
    await Promise.all(cluster.members.map((m) => cluster.stop(m.index)));
    await eventually('stale', async () => (d.stale ? true : undefined), 20_000, 10);
    await new Promise((r) => setTimeout(r, 2000));
    expect(d.stale).toBe(true);
    expect([...d.instances.keys()]).toEqual(known);
    expect(d.pick()).toBeDefined();
    const restarted = Date.now();
    for (const m of cluster.members) cluster.restart(m.index);
    await eventually('current again', async () => (!d.stale ? true : undefined), 60_000, 10);
    console.log(`all members restarted → discovery current after ${Date.now() - restarted} ms`);
    expect([...d.instances.keys()]).toEqual(known);
    await cluster.waitReady();
    const writer = await open(cluster.endpoints);
    await register(writer, 'orders', 'd', { persistent: true });
    await eventually('a new instance seen', async () => (d.instances.has('d') ? true : undefined), 20_000);
    await d.close();
  }, 150_000);
});
