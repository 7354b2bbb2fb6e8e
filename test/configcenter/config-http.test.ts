// The config center's HTTP API on a real 3-member cluster, asked through different members with
// fetch: drafts, publish, history, diff, rollback, releases, the live keys any etcd client reads,
// two publishers racing, schemas, gray releases, and bad input answered with the right status while
// the member goes on serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { b64, consul, gateway } from '../support/consul-http.js';
import { call, liveKeys, type ErrorBody } from './config-http.js';

let cluster: TestCluster;
let m1: string;
let m2: string;
let m3: string;

beforeAll(async () => {
  cluster = await TestCluster.start({ implementation: 'lodestone', size: 3, readyTimeoutMs: 60_000 });
  [m1, m2, m3] = cluster.members.map((m) => m.clientUrl) as [string, string, string];
}, 90_000);

afterAll(async () => {
  await cluster?.destroy();
});

interface Release {
  release: number;
  kind: string;
  message: string;
  author: string;
  items: Record<string, { value: string; format: string }>;
  base: number;
  from?: number;
}

async function setItem(member: string, ns: string, item: string, value: string, format?: string): Promise<void> {
  const r = await call(member, 'PUT', `/${ns}/items/${item}`, format ? { value, format } : { value });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}

describe('the config center over HTTP on a 3-member cluster', () => {
  it('publishes the draft, lists history, diffs, rolls back and reads releases, through different members', async () => {
    const ns = 'shop/prod/default';
    await setItem(m1, ns, 'max_connections', '100');
    await setItem(m1, ns, 'features', '{"search": true}', 'json');
    const first = await call<{ release: Release }>(m2, 'POST', `/${ns}/publish`, { message: 'first', author: 'ann' });
    expect(first.status).toBe(201);
    expect(first.body.release).toMatchObject({ release: 1, kind: 'publish', message: 'first', author: 'ann', base: 0 });
    expect(first.body.release.items).toEqual({ features: { value: '{"search": true}', format: 'json' }, max_connections: { value: '100', format: 'text' } });

    // Nothing changed: no new release.
    const again = await call<{ unchanged: boolean; release: Release }>(m3, 'POST', `/${ns}/publish`, {});
    expect([again.status, again.body.unchanged, again.body.release.release]).toEqual([200, true, 1]);

    await setItem(m3, ns, 'max_connections', '200');
    await call(m3, 'DELETE', `/${ns}/items/features`);
    await setItem(m3, ns, 'timeout', '5s');
    const pending = await call<{ from: number; to: string; changes: unknown[] }>(m1, 'GET', `/${ns}/diff`);
    expect(pending.body).toEqual({
      from: 1,
      to: 'draft',
      changes: [
        { item: 'features', change: 'removed', before: { value: '{"search": true}', format: 'json' } },
        { item: 'max_connections', change: 'changed', before: { value: '100', format: 'text' }, after: { value: '200', format: 'text' } },
        { item: 'timeout', change: 'added', after: { value: '5s', format: 'text' } },
      ],
    });
    const second = await call<{ release: Release }>(m1, 'POST', `/${ns}/publish`, { message: 'second', expectRelease: 1 });
    expect(second.status).toBe(201);
    expect(second.body.release).toMatchObject({ release: 2, base: 1, author: 'anonymous' });
    expect(await liveKeys(m2, ns)).toEqual({ max_connections: '200', timeout: '5s' });

    const diff = await call<{ changes: { item: string; change: string }[] }>(m2, 'GET', `/${ns}/diff?from=1&to=2`);
    expect(diff.body.changes.map((c) => `${c.item}:${c.change}`)).toEqual(['features:removed', 'max_connections:changed', 'timeout:added']);

    const rolled = await call<{ release: Release }>(m3, 'POST', `/${ns}/rollback`, { release: 1, author: 'bob' });
    expect(rolled.status).toBe(201);
    expect(rolled.body.release).toMatchObject({ release: 3, kind: 'rollback', from: 1, author: 'bob', base: 2 });
    expect(rolled.body.release.items).toEqual(first.body.release.items);
    // The live keys and the draft follow the rollback.
    expect(await liveKeys(m1, ns)).toEqual({ features: '{"search": true}', max_connections: '100' });
    const draft = await call<{ release: string; items: Record<string, unknown> }>(m2, 'GET', `/${ns}/items?release=draft`);
    expect(draft.body).toEqual({ release: 'draft', items: first.body.release.items });
    const current = await call<{ release: number; items: Record<string, unknown> }>(m2, 'GET', `/${ns}/items`);
    expect(current.body.release).toBe(3);

    const history = await call<{ releases: { release: number; kind: string; itemCount: number; items?: unknown }[] }>(m2, 'GET', `/${ns}/releases`);
    expect(history.body.releases.map((r) => [r.release, r.kind, r.itemCount])).toEqual([[3, 'rollback', 2], [2, 'publish', 2], [1, 'publish', 2]]);
    expect(history.body.releases[0]!.items).toBeUndefined();
    const limited = await call<{ releases: { release: number }[] }>(m3, 'GET', `/${ns}/releases?limit=1`);
    expect(limited.body.releases.map((r) => r.release)).toEqual([3]);
    const two = await call<Release>(m1, 'GET', `/${ns}/releases/2`);
    expect(two.body).toMatchObject({ release: 2, message: 'second' });

    const view = await call<{ namespace: string; current: Release; draftChanged: boolean; schema: unknown; gray: unknown }>(m3, 'GET', `/${ns}`);
    expect(view.body).toMatchObject({ namespace: ns, draftChanged: false, schema: null, gray: null });
    expect(view.body.current.release).toBe(3);
    const list = await call<{ namespaces: { namespace: string; release: number; gray: number | null }[] }>(m1, 'GET', '');
    expect(list.body.namespaces).toContainEqual({ namespace: ns, release: 3, gray: null });
  });

  it('lets exactly one of two concurrent publishers win; the other is told which release did', async () => {
    const ns = 'race/prod/default';
    await setItem(m1, ns, 'limit', '1');
    expect((await call(m1, 'POST', `/${ns}/publish`, {})).status).toBe(201);
    await setItem(m1, ns, 'limit', '2');
    const [a, b] = await Promise.all([
      call<{ release?: Release } & Partial<ErrorBody>>(m2, 'POST', `/${ns}/publish`, { expectRelease: 1, author: 'a' }),
      call<{ release?: Release } & Partial<ErrorBody>>(m3, 'POST', `/${ns}/publish`, { expectRelease: 1, author: 'b' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    const [winner, loser] = a.status === 201 ? [a, b] : [b, a];
    expect(winner.body.release!.release).toBe(2);
    expect(loser.body.error!.code).toBe('CONFIG_CONFLICT');
    expect(loser.body.error!.release).toBe(2);
    expect(loser.body.error!.message).toContain('release 2');
    const history = await call<{ releases: unknown[] }>(m1, 'GET', `/${ns}/releases`);
    expect(history.body.releases).toHaveLength(2);
  });

  it('refuses a publish the schema rejects, with the errors; refuses a schema that does not compile; coerces text items', async () => {
    const ns = 'typed/prod/default';
    await setItem(m1, ns, 'port', '8080');
    await setItem(m1, ns, 'name', 'web');
    expect((await call(m1, 'POST', `/${ns}/publish`, {})).status).toBe(201);
    const schema = { type: 'object', properties: { port: { type: 'integer', minimum: 1, maximum: 65535 }, name: { type: 'string' } }, required: ['port', 'name'] };

    const bad = await call<ErrorBody>(m2, 'PUT', `/${ns}/schema`, { schema: { type: 'no-such-type' } });
    expect([bad.status, bad.body.error.code]).toEqual([422, 'CONFIG_SCHEMA_BAD']);

    // A text item "8080" passes `type: integer`.
    const put = await call<{ revision: number; author: string }>(m2, 'PUT', `/${ns}/schema`, { schema, author: 'carol' });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ schema, author: 'carol' });
    const got = await call<{ revision: number }>(m3, 'GET', `/${ns}/schema`);
    expect(got.body.revision).toBe(put.body.revision);

    await setItem(m3, ns, 'port', 'eighty');
    await call(m3, 'DELETE', `/${ns}/items/name`);
    const refused = await call<ErrorBody>(m1, 'POST', `/${ns}/publish`, {});
    expect([refused.status, refused.body.error.code]).toEqual([422, 'CONFIG_SCHEMA_INVALID']);
    expect(refused.body.error.errors).toEqual(expect.arrayContaining([{ path: '/port', message: 'must be integer' }, { path: '', message: "must have required property 'name'" }]));
    expect((await call<{ releases: unknown[] }>(m1, 'GET', `/${ns}/releases`)).body.releases).toHaveLength(1);

    await setItem(m3, ns, 'port', '70000');
    await setItem(m3, ns, 'name', 'web');
    const range = await call<ErrorBody>(m1, 'POST', `/${ns}/publish`, {});
    expect(range.body.error.errors).toEqual([{ path: '/port', message: 'must be <= 65535' }]);
    await setItem(m3, ns, 'port', '9090');
    const good = await call<{ release: Release }>(m1, 'POST', `/${ns}/publish`, {});
    expect([good.status, good.body.release.release]).toEqual([201, 2]);

    // A schema the current release fails is refused unless forced.
    const stricter = { type: 'object', properties: { port: { type: 'integer', maximum: 1024 } } };
    const refusedSchema = await call<ErrorBody>(m2, 'PUT', `/${ns}/schema`, { schema: stricter });
    expect([refusedSchema.status, refusedSchema.body.error.code]).toEqual([422, 'CONFIG_SCHEMA_INVALID']);
    expect((await call(m2, 'PUT', `/${ns}/schema`, { schema: stricter, force: true })).status).toBe(200);
    expect((await call(m2, 'DELETE', `/${ns}/schema`)).status).toBe(200);
    expect((await call<ErrorBody>(m2, 'GET', `/${ns}/schema`)).status).toBe(404);
  });

  it('runs a gray release to some instances, then promotes it; another is abandoned', async () => {
    const ns = 'grayapp/prod/default';
    await setItem(m1, ns, 'color', 'blue');
    expect((await call(m1, 'POST', `/${ns}/publish`, {})).status).toBe(201);
    await setItem(m1, ns, 'color', 'green');
    const gray = await call<{ release: Release; gray: { release: number; base: number; selector: unknown } }>(m2, 'POST', `/${ns}/gray`, { labels: { canary: 'true' }, message: 'try green' });
    expect(gray.status).toBe(201);
    expect(gray.body.release).toMatchObject({ release: 2, kind: 'gray', selector: { labels: { canary: 'true' } } });
    expect(gray.body.gray).toMatchObject({ release: 2, base: 1, selector: { labels: { canary: 'true' } } });
    // Current stays; the live keys too.
    expect(await liveKeys(m3, ns)).toEqual({ color: 'blue' });
    const second = await call<ErrorBody>(m3, 'POST', `/${ns}/gray`, { percent: 10 });
    expect([second.status, second.body.error.code]).toEqual([409, 'CONFIG_CONFLICT']);
    const list = await call<{ namespaces: { namespace: string; release: number; gray: number | null }[] }>(m1, 'GET', '');
    expect(list.body.namespaces).toContainEqual({ namespace: ns, release: 1, gray: 2 });

    const promoted = await call<{ release: Release }>(m3, 'POST', `/${ns}/gray/promote`, { author: 'dan' });
    expect(promoted.status).toBe(201);
    expect(promoted.body.release).toMatchObject({ release: 3, kind: 'promote', from: 2, author: 'dan', items: { color: { value: 'green', format: 'text' } } });
    expect(await liveKeys(m1, ns)).toEqual({ color: 'green' });
    const view = await call<{ gray: unknown; grayEnded: unknown; current: Release }>(m2, 'GET', `/${ns}`);
    expect(view.body.gray).toBeNull();
    expect(view.body.grayEnded).toMatchObject({ release: 2, outcome: 'promoted', promotedAs: 3, author: 'dan' });

    await setItem(m1, ns, 'color', 'red');
    expect((await call(m1, 'POST', `/${ns}/gray`, { percent: 50 })).status).toBe(201);
    const abandoned = await call<{ grayEnded: unknown }>(m2, 'POST', `/${ns}/gray/abandon`, { reason: 'too red', author: 'eve' });
    expect(abandoned.status).toBe(200);
    expect(abandoned.body.grayEnded).toMatchObject({ release: 4, outcome: 'abandoned', reason: 'too red', author: 'eve' });
    expect((await call<ErrorBody>(m2, 'POST', `/${ns}/gray/abandon`, {})).status).toBe(404);
    expect(await liveKeys(m1, ns)).toEqual({ color: 'green' });
    const status = await call<{ current: { release: number }; gray: unknown }>(m3, 'GET', `/${ns}/status`);
    expect(status.body).toMatchObject({ current: { release: 3, lastRelease: 4 }, gray: null, instances: [] });
  });

  it('answers bad input with its status and code, and goes on serving', async () => {
    const ns = 'badinput/prod/default';
    const cases: [string, 'GET' | 'PUT' | 'POST' | 'DELETE', string, unknown, number, string][] = [
      ['malformed JSON', 'PUT', `/${ns}/items/a`, '{"value": ', 400, 'CONFIG_BAD_REQUEST'],
      ['a bad namespace', 'GET', '/-bad/prod/default', undefined, 400, 'CONFIG_BAD_REQUEST'],
      ['a short namespace', 'GET', '/onlyapp', undefined, 400, 'CONFIG_BAD_REQUEST'],
      ['a bad item name', 'PUT', `/${ns}/items/bad%20name`, { value: 'x' }, 400, 'CONFIG_BAD_REQUEST'],
      ['yaml that does not parse', 'PUT', `/${ns}/items/y`, { value: 'a: [1, 2', format: 'yaml' }, 400, 'CONFIG_BAD_REQUEST'],
      ['json that does not parse', 'PUT', `/${ns}/items/j`, { value: '{nope', format: 'json' }, 400, 'CONFIG_BAD_REQUEST'],
      ['an unknown format', 'PUT', `/${ns}/items/f`, { value: 'x', format: 'toml' }, 400, 'CONFIG_BAD_REQUEST'],
      ['an unknown release', 'GET', `/${ns}/releases/42`, undefined, 404, 'CONFIG_NOT_FOUND'],
      ['a release that is no number', 'GET', `/${ns}/releases/latest`, undefined, 400, 'CONFIG_BAD_REQUEST'],
      ['a rollback to an unknown release', 'POST', `/${ns}/rollback`, { release: 42 }, 404, 'CONFIG_NOT_FOUND'],
      ['a namespace with no keys', 'GET', `/${ns}`, undefined, 404, 'CONFIG_NOT_FOUND'],
      ['an unknown route', 'GET', `/${ns}/nothing`, undefined, 404, 'CONFIG_NOT_FOUND'],
      ['a method the route does not take', 'DELETE', `/${ns}/publish`, undefined, 405, 'CONFIG_BAD_REQUEST'],
      ['a gray release without a selector', 'POST', `/${ns}/gray`, {}, 400, 'CONFIG_BAD_REQUEST'],
      ['deleting a draft item that is not there', 'DELETE', `/${ns}/items/none`, undefined, 404, 'CONFIG_NOT_FOUND'],
    ];
    for (const [what, method, path, body, status, code] of cases) {
      const r = await call<ErrorBody>(m2, method, path, body);
      expect([what, r.status, r.body.error?.code]).toEqual([what, status, code]);
      expect(typeof r.body.error.message).toBe('string');
    }
    // Still serving.
    await setItem(m2, ns, 'ok', 'yes');
    expect((await call(m2, 'POST', `/${ns}/publish`, {})).status).toBe(201);
    const health = await fetch(`${m2}/health`);
    expect(health.status).toBe(200);
  });

  it('keeps the live keys on the current release, where etcd clients read them', async () => {
    const ns = 'live/prod/default';
    await setItem(m1, ns, 'a', '1');
    await setItem(m1, ns, 'b', '2');
    await call(m1, 'POST', `/${ns}/publish`, {});
    await eventually('live keys on every member', async () => {
      for (const m of [m1, m2, m3]) if (JSON.stringify(await liveKeys(m, ns)) !== JSON.stringify({ a: '1', b: '2' })) return undefined;
      return true;
    }, 10_000);
    await call(m2, 'DELETE', `/${ns}/items/a`);
    await setItem(m2, ns, 'b', '3');
    await call(m2, 'POST', `/${ns}/publish`, {});
    expect(await liveKeys(m3, ns)).toEqual({ b: '3' });
    await call(m3, 'POST', `/${ns}/rollback`, { release: 1 });
    expect(await liveKeys(m1, ns)).toEqual({ a: '1', b: '2' });
  });

  it('shows who runs what in the status, with the release each instance should run', async () => {
    const ns = 'statusapp/prod/default';
    await setItem(m1, ns, 'x', '1');
    await call(m1, 'POST', `/${ns}/publish`, {});
    await setItem(m1, ns, 'x', '2');
    await call(m1, 'POST', `/${ns}/gray`, { labels: { zone: 'b' } });
    await recordApplied(m2, ns, { instance: 'a-1', release: 1, state: 'applied', labels: { zone: 'a' } });
    await recordApplied(m2, ns, { instance: 'b-1', release: 1, state: 'applied', labels: { zone: 'b' } });
    const status = await call<{ instances: { instance: string; expected: number; upToDate: boolean }[]; byRelease: unknown }>(m3, 'GET', `/${ns}/status`);
    expect(status.body.instances.map((i) => [i.instance, i.expected, i.upToDate])).toEqual([['a-1', 1, true], ['b-1', 2, false]]);
    expect(status.body.byRelease).toEqual({ '1': { applied: 2, rejected: 0 } });
  });

  it('abandons a gray release by itself when an instance running it records rejected', async () => {
    const ns = 'guarded/prod/default';
    await setItem(m1, ns, 'pool', '10');
    await call(m1, 'POST', `/${ns}/publish`, {});
    await setItem(m1, ns, 'pool', '-1');
    const gray = await call<{ release: Release }>(m2, 'POST', `/${ns}/gray`, { labels: { canary: 'true' } });
    expect(gray.status).toBe(201);
    // An instance outside the gray release, and one in it that applied it: nothing to do.
    await recordApplied(m3, ns, { instance: 'web-2', release: 1, state: 'rejected', labels: {}, reason: 'an old complaint' });
    await recordApplied(m3, ns, { instance: 'web-1', release: 2, state: 'applied', labels: { canary: 'true' } });
    await recordApplied(m3, ns, { instance: 'web-1', release: 2, state: 'rejected', labels: { canary: 'true' }, reason: 'pool must be positive' });
    const ended = await eventually('the guard to abandon the gray release', async () => {
      const view = await call<{ gray: unknown; grayEnded: { release: number; outcome: string; author: string; reason: string } | null }>(m1, 'GET', `/${ns}`);
      return view.body.gray === null && view.body.grayEnded ? view.body.grayEnded : undefined;
    }, 20_000);
    expect(ended).toMatchObject({ release: 2, outcome: 'abandoned', author: 'lodestone' });
    expect(ended.reason).toContain('web-1');
    expect(ended.reason).toContain('rejected');
    expect(ended.reason).toContain('pool must be positive');
    const list = await call<{ namespaces: { namespace: string; release: number; gray: number | null }[] }>(m1, 'GET', '');
    expect(list.body.namespaces).toContainEqual({ namespace: ns, release: 1, gray: null });
  });

  it('abandons a gray release by itself when the registry instance of an instance running it goes critical', async () => {
    const ns = 'registered/prod/default';
    const register = await consul(m1, 'PUT', '/v1/agent/service/register', { Name: 'pay', ID: 'pay-1', Address: '10.0.9.1', Port: 7000, Check: { TTL: '10m', Status: 'passing' } });
    expect(register.status).toBe(200);
    await setItem(m1, ns, 'mode', 'safe');
    await call(m1, 'POST', `/${ns}/publish`, {});
    await setItem(m1, ns, 'mode', 'fast');
    expect((await call(m2, 'POST', `/${ns}/gray`, { percent: 100 })).status).toBe(201);
    await recordApplied(m3, ns, { instance: 'pay-1:123', release: 2, state: 'applied', labels: {}, service: 'pay', serviceInstance: 'pay-1' });
    // Passing: the gray release goes on.
    await eventually('the instance passing in the registry', async () => {
      const r = await consul(m1, 'GET', '/v1/health/service/pay?passing');
      return (JSON.parse(r.text) as unknown[]).length === 1 ? true : undefined;
    }, 10_000);
    expect((await call<{ gray: unknown }>(m1, 'GET', `/${ns}`)).body.gray).not.toBeNull();
    expect((await consul(m2, 'PUT', '/v1/agent/check/fail/service:pay-1?note=down')).status).toBe(200);
    const ended = await eventually('the guard to abandon the gray release', async () => {
      const view = await call<{ gray: unknown; grayEnded: { release: number; outcome: string; author: string; reason: string } | null }>(m3, 'GET', `/${ns}`);
      return view.body.gray === null && view.body.grayEnded ? view.body.grayEnded : undefined;
    }, 20_000);
    expect(ended).toMatchObject({ release: 2, outcome: 'abandoned', author: 'lodestone' });
    expect(ended.reason).toContain('pay-1:123');
    expect(ended.reason).toContain('critical');
    expect(ended.reason).toContain('pay/pay-1');
  });

  // Last: it kills a member.
  it("has the new leader's guard abandon a gray release once the leader is gone", async () => {
    const ns = 'failover/prod/default';
    await setItem(m1, ns, 'retries', '3');
    await call(m1, 'POST', `/${ns}/publish`, {});
    await setItem(m1, ns, 'retries', 'many');
    expect((await call(m2, 'POST', `/${ns}/gray`, { labels: { canary: 'true' } })).status).toBe(201);
    const before = await cluster.waitReady();
    await cluster.kill(before.leaderIndex);
    const after = await cluster.waitReady();
    expect(after.leaderIndex).not.toBe(before.leaderIndex);
    const survivor = cluster.members.find((m) => m.index !== before.leaderIndex)!.clientUrl;
    await recordApplied(survivor, ns, { instance: 'svc-9', release: 2, state: 'rejected', labels: { canary: 'true' }, reason: 'retries is not a number' });
    const ended = await eventually('the new leader to abandon the gray release', async () => {
      const view = await call<{ gray: unknown; grayEnded: { outcome: string; author: string; reason: string } | null }>(survivor, 'GET', `/${ns}`);
      return view.body.gray === null && view.body.grayEnded ? view.body.grayEnded : undefined;
    }, 20_000);
    expect(ended).toMatchObject({ outcome: 'abandoned', author: 'lodestone' });
    expect(ended.reason).toContain('svc-9');
  }, 60_000);
});

/** An instance's applied record, put under its own lease as a client puts it. */
async function recordApplied(member: string, ns: string, a: { instance: string; release: number; state: 'applied' | 'rejected'; labels: Record<string, string>; reason?: string; service?: string; serviceInstance?: string }): Promise<void> {
  const lease = await gateway(member, 'lease/grant', { TTL: '60' });
  const record = { via: 'library', host: 'test-host', pid: 123, time: new Date().toISOString(), ...a };
  await gateway(member, 'kv/put', { key: b64(`/lodestone/namespaces/${ns}/applied/${a.instance}`), value: b64(JSON.stringify(record)), lease: String(lease['ID']) });
}
