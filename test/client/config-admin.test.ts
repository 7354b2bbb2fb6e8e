// The typed client's config center (client.configCenter) against three real members: publish,
// items, history, diff, rollback, schemas and gray release; two concurrent publishers, one told
// with a typed 409; a first endpoint that cannot be reached passed over for the next; the member the
// client uses stopped; and the same API on an embedded node, run in its process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, connect, isConfigCenterError, openNode, type ConfigCenterError } from '../../index.js';
import { ClientTls } from '../../client/client-tls.js';
import { EndpointRouter } from '../../client/endpoint-router.js';
import { RemoteTransport } from '../../client/remote-transport.js';
import { TestCluster } from '../support/cluster.js';
import { freePorts, LOOPBACK } from '../support/free-ports.js';

async function failure(p: Promise<unknown>): Promise<ConfigCenterError> {
  try {
    await p;
  } catch (e) {
    if (isConfigCenterError(e)) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

describe('client.configCenter on a 3-member cluster', () => {
  let cluster: TestCluster;
  let client: Client;

  beforeAll(async () => {
    cluster = await TestCluster.start({ implementation: 'lodestone', size: 3, readyTimeoutMs: 60_000 });
    client = await connect({ endpoints: cluster.members.map((m) => m.clientUrl) });
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await cluster?.destroy();
  });

  it('publishes, reads items, lists history, diffs, rolls back as a new release', async () => {
    const cc = client.configCenter;
    await cc.setItem('orders', 'max_connections', '100');
    await cc.setItem('orders', 'features', '{"search":true}', 'json');
    const first = await cc.publish('orders', { message: 'first', author: 'ann' });
    expect(first.unchanged).toBeFalsy();
    expect(first.release).toMatchObject({ release: 1, kind: 'publish', message: 'first', author: 'ann', base: 0 });
    expect((await cc.publish('orders')).unchanged).toBe(true);

    await cc.setItem('orders', 'max_connections', '200');
    await cc.deleteItem('orders', 'features');
    const pending = await cc.diff('orders');
    expect(pending).toEqual({
      from: 1,
      to: 'draft',
      changes: [
        { item: 'features', change: 'removed', before: { value: '{"search":true}', format: 'json' } },
        { item: 'max_connections', change: 'changed', before: { value: '100', format: 'text' }, after: { value: '200', format: 'text' } },
      ],
    });
    expect((await cc.publish('orders', { message: 'second' })).release.release).toBe(2);
    expect((await cc.items('orders')).items).toEqual({ max_connections: { value: '200', format: 'text' } });
    expect((await cc.items('orders', 1)).items['features']).toEqual({ value: '{"search":true}', format: 'json' });
    expect((await cc.diff('orders', 1, 2)).changes.map((c) => [c.item, c.change])).toEqual([['features', 'removed'], ['max_connections', 'changed']]);

    const rolled = await cc.rollback('orders', 1, { message: 'back' });
    expect(rolled).toMatchObject({ release: 3, kind: 'rollback', from: 1, base: 2 });
    expect((await cc.items('orders', 'draft')).items).toEqual((await cc.release('orders', 1)).items);
    const history = await cc.releases('orders');
    expect(history.map((r) => [r.release, r.kind, r.itemCount])).toEqual([[3, 'rollback', 2], [2, 'publish', 1], [1, 'publish', 2]]);
    expect((await cc.releases('orders', 1)).map((r) => r.release)).toEqual([3]);

    const view = await cc.namespace('orders/default');
    expect(view).toMatchObject({ namespace: 'orders/default/default', draftChanged: false, schema: null, gray: null });
    expect(view.current?.release).toBe(3);
    expect(await cc.namespaces()).toContainEqual({ namespace: 'orders/default/default', release: 3, gray: null });
  });

  it('turns error answers into typed errors: not found, bad request, schema refusals with each violation', async () => {
    const cc = client.configCenter;
    const missing = await failure(cc.namespace('nobody'));
    expect([missing.code, missing.status]).toEqual(['CONFIG_NOT_FOUND', 404]);
    const badJson = await failure(cc.setItem('orders', 'features', '{nope', 'json'));
    expect([badJson.code, badJson.status]).toEqual(['CONFIG_BAD_REQUEST', 400]);
    expect(await cc.schema('orders')).toBeUndefined();

    const schema = { type: 'object', properties: { max_connections: { type: 'integer', maximum: 50 } } };
    const refused = await failure(cc.setSchema('orders', schema));
    expect(refused.code).toBe('CONFIG_SCHEMA_INVALID');
    expect(refused.errors).toEqual([{ path: '/max_connections', message: 'must be <= 50' }]);
    const put = await cc.setSchema('orders', { type: 'object', properties: { max_connections: { type: 'integer', maximum: 500 } } });
    expect(put.revision).toBeGreaterThan(0);
    expect((await cc.schema('orders'))?.schema).toEqual({ type: 'object', properties: { max_connections: { type: 'integer', maximum: 500 } } });

    await cc.setItem('orders', 'max_connections', 'many');
    const invalid = await failure(cc.publish('orders'));
    expect([invalid.code, invalid.status]).toEqual(['CONFIG_SCHEMA_INVALID', 422]);
    expect(invalid.errors).toEqual([{ path: '/max_connections', message: 'must be integer' }]);
    const bad = await failure(cc.setSchema('orders', { type: 'no-such-type' }));
    expect(bad.code).toBe('CONFIG_SCHEMA_BAD');
    await cc.deleteSchema('orders');
    expect(await cc.schema('orders')).toBeUndefined();
    await cc.setItem('orders', 'max_connections', '100');
  });

  it('of two concurrent publishers expecting the same release, one wins and the other gets a typed 409 naming the winner', async () => {
    const cc = client.configCenter;
    const current = (await cc.namespace('orders')).current!.release;
    await cc.setItem('orders', 'max_connections', '120');
    // Each through a different member.
    const others = await Promise.all(cluster.members.slice(1).map((m) => connect({ endpoints: [m.clientUrl] })));
    try {
      const results = await Promise.allSettled([cc.publish('orders', { expectRelease: current }), others[0]!.configCenter.publish('orders', { expectRelease: current })]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      const e = lost[0]!.reason as unknown;
      expect(isConfigCenterError(e, 'CONFIG_CONFLICT')).toBe(true);
      const conflict = e as ConfigCenterError;
      expect(conflict.status).toBe(409);
      expect(conflict.release).toBe(current + 1);
      expect((await cc.namespace('orders')).current!.release).toBe(current + 1);
    } finally {
      await Promise.all(others.map((o) => o.close()));
    }
  });

  it('gray release, status, promote and abandon', async () => {
    const cc = client.configCenter;
    await cc.setItem('feed', 'page_size', '20');
    await cc.publish('feed');
    await cc.setItem('feed', 'page_size', '50');
    const started = await cc.gray('feed', { labels: { canary: 'true' }, message: 'bigger pages' });
    expect(started.gray).toMatchObject({ release: 2, base: 1, selector: { labels: { canary: 'true' } } });
    expect((await failure(cc.gray('feed', { percent: 10 }))).code).toBe('CONFIG_CONFLICT');
    expect(await cc.status('feed')).toMatchObject({ current: { release: 1 }, gray: { release: 2 }, instances: [], byRelease: {} });
    expect(await cc.promote('feed')).toMatchObject({ release: 3, kind: 'promote', from: 2 });
    await cc.setItem('feed', 'page_size', '80');
    await cc.gray('feed', { percent: 50 });
    expect(await cc.abandon('feed', { reason: 'slow' })).toMatchObject({ release: 4, outcome: 'abandoned', reason: 'slow' });
    expect((await failure(cc.abandon('feed'))).code).toBe('CONFIG_NOT_FOUND');
    expect((await cc.items('feed')).items['page_size']?.value).toBe('50');
  });

  it('passes over a first endpoint that cannot be reached, and goes on when the member it uses stops', async () => {
    const [dead] = await freePorts(1);
    const live = cluster.members.map((m) => m.clientUrl);
    const router = new EndpointRouter([`http://${LOOPBACK}:${dead}`, ...live], Date.now, new ClientTls(undefined));
    const direct = new Client(new RemoteTransport(router, { requestTimeoutMs: 5000, retryTimeoutMs: 10_000 }));
    try {
      expect(direct.endpoint).toBe(`${LOOPBACK}:${dead}`);
      expect((await direct.configCenter.items('orders')).release).toBeGreaterThan(0);
      // The member that could not be reached is set aside for the client's other calls too.
      expect(direct.endpoint).toBe(cluster.members[0]!.endpoint);
    } finally {
      await direct.close();
    }

    const used = cluster.members.find((m) => m.endpoint === client.endpoint)!;
    await cluster.stop(used.index);
    try {
      expect((await client.configCenter.items('orders')).release).toBeGreaterThan(0);
      expect(client.endpoint).not.toBe(used.endpoint);
    } finally {
      cluster.restart(used.index);
      await cluster.waitReady();
    }
  });

  it('with auth on, sends the login’s token: the author is the user, a user without permission gets a typed 403, no token a 401', async () => {
    const endpoints = cluster.members.map((m) => m.clientUrl);
    const a = client.auth;
    await a.roleAdd('root');
    await a.userAdd('root', 'root-pw');
    await a.userGrantRole('root', 'root');
    await a.roleAdd('orders-editor');
    await a.roleGrantPermission('orders-editor', 'readwrite', { prefix: '/lodestone/namespaces/orders/' });
    await a.roleGrantPermission('orders-editor', 'readwrite', { prefix: '/lodestone/config/orders/' });
    await a.userAdd('writer', 'writer-pw');
    await a.userGrantRole('writer', 'orders-editor');
    await a.userAdd('nobody', 'nobody-pw');
    await a.authEnable();
    const clients: Client[] = [];
    const as = async (username?: string): Promise<Client> => {
      const c = await connect({ endpoints, ...(username ? { auth: { username, password: `${username}-pw` } } : {}) });
      clients.push(c);
      return c;
    };
    try {
      const writer = await as('writer');
      await writer.configCenter.setItem('orders', 'max_connections', '130');
      expect((await writer.configCenter.publish('orders', { author: 'mallory' })).release.author).toBe('writer');
      const denied = await failure((await as('nobody')).configCenter.items('orders'));
      expect([denied.code, denied.status]).toEqual(['CONFIG_PERMISSION_DENIED', 403]);
      const anonymous = await failure((await as()).configCenter.items('orders'));
      expect([anonymous.code, anonymous.status]).toEqual(['CONFIG_PERMISSION_DENIED', 401]);
    } finally {
      await (await as('root')).auth.authDisable();
      await Promise.all(clients.map((c) => c.close()));
    }
  });
});

describe('client.configCenter on an embedded node', () => {
  it('runs the same API in the node’s process, with no listener', async () => {
    const node = await openNode({ inMemory: true });
    try {
      const cc = node.configCenter;
      await cc.setItem('app/dev', 'greeting', 'hello');
      expect((await cc.publish('app/dev', { author: 'eve' })).release).toMatchObject({ release: 1, author: 'eve' });
      await cc.setItem('app/dev', 'greeting', 'hi');
      await cc.publish('app/dev');
      expect((await cc.diff('app/dev', 1, 2)).changes).toEqual([{ item: 'greeting', change: 'changed', before: { value: 'hello', format: 'text' }, after: { value: 'hi', format: 'text' } }]);
      expect((await cc.rollback('app/dev', 1)).kind).toBe('rollback');
      expect((await cc.items('app/dev')).items).toEqual({ greeting: { value: 'hello', format: 'text' } });
      // The live key any etcd client reads.
      expect((await node.get('/lodestone/config/app/dev/default/greeting'))?.valueString).toBe('hello');
      const e = await failure(cc.release('app/dev', 9));
      expect([e.code, e.status]).toEqual(['CONFIG_NOT_FOUND', 404]);
    } finally {
      await node.close();
    }
  });
});
