// The client's registry on an embedded node whose member runs the checks: register() with checks
// (a real HTTP server the member probes, a TTL check the client reports on), discover() with its
// filters, the protect threshold, weighted picking, and the consumer records discover() leaves.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, discover, InvalidInstanceError, openNode, readDependencies, register, type Discovery, type LodestoneNode } from '../../index.js';
import { consumerKey, healthKey, instanceKey, settingsKey } from '../../registry/layout.js';
import { eventually } from '../support/eventually.js';
import { LOOPBACK } from '../support/free-ports.js';

const TUNING = { heartbeatInterval: 50, electionTimeout: 500 };

/** An HTTP server answering 200 on every path, that can be stopped and started on the same port. */
class HealthServer {
  private server: Server | undefined;
  port = 0;
  async start(): Promise<void> {
    const server = createServer((_req, res) => res.end('ok'));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(this.port, LOOPBACK, resolve));
    this.port = (server.address() as { port: number }).port;
  }
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const ids = (d: Discovery): string[] => [...d.instances.keys()].sort();

describe('register() and discover() against a member that runs the checks', () => {
  let node: LodestoneNode;
  const web = new HealthServer();

  beforeAll(async () => {
    node = await openNode({ inMemory: true }, { tuning: TUNING, serve: { clientUrls: [`http://${LOOPBACK}:0`] } });
    await node.ready();
    await web.start();
  });
  afterAll(async () => {
    await web.stop();
    await node?.close();
  });

  it('drops an instance whose HTTP check fails from discover({ passing: true }), and adds it back when it answers again', async () => {
    const healthy = await discover(node, 'web', { passing: true });
    const all = await discover(node, 'web');
    const reg = await register(node, 'web', 'web-1', { address: LOOPBACK, port: web.port, checks: [{ http: `http://${LOOPBACK}:${web.port}/health`, intervalMs: 200, timeoutMs: 1000 }] });
    // Consul's defaults: the check's id and name, and critical until its first result.
    expect(reg.record.checks[0]).toMatchObject({ id: 'service:web-1', name: "Service 'web' check", kind: 'http', method: 'GET', initialStatus: 'critical' });
    await eventually('web-1 passing', async () => (healthy.instances.has('web-1') ? true : undefined), 15_000, 20);
    const up = healthy.instances.get('web-1')!;
    expect(up).toMatchObject({ address: LOOPBACK, port: web.port, status: 'passing', weight: 1 });
    expect(up.checks[0]).toMatchObject({ id: 'service:web-1', status: 'passing', output: `HTTP GET http://${LOOPBACK}:${web.port}/health: 200 OK` });

    const changes = healthy[Symbol.asyncIterator]();
    expect((await changes.next()).value).toMatchObject({ type: 'added', instance: { instance: 'web-1' } });
    for (let round = 0; round < 2; round++) {
      await web.stop();
      const started = performance.now();
      expect((await changes.next()).value).toMatchObject({ type: 'removed', instance: 'web-1' });
      const downMs = performance.now() - started;
      expect(healthy.instances.size).toBe(0);
      // Without the filter it is there, critical (that discovery sees the change on its own turn).
      await eventually('web-1 critical', async () => (all.instances.get('web-1')?.status === 'critical' ? true : undefined), 5_000, 5);
      expect(all.instances.get('web-1')?.checks[0]?.output).toContain('ECONNREFUSED');
      await web.start();
      const back = performance.now();
      expect((await changes.next()).value).toMatchObject({ type: 'added', instance: { instance: 'web-1', status: 'passing' } });
      console.log(`HTTP check, interval 200 ms: server stopped → dropped by discover({ passing: true }) after ${downMs.toFixed(0)} ms; started → back after ${(performance.now() - back).toFixed(0)} ms`);
    }
    await reg.close();
    await eventually('web-1 gone', async () => (all.instances.size === 0 ? true : undefined), 10_000, 20);
    expect(await node.get(healthKey('web', 'web-1', 'service:web-1'))).toBeUndefined();
    await healthy.close();
    await all.close();
  });

  it('keeps a TTL check passing while the instance reports, and critical "TTL expired" once it stops', async () => {
    const d = await discover(node, 'worker', { passing: true, onlyPassing: true });
    const reg = await register(node, 'worker', 'w-1', { checks: [{ id: 'w-1-ttl', ttlMs: 1000 }] });
    expect(reg.record.checks[0]).toMatchObject({ kind: 'ttl', ttlMs: 1000 });
    expect(await reg.report('w-1-ttl', 'passing', 'all good')).toBe('written');
    await eventually('w-1 passing', async () => (d.instances.has('w-1') ? true : undefined), 10_000, 20);
    // Reports that change nothing write nothing, and keep the clock from running out.
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 400));
      expect(await reg.report('w-1-ttl', 'passing', 'all good')).toBe('unchanged');
      expect(d.instances.has('w-1')).toBe(true);
    }
    expect(await reg.report('w-1-ttl', 'warning', 'slow')).toBe('written');
    await eventually('w-1 dropped as warning (onlyPassing)', async () => (d.instances.has('w-1') ? undefined : true), 10_000, 20);
    await reg.report('w-1-ttl', 'passing');
    await eventually('w-1 back', async () => (d.instances.has('w-1') ? true : undefined), 10_000, 20);
    const stopped = performance.now();
    await eventually('w-1 critical after its TTL', async () => (d.instances.has('w-1') ? undefined : true), 15_000, 20);
    const health = (await node.get(healthKey('worker', 'w-1', 'w-1-ttl')))?.json<{ status: string; output: string }>();
    expect(health).toMatchObject({ status: 'critical', output: 'TTL expired' });
    console.log(`TTL check (1 s): reports stopped → dropped after ${(performance.now() - stopped).toFixed(0)} ms`);
    await expect(reg.report('nope', 'passing')).rejects.toMatchObject({ code: 'LODESTONE_INVALID_ARGUMENT' });
    await reg.close();
    await d.close();
  });

  it('keeps only instances with every asked tag', async () => {
    const regs = [
      await register(node, 'db', 'a', { tags: ['primary', 'eu'] }),
      await register(node, 'db', 'b', { tags: ['replica', 'eu'] }),
      await register(node, 'db', 'c', { tags: ['replica', 'us'] }),
    ];
    const eu = await discover(node, 'db', { tags: ['eu'] });
    const euReplica = await discover(node, 'db', { tags: ['eu', 'replica'] });
    expect(ids(eu)).toEqual(['a', 'b']);
    expect(ids(euReplica)).toEqual(['b']);
    await regs[1]!.update({ tags: ['replica', 'us'] });
    await eventually('b moved to us', async () => (ids(eu).join() === 'a' && euReplica.instances.size === 0 ? true : undefined), 10_000, 20);
    for (const r of regs) await r.close();
    await eu.close();
    await euReplica.close();
  });

  it('answers every instance under the protect threshold, as DNS and Consul do', async () => {
    const regs = [];
    for (const [id, status] of [['p-1', 'passing'], ['p-2', 'critical'], ['p-3', 'critical'], ['p-4', 'warning']] as const) {
      regs.push(await register(node, 'pay', id, { weights: { passing: 10, warning: 2 }, checks: [{ id: `${id}-ttl`, ttlMs: 60_000, initialStatus: status }] }));
    }
    const d = await discover(node, 'pay', { passing: true });
    // 2 of 4 healthy (passing or warning): 0.5 is not below a threshold of 0.5.
    await node.put(settingsKey('pay'), JSON.stringify({ protectThreshold: 0.5 }));
    await eventually('the threshold read', async () => (d.revision >= (await node.get(settingsKey('pay')))!.modRevision ? true : undefined), 10_000, 20);
    expect(ids(d)).toEqual(['p-1', 'p-4']);
    expect(d.protecting).toBe(false);
    expect(d.instances.get('p-4')?.weight).toBe(2);
    // Below it: every instance, the critical ones at their warning weight.
    await node.put(settingsKey('pay'), JSON.stringify({ protectThreshold: 0.75 }));
    await eventually('protection', async () => (d.protecting ? true : undefined), 10_000, 20);
    expect(ids(d)).toEqual(['p-1', 'p-2', 'p-3', 'p-4']);
    expect(d.instances.get('p-2')?.weight).toBe(2);
    await node.delete(settingsKey('pay'));
    await eventually('no protection', async () => (!d.protecting && ids(d).join() === 'p-1,p-4' ? true : undefined), 10_000, 20);
    for (const r of regs) await r.close();
    await d.close();
  });

  it('picks by smooth weighted round-robin, exactly the weights over each cycle, and at random by weight', async () => {
    const weights: Record<string, number> = { a: 5, b: 1, c: 1, d: 3 };
    const regs = [];
    for (const [id, w] of Object.entries(weights)) regs.push(await register(node, 'wrr', id, { weights: { passing: w } }));
    regs.push(await register(node, 'wrr', 'zero', { weights: { passing: 0 } }));
    const d = await discover(node, 'wrr');
    await eventually('5 instances', async () => (d.instances.size === 5 ? true : undefined), 10_000, 20);
    const cycle = 10;
    const picks: string[] = [];
    for (let i = 0; i < 3 * cycle; i++) picks.push(d.pick()!.instance);
    for (let c = 0; c < 3; c++) {
      const counts: Record<string, number> = {};
      for (const p of picks.slice(c * cycle, (c + 1) * cycle)) counts[p] = (counts[p] ?? 0) + 1;
      expect(counts).toEqual(weights);
    }
    // Smooth: the heaviest is never picked more than twice in a row here.
    expect(picks.join('')).not.toMatch(/aaa/);
    console.log(`smooth weighted round-robin, weights a5 b1 c1 d3: ${picks.slice(0, cycle).join(' ')}`);
    const random: Record<string, number> = {};
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const p = d.pickRandom()!.instance;
      random[p] = (random[p] ?? 0) + 1;
    }
    expect(random['zero']).toBeUndefined();
    for (const [id, w] of Object.entries(weights)) expect(Math.abs(random[id]! / n - w / cycle)).toBeLessThan(0.02);
    console.log(`weighted random over ${n} picks: ${Object.entries(random).map(([id, c]) => `${id} ${((100 * c) / n).toFixed(1)}%`).join(', ')}`);
    for (const r of regs) await r.close();
    await d.close();
  });

  it('rejects a bad field with an error naming it, before writing anything', async () => {
    const bad = register(node, 'bad', 'x', { port: 70_000 });
    await expect(bad).rejects.toBeInstanceOf(InvalidInstanceError);
    await expect(bad).rejects.toMatchObject({ code: 'LODESTONE_INVALID_ARGUMENT', field: 'instance.port' });
    await expect(register(node, 'bad', 'x', { checks: [{ http: 'http://x/', intervalMs: 5 }] })).rejects.toMatchObject({ field: 'instance.checks[0].intervalMs' });
    await expect(register(node, 'bad', 'x', { weights: { passing: -1 } })).rejects.toMatchObject({ field: 'instance.weights' });
    await expect(register(node, 'bad', 'x', { checks: [{ id: 'same', ttlMs: 1000 }, { id: 'same', ttlMs: 1000 }] })).rejects.toMatchObject({ field: 'instance.checks' });
    expect(await node.get(instanceKey('bad', 'x'))).toBeUndefined();
  });

  it('keeps a persistent instance after its process lets go, until deregistered', async () => {
    const other = await connect({ endpoints: node.clientUrls });
    const reg = await register(other, 'batch', 'p-1', { persistent: true, port: 7 });
    expect(reg.lease).toBeUndefined();
    expect((await node.get(instanceKey('batch', 'p-1')))?.lease).toBe(0n);
    await other.close();
    const d = await discover(node, 'batch');
    expect(ids(d)).toEqual(['p-1']);
    const again = await register(node, 'batch', 'p-1', { persistent: true, port: 7 });
    await again.deregister();
    await eventually('p-1 gone', async () => (d.instances.size === 0 ? true : undefined), 10_000, 20);
    await d.close();
  });

  it('records the discovering process as a consumer, gone with close() and with its lease', async () => {
    const reg = await register(node, 'checkout', 'c-1', { port: 1 });
    const d = await discover(node, 'payments');
    // This client registered "checkout": that is the consumer.
    expect(d.consumerKey).toMatch(new RegExp(`^/lodestone/consumers/payments/checkout@.+:${process.pid}:\\d+$`));
    const record = (await node.get(d.consumerKey!))?.json<{ consumer: string; pid: number; host: string; since: number }>();
    expect(record).toMatchObject({ consumer: 'checkout', pid: process.pid });
    expect((await node.get(d.consumerKey!))?.lease).not.toBe(0n);
    const named = await discover(node, 'payments', { consumer: 'audit' });
    const silent = await discover(node, 'payments', { recordConsumer: false });
    expect(silent.consumerKey).toBeUndefined();
    const edges = await readDependencies(node);
    expect(edges.filter((e) => e.service === 'payments').map((e) => e.consumer)).toEqual(['audit', 'checkout']);
    expect(edges.find((e) => e.consumer === 'audit')).toMatchObject({ service: 'payments', pid: process.pid, id: named.consumerKey!.split('/').pop() });
    await d.close();
    expect(await node.get(d.consumerKey!)).toBeUndefined();
    await named.close();
    await silent.close();
    await reg.close();

    // A process that dies (here: a client closed without closing its discovery, so nothing renews
    // the lease) leaves no record once its lease runs out.
    const other = await connect({ endpoints: node.clientUrls });
    const gone = await discover(other, 'payments', { consumer: 'crashed', consumerTtl: 1 });
    const key = gone.consumerKey!;
    expect(key).toBe(consumerKey('payments', key.split('/').pop()!));
    expect(await node.get(key)).toBeDefined();
    await other.close();
    const closed = performance.now();
    await eventually('the consumer record expired', async () => ((await node.get(key)) === undefined ? true : undefined), 15_000, 50);
    console.log(`consumer record (TTL 1 s) gone ${(performance.now() - closed).toFixed(0)} ms after its client stopped renewing`);
    expect((await readDependencies(node)).filter((e) => e.service === 'payments')).toEqual([]);
  });
});
