// Config subscriptions against a real three-member cluster: the first snapshot, each new release
// delivered once, gray releases reaching only the instances their selector matches (by label, and
// by a percentage bucket), promote and abandon, applied records under the subscription's lease, the
// typed view, who runs what (the members' status view), and a start from the local cache while the
// cluster is down, then the live release. Releases are made through the members' HTTP API, asked of
// members 2 and 3 while the subscriptions talk to member 1.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Client, type ConfigSnapshot, type ConfigSubscription } from '../../index.js';
import { grayBucket } from '../../configcenter/gray-selection.js';
import { appliedKey, parseNamespace, type AppliedRecord } from '../../configcenter/layout.js';
import { TestCluster } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { call } from './config-http.js';
import { ConfigPublisher } from './config-publisher.js';

async function next(it: AsyncIterator<ConfigSnapshot>): Promise<ConfigSnapshot> {
  const r = await it.next();
  if (r.done) throw new Error('the subscription ended');
  return r.value;
}

/** Instance ids whose bucket is under (true) or not under (false) `percent`. */
function instanceIn(percent: number, inside: boolean, tag: string): string {
  for (let i = 0; ; i++) {
    const id = `${tag}-${i}`;
    if (grayBucket(id) < percent === inside) return id;
  }
}

describe('config subscriptions on a three-member cluster', () => {
  let cluster: TestCluster;
  let client: Client;
  let api: ConfigPublisher;
  let cacheDir: string;
  const open: ConfigSubscription[] = [];
  const subscribe = async (ns: string, instance: string, labels: Record<string, string> = {}): Promise<[ConfigSubscription, AsyncIterator<ConfigSnapshot>]> => {
    const s = await client.subscribeConfig(ns, { instance, labels, cacheDir });
    open.push(s);
    return [s, s[Symbol.asyncIterator]()];
  };

  beforeAll(async () => {
    cluster = await TestCluster.start({ implementation: 'lodestone', size: 3, logLevel: 'warn', readyTimeoutMs: 60_000 });
    client = await connect({ endpoints: [cluster.members[0]!.endpoint] });
    api = new ConfigPublisher(cluster.members.slice(1).map((m) => m.clientUrl));
    cacheDir = await mkdtemp(join(tmpdir(), 'config-cache-'));
  }, 90_000);

  afterAll(async () => {
    for (const s of open) await s.close();
    await client?.close();
    await cluster?.destroy();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  it('starts with the current release, then delivers each new release once', async () => {
    const r1 = await api.publish('shop', { greeting: 'hello', limits: { value: '{"max": 10}', format: 'json' } });
    const [s, it] = await subscribe('shop', 'a');
    expect(s.snapshot).toEqual({ namespace: 'shop/default/default', release: r1, items: { greeting: { value: 'hello', format: 'text' }, limits: { value: '{"max": 10}', format: 'json' } }, fromCache: false });
    expect((await next(it)).release).toBe(r1);
    const r2 = await api.publish('shop', { greeting: 'hi' });
    const second = await next(it);
    expect(second.release).toBe(r2);
    expect(second.items).toEqual({ greeting: { value: 'hi', format: 'text' } });
    // Keys of the namespace that do not change the release (a draft edit) yield nothing: the next
    // snapshot is the next release.
    const edit = await api.request('PUT', 'shop', '/items/greeting', { value: 'draft' });
    expect(edit.status).toBe(200);
    const r3 = await api.publish('shop', { greeting: 'hey' });
    expect((await next(it)).release).toBe(r3);
    expect(s.snapshot.release).toBe(r3);
  });

  it('records applied/<instance> under its lease, with the release, and removes it on close', async () => {
    const ns = parseNamespace('records');
    const r1 = await api.publish('records', { x: '1' });
    const s = await client.subscribeConfig('records', { instance: 'rec-1', labels: { zone: 'b' }, cacheDir });
    const key = appliedKey(ns, 'rec-1');
    const rec = await eventually('the applied record', async () => (await client.get(key))?.json<AppliedRecord>());
    expect(rec).toMatchObject({ instance: 'rec-1', release: r1, state: 'applied', via: 'library', labels: { zone: 'b' }, pid: process.pid });
    expect((await client.get(key))!.lease).not.toBe(0n);
    const r2 = await api.publish('records', { x: '2' });
    await eventually('the record of release 2', async () => ((await client.get(key))?.json<AppliedRecord>().release === r2 ? true : undefined));
    await s.report(r2, 'rejected', 'x must be odd');
    expect((await client.get(key))!.json<AppliedRecord>()).toMatchObject({ release: r2, state: 'rejected', reason: 'x must be odd' });
    await s.close();
    expect(await client.get(key)).toBeUndefined();
  });

  it('GET …/status lists each running instance with the release it runs, the one meant for it, and whether it is up to date', async () => {
    const ns = 'who/prod';
    const r1 = await api.publish(ns, { v: '1' });
    const [, ai] = await subscribe(ns, 'st-a', { canary: 'true' });
    // st-b reports by hand and stays on r1: behind once the gray release is meant for it too.
    const b = await client.subscribeConfig(ns, { instance: 'st-b', labels: { canary: 'true' }, cacheDir, autoReport: false });
    open.push(b);
    await b.report(r1, 'applied');
    const [, ci] = await subscribe(ns, 'st-c');
    expect((await next(ai)).release).toBe(r1);
    expect((await next(ci)).release).toBe(r1);
    const gray = await api.gray(ns, { v: '2' }, { labels: { canary: 'true' } });
    expect((await next(ai)).release).toBe(gray);
    for (const [id, release] of [['st-a', gray], ['st-c', r1]] as const) {
      await eventually(`${id} recorded ${release}`, async () => ((await client.get(appliedKey(parseNamespace(ns), id)))?.json<AppliedRecord>().release === release ? true : undefined));
    }

    const status = await api.status<{ current: unknown; gray: unknown; instances: (AppliedRecord & { expected: number; upToDate: boolean })[]; byRelease: unknown }>(ns);
    expect(status.current).toEqual({ release: r1, lastRelease: gray });
    expect(status.gray).toMatchObject({ release: gray, base: r1, selector: { labels: { canary: 'true' } } });
    expect(status.instances.map((i) => [i.instance, i.release, i.state, i.expected, i.upToDate])).toEqual([
      ['st-a', gray, 'applied', gray, true],
      ['st-b', r1, 'applied', gray, false],
      ['st-c', r1, 'applied', r1, true],
    ]);
    expect(status.instances[0]).toMatchObject({ via: 'library', labels: { canary: 'true' }, pid: process.pid });
    expect(status.byRelease).toEqual({ [r1]: { applied: 2, rejected: 0 }, [gray]: { applied: 1, rejected: 0 } });
  });

  it('a gray release by label reaches only matching instances; promote reaches all; abandon returns them', async () => {
    const base = await api.publish('canary', { mode: 'old' });
    const [canary, ci] = await subscribe('canary', 'c1', { canary: 'true' });
    const [other, oi] = await subscribe('canary', 'o1', { canary: 'false' });
    const [plain, pi] = await subscribe('canary', 'p1');
    for (const it of [ci, oi, pi]) expect((await next(it)).release).toBe(base);

    const gray = await api.gray('canary', { mode: 'new' }, { labels: { canary: 'true' } });
    expect(await next(ci)).toMatchObject({ release: gray, items: { mode: { value: 'new' } } });
    expect(other.snapshot.release).toBe(base);
    const promoted = await api.promote('canary');
    expect(await next(ci)).toMatchObject({ release: promoted, items: { mode: { value: 'new' } } });
    // The first thing the others see after the base release is the promote: never the gray one.
    expect(await next(oi)).toMatchObject({ release: promoted, items: { mode: { value: 'new' } } });
    expect((await next(pi)).release).toBe(promoted);

    const gray2 = await api.gray('canary', { mode: 'newer' }, { labels: { canary: 'true' } });
    expect((await next(ci)).release).toBe(gray2);
    await api.abandon('canary');
    expect(await next(ci)).toMatchObject({ release: promoted, items: { mode: { value: 'new' } } });
    const after = await api.publish('canary', { mode: 'last' });
    for (const it of [ci, oi, pi]) expect((await next(it)).release).toBe(after);
    expect(plain.snapshot.release).toBe(after);
    expect(canary.snapshot.release).toBe(after);
  });

  it('a percentage gray release reaches the instances whose bucket is under it', async () => {
    const base = await api.publish('pct', { v: '1' });
    const inside = instanceIn(30, true, 'pct');
    const outside = instanceIn(30, false, 'pct');
    const [, ii] = await subscribe('pct', inside);
    const [, oi] = await subscribe('pct', outside);
    expect((await next(ii)).release).toBe(base);
    expect((await next(oi)).release).toBe(base);
    const gray = await api.gray('pct', { v: '2' }, { percent: 30 });
    expect((await next(ii)).release).toBe(gray);
    await api.abandon('pct');
    expect((await next(ii)).release).toBe(base);
    const after = await api.publish('pct', { v: '3' });
    expect((await next(ii)).release).toBe(after);
    expect((await next(oi)).release).toBe(after);
  });

  it('client.config<T>() gives the items as typed values', async () => {
    await api.publish('typed/prod', {
      name: 'shop',
      limits: { value: '{"max": 10, "burst": [1, 2]}', format: 'json' },
      feature: { value: 'enabled: true\nratio: 0.5\n', format: 'yaml' },
    });
    const view = await client.config<{ name: string; limits: { max: number; burst: number[] }; feature: { enabled: boolean; ratio: number } }>('typed/prod', { cacheDir, instance: 'typed-1' });
    expect(view.values.limits.max).toBe(10);
    expect(view.values).toEqual({ name: 'shop', limits: { max: 10, burst: [1, 2] }, feature: { enabled: true, ratio: 0.5 } });
    const it = view[Symbol.asyncIterator]();
    expect((await it.next()).value?.values.name).toBe('shop');
    const r = await api.publish('typed/prod', { name: 'shop2', limits: { value: '{"max": 20, "burst": []}', format: 'json' }, feature: { value: 'enabled: false\nratio: 1\n', format: 'yaml' } });
    const changed = (await it.next()).value!;
    expect(changed.release).toBe(r);
    expect(changed.values.limits.max).toBe(20);
    expect(view.values.feature.enabled).toBe(false);
    await eventually('the view recorded applied', async () => ((await client.get(appliedKey(parseNamespace('typed/prod'), 'typed-1')))?.json<AppliedRecord>().release === r ? true : undefined));
    await view.close();
  });

  it("client.config<T>() coerces text items as the namespace's schema says, so a T derived from the schema holds", async () => {
    const member = cluster.members[1]!.clientUrl;
    const schema = { type: 'object', properties: { max_connections: { type: 'integer' }, debug: { type: 'boolean' }, name: { type: 'string' } } };
    await api.publish('coerced/prod', { max_connections: '100', debug: 'true', name: '42' });
    expect((await call(member, 'PUT', '/coerced/prod/default/schema', { schema })).status).toBe(200);
    const view = await client.config<{ max_connections: number; debug: boolean; name: string }>('coerced/prod', { cacheDir, instance: 'coerced-1' });
    expect(view.values).toEqual({ max_connections: 100, debug: true, name: '42' });
    await view.close();
    // Without a schema, text items stay text.
    await api.publish('plain/prod', { max_connections: '100' });
    const plain = await client.config<{ max_connections: string }>('plain/prod', { cacheDir, instance: 'plain-1' });
    expect(plain.values).toEqual({ max_connections: '100' });
    await plain.close();
  });

  it('delivers a release published (through a surviving member) while the member its client talks to is SIGKILLed exactly once to every subscription', async () => {
    const ns = 'failover';
    const r1 = await api.publish(ns, { v: '1' });
    const m0 = cluster.members[0]!;
    const watcher = await connect({ endpoints: [m0.endpoint, ...cluster.endpoints.filter((e) => e !== m0.endpoint)] });
    try {
      const subs = await Promise.all(['f1', 'f2', 'f3'].map((id) => watcher.subscribeConfig(ns, { instance: id, cacheDir })));
      const its = subs.map((s) => s[Symbol.asyncIterator]());
      for (const it of its) expect((await next(it)).release).toBe(r1);
      expect(watcher.endpoint).toBe(m0.endpoint);
      await cluster.kill(0);
      const r2 = await api.publish(ns, { v: '2' });
      const r3 = await api.publish(ns, { v: '3' });
      for (const it of its) {
        expect((await next(it)).release).toBe(r2);
        expect((await next(it)).release).toBe(r3);
      }
      cluster.restart(0);
      await cluster.waitReady(60_000);
      const r4 = await api.publish(ns, { v: '4' });
      for (const it of its) expect((await next(it)).release).toBe(r4);
      for (const s of subs) await s.close();
      // Nothing more came after r4: each iterator ends there.
      for (const it of its) expect((await it.next()).done).toBe(true);
    } finally {
      await watcher.close();
    }
  }, 120_000);

  it('starts from the cache file while the cluster is down, then follows the live release', async () => {
    const r1 = await api.publish('cached', { color: 'blue' });
    const first = await client.subscribeConfig('cached', { instance: 'k1', cacheDir });
    expect(first.snapshot.release).toBe(r1);
    const file = join(cacheDir, 'cached+default+default.json');
    await eventually('the cache file', async () => (JSON.parse(await readFile(file, 'utf8')) as { release: number }).release === r1 || undefined);
    await first.close();

    for (const m of cluster.members) await cluster.stop(m.index);
    const s = await client.subscribeConfig('cached', { instance: 'k2', cacheDir });
    open.push(s);
    expect(s.snapshot).toMatchObject({ namespace: 'cached/default/default', release: r1, items: { color: { value: 'blue' } }, fromCache: true });
    const it = s[Symbol.asyncIterator]();
    expect((await next(it)).fromCache).toBe(true);

    for (const m of cluster.members) cluster.restart(m.index);
    await cluster.waitReady(60_000);
    // The cached release is the live one: recorded applied once the cluster answers.
    await eventually('k2 recorded', async () => ((await client.get(appliedKey(parseNamespace('cached'), 'k2')))?.json<AppliedRecord>().release === r1 ? true : undefined), 60_000);
    await eventually('the live snapshot', async () => (s.snapshot.fromCache ? undefined : true), 60_000);
    const r2 = await api.publish('cached', { color: 'green' });
    expect(await next(it)).toMatchObject({ release: r2, items: { color: { value: 'green' } }, fromCache: false });
  }, 180_000);
});
