// Consul's HTTP API with etcd's auth on, on a real member: a request needs an etcd auth token (as
// X-Consul-Token, "Authorization: Bearer" or ?token=) whose user may read the registry's keys for
// a GET, and read and write them for a PUT; otherwise Consul's 403s. Users and roles are made
// through etcd's JSON gateway, as an operator would with etcdctl.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from '../support/cluster.js';
import { b64, consul, gateway, type HealthEntry } from '../support/consul-http.js';

let cluster: TestCluster;
let base: string;
const tokens: Record<'root' | 'reader' | 'writer' | 'stranger', string> = { root: '', reader: '', writer: '', stranger: '' };

/** A role with `perm` on every key under `prefix`. */
async function role(name: string, perm: 'READ' | 'READWRITE', prefix: string): Promise<void> {
  const end = Buffer.from(prefix, 'utf8');
  end[end.length - 1]!++;
  await gateway(base, 'auth/role/add', { name });
  await gateway(base, 'auth/role/grant', { name, perm: { permType: perm, key: b64(prefix), range_end: end.toString('base64') } });
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
  await role('registry-reader', 'READ', '/lodestone/');
  await role('registry-writer', 'READWRITE', '/lodestone/');
  await role('app', 'READWRITE', 'app/');
  await user('reader', 'registry-reader');
  await user('writer', 'registry-writer');
  await user('stranger', 'app');
  await gateway(base, 'auth/enable', {});
  for (const name of Object.keys(tokens) as (keyof typeof tokens)[]) {
    tokens[name] = String((await gateway(base, 'auth/authenticate', { name, password: `${name}-pw` }))['token']);
  }
}, 90_000);

afterAll(async () => {
  await cluster?.destroy();
});

const REGISTRATION = { Name: 'db', ID: 'db-1', Address: '10.0.2.1', Port: 5432, Check: { TTL: '1m' } };

describe("Consul's HTTP API with etcd's auth on", () => {
  it('refuses a request without a token, or with a token nobody issued', async () => {
    for (const [method, path, body] of [['GET', '/v1/catalog/services', undefined], ['PUT', '/v1/agent/service/register', REGISTRATION]] as const) {
      const none = await consul(base, method, path, body);
      expect([none.status, none.text]).toEqual([403, 'Permission denied']);
      const forged = await consul(base, method, path, body, { 'X-Consul-Token': 'forged-token' });
      expect([forged.status, forged.text]).toEqual([403, 'ACL not found']);
    }
  });

  it("lets a user who may write the registry's keys register and report, with the token in any of Consul's places", async () => {
    const bearer = await consul(base, 'PUT', '/v1/agent/service/register', REGISTRATION, { Authorization: `Bearer ${tokens.writer}` });
    expect([bearer.status, bearer.text]).toEqual([200, '']);
    const pass = await consul(base, 'PUT', `/v1/agent/check/pass/service:db-1?token=${encodeURIComponent(tokens.writer)}`);
    expect(pass.status).toBe(200);
    const health = await consul(base, 'GET', '/v1/health/service/db?passing', undefined, { 'X-Consul-Token': tokens.writer });
    expect(health.status).toBe(200);
    expect((JSON.parse(health.text) as HealthEntry[]).map((e) => e.Service.ID)).toEqual(['db-1']);
  });

  it('lets a reader read but not write, and a user with no rights on the registry do neither', async () => {
    const read = await consul(base, 'GET', '/v1/catalog/service/db', undefined, { 'X-Consul-Token': tokens.reader });
    expect(read.status).toBe(200);
    expect(JSON.parse(read.text)).toHaveLength(1);
    for (const path of ['/v1/agent/service/register', '/v1/agent/check/fail/service:db-1', '/v1/agent/service/deregister/db-1']) {
      const write = await consul(base, 'PUT', path, path.endsWith('register') ? REGISTRATION : undefined, { 'X-Consul-Token': tokens.reader });
      expect([path, write.status, write.text]).toEqual([path, 403, 'Permission denied']);
    }
    const stranger = await consul(base, 'GET', '/v1/health/service/db', undefined, { 'X-Consul-Token': tokens.stranger });
    expect([stranger.status, stranger.text]).toEqual([403, 'Permission denied']);
    // The refused writes changed nothing: the check still passes.
    const health = await consul(base, 'GET', '/v1/health/service/db?passing', undefined, { 'X-Consul-Token': tokens.root });
    expect((JSON.parse(health.text) as HealthEntry[]).map((e) => e.Service.ID)).toEqual(['db-1']);
    const gone = await consul(base, 'PUT', '/v1/agent/service/deregister/db-1', undefined, { 'X-Consul-Token': tokens.root });
    expect(gone.status).toBe(200);
  });
});
