// The service registry and the config helpers on an embedded node: what they store (the documented
// key layout, readable and writable by any etcd client), and what they see change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config, configKey, discover, openNode, register, serviceKey, type ConfigChange, type LodestoneNode, type ServiceChange } from '../../index.js';
import { etcdctl } from '../compat/etcdctl-runner.js';
import { checkBinaries } from '../support/binaries.js';

const TUNING = { heartbeatInterval: 50, electionTimeout: 500 };

async function next<T>(it: AsyncIterator<T>): Promise<T> {
  const r = await it.next();
  if (r.done) throw new Error('the stream ended');
  return r.value;
}

describe('service registry', () => {
  let node: LodestoneNode;
  beforeAll(async () => {
    node = await openNode({ inMemory: true }, { tuning: TUNING });
  });
  afterAll(async () => {
    await node.close();
  });

  it('stores an instance as JSON under /lodestone/services/<service>/<instance>, on a lease', async () => {
    const reg = await register(node, 'api', 'host-1', { ttl: 5, address: '10.0.0.1', port: 8080 });
    expect(reg.key).toBe('/lodestone/services/api/host-1');
    const kv = await node.get(serviceKey('api', 'host-1'));
    expect(kv?.json()).toEqual({ address: '10.0.0.1', port: 8080, tags: [], meta: {}, weights: { passing: 1, warning: 1 }, checks: [] });
    expect(kv?.lease).toBe(reg.lease.id);
    await reg.close();
    expect(await node.get(reg.key)).toBeUndefined();
  });

  it('discovers instances, and sees them added, updated and removed', async () => {
    const a = await register(node, 'web', 'a', { port: 1 });
    const d = await discover(node, 'web');
    expect([...d.instances.keys()]).toEqual(['a']);
    expect(d.instances.get('a')?.port).toBe(1);
    const it: AsyncIterator<ServiceChange> = d[Symbol.asyncIterator]();
    // An iterator starts with the instances there are.
    expect(await next(it)).toMatchObject({ type: 'added', instance: { instance: 'a', port: 1 } });
    const b = await register(node, 'web', 'b', { port: 2 });
    const added = await next(it);
    expect(added.type === 'added' && added.instance.instance).toBe('b');
    expect([...added.instances.keys()].sort()).toEqual(['a', 'b']);
    await b.update({ port: 3 });
    const updated = await next(it);
    expect(updated.type === 'updated' && updated.instance.port).toBe(3);
    await a.close();
    const removed = await next(it);
    expect(removed).toMatchObject({ type: 'removed', instance: 'a' });
    expect([...d.instances.keys()]).toEqual(['b']);
    // Any etcd client may register an instance by writing the key.
    await node.put('/lodestone/services/web/by-hand', JSON.stringify({ port: 4 }));
    expect(await next(it)).toMatchObject({ type: 'added', instance: { instance: 'by-hand', port: 4 } });
    await b.close();
    expect(await next(it)).toMatchObject({ type: 'removed', instance: 'b' });
    await d.close();
    expect((await it.next()).done).toBe(true);
  });

  it('registers again when its lease expired while the process lived on', async () => {
    const reg = await register(node, 'flaky', 'x', { ttl: 1 });
    const first = reg.lease.id;
    // As if the cluster had been unreachable past the TTL: the lease is gone (revoked behind the
    // client's back, so its next keepalive hears that it no longer exists).
    await node.member.leases.revoke(first);
    const deadline = Date.now() + 20_000;
    while (reg.lease.id === first || (await node.get(reg.key)) === undefined) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await node.get(reg.key))?.lease).toBe(reg.lease.id);
    await reg.close();
  });

  it('rejects names that would break the layout', async () => {
    await expect(register(node, 'a/b', 'x')).rejects.toMatchObject({ code: 'LODESTONE_INVALID_ARGUMENT' });
    await expect(register(node, 'a', '')).rejects.toMatchObject({ code: 'LODESTONE_INVALID_ARGUMENT' });
  });
});

