// The config center's HTTP API with etcd's auth on, on a real member: a request carries an etcd
// token in the Authorization header, as etcd's JSON gateway takes it, and runs with that user's
// permissions on the keys it touches; the release's author is that user, whatever the body says.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from '../support/cluster.js';
import { b64, gateway } from '../support/consul-http.js';
import { call, liveKeys, type ErrorBody } from './config-http.js';

let cluster: TestCluster;
let base: string;
const tokens: Record<'root' | 'writer' | 'reader' | 'other', string> = { root: '', writer: '', reader: '', other: '' };

function rangeEnd(prefix: string): string {
  const end = Buffer.from(prefix, 'utf8');
  end[end.length - 1]!++;
  return end.toString('base64');
}

async function role(name: string, grants: [perm: 'READ' | 'READWRITE', prefix: string][]): Promise<void> {
  await gateway(base, 'auth/role/add', { name });
  for (const [permType, prefix] of grants) await gateway(base, 'auth/role/grant', { name, perm: { permType, key: b64(prefix), range_end: rangeEnd(prefix) } });
}

async function user(name: string, roleName: string): Promise<void> {
  await gateway(base, 'auth/user/add', { name, password: `${name}-pw` });
  await gateway(base, 'auth/user/grant', { user: name, role: roleName });
}

beforeAll(async () => {
  cluster = await TestCluster.start({ implementation: 'lodestone', size: 1 });
  base = cluster.members[0]!.clientUrl;
  await gateway(base, 'auth/role/add', { name: 'root' });
  await user('root', 'root');
  // The namespace's own keys and its live keys.
  await role('shop-editor', [['READWRITE', '/lodestone/namespaces/shop/'], ['READWRITE', '/lodestone/config/shop/']]);
  await role('shop-reader', [['READ', '/lodestone/namespaces/shop/'], ['READ', '/lodestone/config/shop/']]);
  await role('other-editor', [['READWRITE', '/lodestone/namespaces/other/'], ['READWRITE', '/lodestone/config/other/']]);
  await user('writer', 'shop-editor');
  await user('reader', 'shop-reader');
  await user('other', 'other-editor');
  await gateway(base, 'auth/enable', {});
  for (const name of Object.keys(tokens) as (keyof typeof tokens)[]) {
    tokens[name] = String((await gateway(base, 'auth/authenticate', { name, password: `${name}-pw` }))['token']);
  }
}, 90_000);

afterAll(async () => {
  await cluster?.destroy();
});

const ns = 'shop/prod/default';
const as = (who: keyof typeof tokens): Record<string, string> => ({ Authorization: tokens[who] });

describe('the config center over HTTP with auth on', () => {
  it('refuses a request without a token, or with a token nobody issued, with 401', async () => {
    const none = await call<ErrorBody>(base, 'PUT', `/${ns}/items/a`, { value: '1' });
    expect([none.status, none.body.error.code]).toEqual([401, 'CONFIG_PERMISSION_DENIED']);
    const forged = await call<ErrorBody>(base, 'GET', `/${ns}`, undefined, { Authorization: 'forged.token' });
    expect([forged.status, forged.body.error.code]).toEqual([401, 'CONFIG_PERMISSION_DENIED']);
  });

  it("runs as the token's user: the author is that user, whatever the body names", async () => {
    expect((await call(base, 'PUT', `/${ns}/items/limit`, { value: '5' }, as('writer'))).status).toBe(200);
    const published = await call<{ release: { release: number; author: string } }>(base, 'POST', `/${ns}/publish`, { author: 'mallory' }, { Authorization: `Bearer ${tokens.writer}` });
    expect(published.status).toBe(201);
    expect(published.body.release).toMatchObject({ release: 1, author: 'writer' });
    expect(await liveKeys(base, ns, tokens.root)).toEqual({ limit: '5' });
  });

  it("refuses with 403 a user without write permission on the namespace's keys", async () => {
    // A reader reads…
    const view = await call<{ current: { release: number } }>(base, 'GET', `/${ns}`, undefined, as('reader'));
    expect([view.status, view.body.current.release]).toEqual([200, 1]);
    // …but may not write.
    const write = await call<ErrorBody>(base, 'PUT', `/${ns}/items/limit`, { value: '6' }, as('reader'));
    expect([write.status, write.body.error.code], write.body.error.message).toEqual([403, 'CONFIG_PERMISSION_DENIED']);
    const publish = await call<ErrorBody>(base, 'POST', `/${ns}/rollback`, { release: 1 }, as('reader'));
    expect([publish.status, publish.body.error.code]).toEqual([403, 'CONFIG_PERMISSION_DENIED']);
    // A user with rights on another namespace only can do nothing here.
    const other = await call<ErrorBody>(base, 'GET', `/${ns}/releases`, undefined, as('other'));
    expect([other.status, other.body.error.code]).toEqual([403, 'CONFIG_PERMISSION_DENIED']);
    const otherWrite = await call<ErrorBody>(base, 'PUT', `/${ns}/items/x`, { value: '1' }, as('other'));
    expect(otherWrite.status).toBe(403);
    // Nothing changed.
    const history = await call<{ releases: unknown[] }>(base, 'GET', `/${ns}/releases`, undefined, as('writer'));
    expect(history.body.releases).toHaveLength(1);
    expect((await call<{ items: Record<string, { value: string }> }>(base, 'GET', `/${ns}/items?release=draft`, undefined, as('writer'))).body.items['limit']!.value).toBe('5');
  });
});