describe('config', () => {
  let node: LodestoneNode;
  beforeAll(async () => {
    node = await openNode({ inMemory: true }, { tuning: TUNING });
  });
  afterAll(async () => {
    await node.close();
  });

  const parse = (raw: string): { limit: number } => {
    const v = JSON.parse(raw) as { limit?: unknown };
    if (typeof v.limit !== 'number') throw new Error('limit must be a number');
    return { limit: v.limit };
  };

  it('reads typed values under /lodestone/config/<prefix>/<key> and follows their changes', async () => {
    await node.put(configKey('payments/db', 'pool'), JSON.stringify({ limit: 10 }));
    await node.put(configKey('payments/db', 'broken'), 'not json');
    await node.put('/lodestone/config/payments/other', JSON.stringify({ limit: 1 }));
    const cfg = await config(node, 'payments/db', { parse });
    expect(cfg.get('pool')).toEqual({ limit: 10 });
    expect([...cfg.values.keys()]).toEqual(['pool']);
    expect([...cfg.invalid.keys()]).toEqual(['broken']);

    const it: AsyncIterator<ConfigChange<{ limit: number }>> = cfg[Symbol.asyncIterator]();
    // An iterator starts with the values there are, in the order they were written.
    expect(await next(it)).toMatchObject({ type: 'set', key: 'pool', value: { limit: 10 }, previous: undefined });
    expect(await next(it)).toMatchObject({ type: 'invalid', key: 'broken', raw: 'not json' });
    await node.put('/lodestone/config/payments/db/pool', JSON.stringify({ limit: 20 }));
    expect(await next(it)).toMatchObject({ type: 'set', key: 'pool', value: { limit: 20 }, previous: { limit: 10 } });
    await node.put('/lodestone/config/payments/db/pool', JSON.stringify({ limit: 'lots' }));
    const invalid = await next(it);
    expect(invalid).toMatchObject({ type: 'invalid', key: 'pool', previous: { limit: 20 } });
    expect(invalid.type === 'invalid' && invalid.error.code).toBe('LODESTONE_INVALID_VALUE');
    expect(cfg.get('pool')).toBeUndefined();
    await node.put('/lodestone/config/payments/db/nested/key', JSON.stringify({ limit: 3 }));
    expect(await next(it)).toMatchObject({ type: 'set', key: 'nested/key' });
    await node.delete('/lodestone/config/payments/db/nested/key');
    expect(await next(it)).toMatchObject({ type: 'deleted', key: 'nested/key', previous: { limit: 3 } });
    expect(cfg.revision).toBeGreaterThan(0);
    await cfg.close();
  });

  it('gives the stored text when no parse function is given', async () => {
    await node.put(configKey('plain', 'greeting'), 'hello');
    const cfg = await config(node, 'plain');
    expect(cfg.get('greeting')).toBe('hello');
    await cfg.close();
  });

  it('catches up by reading afresh when its watch cannot resume (compacted)', async () => {
    await node.put(configKey('compacted', 'kept'), JSON.stringify({ limit: 1 }));
    await node.put(configKey('compacted', 'gone'), JSON.stringify({ limit: 2 }));
    let watches = 0;
    // A client whose first watch starts at a compacted revision, after changes it never saw: as
    // a remote watch that comes back after its revision was compacted.
    const client = Object.create(node) as LodestoneNode;
    client.watch = async (target, options) => {
      if (watches++ > 0) return node.watch(target, options);
      await node.put(configKey('compacted', 'new'), JSON.stringify({ limit: 3 }));
      await node.delete(configKey('compacted', 'gone'));
      const { revision } = await node.put('unrelated', 'x');
      await node.member.write({ type: 'compaction', request: { revision } });
      return node.watch(target, { ...options, fromRevision: 1 });
    };
    const cfg = await config(client, 'compacted', { parse });
    const it = cfg[Symbol.asyncIterator]();
    expect([await next(it), await next(it)].map((c) => `${c.type} ${c.key}`)).toEqual(['set kept', 'set gone']);
    const changes = [await next(it), await next(it)].map((c) => `${c.type} ${c.key}`).sort();
    expect(changes).toEqual(['deleted gone', 'set new']);
    expect(Object.fromEntries(cfg.values)).toEqual({ kept: { limit: 1 }, new: { limit: 3 } });
    expect(watches).toBe(2);
    await cfg.close();
  });
});

const ctl = checkBinaries(['etcdctl'], 'the key layout read and written with etcdctl');
describe.skipIf(!ctl.run)('the key layout, through etcdctl', () => {
  let node: LodestoneNode;
  beforeAll(async () => {
    ctl.assertPresent();
    node = await openNode({ inMemory: true }, { tuning: TUNING, serve: { clientUrls: ['http://127.0.0.1:0'] } });
  });
  afterAll(async () => {
    await node?.close();
  });

  it('shows a registered instance to etcdctl, and a config value etcdctl writes to config()', async () => {
    const endpoints = node.clientUrls;
    const reg = await register(node, 'api', 'host-1', { port: 8080 });
    const got = await etcdctl(endpoints, ['get', '--prefix', '/lodestone/services/api/']);
    expect(got.stdout.trim().split('\n')).toEqual(['/lodestone/services/api/host-1', '{"address":"","port":8080,"tags":[],"meta":{},"weights":{"passing":1,"warning":1},"checks":[]}']);
    await reg.close();

    const cfg = await config(node, 'checkout', { parse: (raw) => JSON.parse(raw) as { maxItems: number } });
    const it = cfg[Symbol.asyncIterator]();
    const put = await etcdctl(endpoints, ['put', '/lodestone/config/checkout/limits', '{"maxItems": 50}']);
    expect(put.code).toBe(0);
    expect(await next(it)).toMatchObject({ type: 'set', key: 'limits', value: { maxItems: 50 } });
    await cfg.close();
  });
});
