// Consul's HTTP API on a real 3-member Lodestone cluster, with fetch: every route, as a client of
// Consul uses it — registrations through one member, reads and check reports through others —
// Consul's shapes, headers and errors, blocking queries that return on a change and at their wait,
// and the protect threshold set through etcd's own API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from '../support/cluster.js';
import { consul, consulJson, etcdPut, put, type CatalogEntry, type HealthEntry } from '../support/consul-http.js';
import { eventually } from '../support/eventually.js';

let cluster: TestCluster;
/** Three members' client URLs: writes go to the first, reads and reports to the others. */
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

/** Reads until the member's view shows what `ok` wants (views follow the applied state). */
function until<T>(base: string, path: string, ok: (body: T) => boolean): Promise<{ body: T; index: number; headers: Headers }> {
  return eventually(`${path} on ${base}`, async () => {
    const r = await consulJson<T>(base, path);
    return ok(r.body) ? r : undefined;
  }, 15_000);
}

describe("Consul's HTTP API on a 3-member cluster", () => {
  it('registers an instance with a TTL check; the catalog and health show it through another member', async () => {
    await put(m1, '/v1/agent/service/register', {
      Name: 'web',
      ID: 'web-1',
      Address: '10.0.0.5',
      Port: 8080,
      Tags: ['v1', 'primary'],
      Meta: { version: '1.2' },
      Weights: { Passing: 3, Warning: 1 },
      Check: { TTL: '30s', DeregisterCriticalServiceAfter: '90m' },
    });
    // Through the member it was registered with, at once.
    const services = await consulJson<Record<string, string[]>>(m1, '/v1/catalog/services');
    expect(services.body['web']).toEqual(['v1', 'primary']);
    expect(services.index).toBeGreaterThan(0);
    expect(services.headers.get('x-consul-knownleader')).toBe('true');
    expect(Number(services.headers.get('x-consul-lastcontact'))).toBeGreaterThanOrEqual(0);
    expect(services.headers.get('content-type')).toBe('application/json');

    const catalog = await until<CatalogEntry[]>(m2, '/v1/catalog/service/web', (b) => b.length === 1);
    expect(catalog.body[0]).toMatchObject({
      Node: '10.0.0.5',
      Address: '10.0.0.5',
      ServiceID: 'web-1',
      ServiceName: 'web',
      ServiceAddress: '10.0.0.5',
      ServicePort: 8080,
      ServiceTags: ['v1', 'primary'],
      ServiceMeta: { version: '1.2' },
      ServiceWeights: { Passing: 3, Warning: 1 },
    });

    const health = await consulJson<HealthEntry[]>(m3, '/v1/health/service/web');
    expect(health.body).toHaveLength(1);
    const entry = health.body[0]!;
    expect(entry.Node).toMatchObject({ Node: '10.0.0.5', Address: '10.0.0.5', Datacenter: 'dc1' });
    expect(entry.Service).toMatchObject({ ID: 'web-1', Service: 'web', Port: 8080, Weights: { Passing: 3, Warning: 1 } });
    // Consul's default check ID and name; a check starts critical.
    expect(entry.Checks).toEqual([
      expect.objectContaining({ CheckID: 'service:web-1', Name: "Service 'web' check", Status: 'critical', Type: 'ttl', ServiceID: 'web-1' }),
    ]);
    expect(entry.Checks[0]!.Definition).toMatchObject({ TTL: '30s', DeregisterCriticalServiceAfter: '1h30m0s' });
    expect((await consulJson<HealthEntry[]>(m3, '/v1/health/service/web?passing')).body).toEqual([]);
  });

  it('takes TTL reports through any member: pass with a note, warn, fail, and update', async () => {
    await put(m2, '/v1/agent/check/pass/service:web-1?note=all%20good');
    const passing = await until<HealthEntry[]>(m3, '/v1/health/service/web?passing', (b) => b.length === 1);
    expect(passing.body[0]!.Checks[0]).toMatchObject({ Status: 'passing', Output: 'all good' });

    await put(m3, '/v1/agent/check/warn/service:web-1');
    const warned = await until<HealthEntry[]>(m3, '/v1/health/service/web', (b) => b[0]?.Checks[0]?.Status === 'warning');
    expect(warned.body[0]!.Checks[0]!.Output).toBe('');
    // ?passing means every check passing: a warning is left out, as Consul does.
    expect((await consulJson<HealthEntry[]>(m3, '/v1/health/service/web?passing=true')).body).toEqual([]);

    await put(m2, '/v1/agent/check/fail/service:web-1?note=down');
    await until<HealthEntry[]>(m2, '/v1/health/service/web', (b) => b[0]?.Checks[0]?.Status === 'critical' && b[0].Checks[0].Output === 'down');

    await put(m2, '/v1/agent/check/update/service:web-1', { Status: 'passing', Output: 'back' });
    await until<HealthEntry[]>(m1, '/v1/health/service/web?passing=1', (b) => b[0]?.Checks[0]?.Output === 'back');
    const checks = await consulJson<{ CheckID: string; Status: string }[]>(m1, '/v1/health/checks/web');
    expect(checks.body).toEqual([expect.objectContaining({ CheckID: 'service:web-1', Status: 'passing' })]);
  });

  it('filters by tag, numbers several checks service:<id>:<n>, and fills an empty address from the caller', async () => {
    await put(m1, '/v1/agent/service/register', {
      name: 'web',
      id: 'web-2',
      port: 8081,
      tags: ['v2'],
      checks: [
        { http: 'http://127.0.0.1:1/health', interval: '500ms', timeout: '2s' },
        { tcp: '127.0.0.1:1', interval: '15s', check_id: 'web-2-tcp' },
        { ttl: '10s', status: 'passing' },
      ],
    });
    const v2 = await until<CatalogEntry[]>(m2, '/v1/catalog/service/web?tag=v2', (b) => b.length === 1);
    // No Address given: the instance is where its registration came from.
    expect(v2.body[0]).toMatchObject({ ServiceID: 'web-2', ServiceAddress: '127.0.0.1', Address: '127.0.0.1', Node: '127.0.0.1' });
    expect((await consulJson<CatalogEntry[]>(m2, '/v1/catalog/service/web')).body.map((e) => e.ServiceID)).toEqual(['web-1', 'web-2']);
    expect((await consulJson<CatalogEntry[]>(m2, '/v1/catalog/service/web?tag=v1&tag=primary')).body.map((e) => e.ServiceID)).toEqual(['web-1']);
    expect((await consulJson<CatalogEntry[]>(m2, '/v1/catalog/service/web?tag=v3')).body).toEqual([]);

    const health = await consulJson<HealthEntry[]>(m2, '/v1/health/service/web?tag=v2');
    const checks = health.body[0]!.Checks;
    expect(checks.map((c) => [c.CheckID, c.Type, c.Status])).toEqual([
      ['service:web-2:1', 'http', 'critical'],
      ['web-2-tcp', 'tcp', 'critical'],
      ['service:web-2:3', 'ttl', 'passing'],
    ]);
    // Consul runs no check more often than once a second.
    expect(checks[0]!.Definition).toMatchObject({ HTTP: 'http://127.0.0.1:1/health', Method: 'GET', Interval: '1s', Timeout: '2s' });
    expect((await consulJson<Record<string, string[]>>(m2, '/v1/catalog/services')).body['web']).toEqual(['v1', 'primary', 'v2']);
    // Only TTL checks take reports, as in Consul.
    const r = await consul(m2, 'PUT', '/v1/agent/check/pass/web-2-tcp');
    expect([r.status, r.text]).toEqual([500, 'CheckID "web-2-tcp" does not have associated TTL']);
  });

  it("answers bad requests with Consul's status and text, and goes on serving", async () => {
    const bad: [string, string, string, unknown, number, string][] = [
      ['bad JSON', 'PUT', '/v1/agent/service/register', '{"Name": "x",', 400, 'Request decode failed: unexpected EOF'],
      ['not JSON', 'PUT', '/v1/agent/service/register', 'name=x', 400, "Request decode failed: invalid character 'a' in literal null (expecting 'u')"],
      ['bad duration', 'PUT', '/v1/agent/service/register', { Name: 'x', Check: { TTL: '10 seconds' } }, 400, 'Request decode failed: time: invalid duration "10 seconds"'],
      ['wrong type', 'PUT', '/v1/agent/service/register', { Name: 'x', Port: '80' }, 400, "Request decode failed: 'Port' expected type 'int', got unconvertible type 'string'"],
      ['no name', 'PUT', '/v1/agent/service/register', { ID: 'x' }, 400, 'Missing service name'],
      ['an HTTP check without interval', 'PUT', '/v1/agent/service/register', { Name: 'x', Check: { HTTP: 'http://127.0.0.1:1/' } }, 400, 'Invalid check: Interval must be > 0 for HTTP, TCP or GRPC checks'],
      ['a check of no kind', 'PUT', '/v1/agent/service/register', { Name: 'x', Check: { Name: 'nothing' } }, 400, 'Invalid check: TTL must be > 0 for TTL checks'],
      ['a bad status', 'PUT', '/v1/agent/service/register', { Name: 'x', Check: { TTL: '1s', Status: 'fine' } }, 400, "Status for checks must 'passing', 'warning', 'critical'"],
      ['bad weights', 'PUT', '/v1/agent/service/register', { Name: 'x', Weights: { Passing: 0 } }, 400, 'Invalid Weights: Passing must be greater than 0'],
      ['a check ID of another instance', 'PUT', '/v1/agent/service/register', { Name: 'x', Check: { CheckID: 'web-2-tcp', TTL: '1s' } }, 400, 'Invalid check: CheckID "web-2-tcp" is already registered for service ID "web-2"'],
      ['unknown check', 'PUT', '/v1/agent/check/pass/no-such-check', undefined, 404, 'Unknown check ID "no-such-check". Ensure that the check ID is passed, not the check name.'],
      ['bad check status', 'PUT', '/v1/agent/check/update/service:web-1', { Status: 'fine' }, 400, "Invalid check status: 'fine'"],
      ['unknown service ID', 'PUT', '/v1/agent/service/deregister/web', undefined, 404, 'Unknown service ID "web". Ensure that the service ID is passed, not the service name.'],
      ['no service name', 'GET', '/v1/health/service/', undefined, 400, 'Missing service name'],
      ['bad index', 'GET', '/v1/health/service/web?index=abc', undefined, 400, 'Invalid index'],
      ['bad wait', 'GET', '/v1/catalog/services?index=1&wait=soon', undefined, 400, 'Invalid wait time'],
      ['bad ?passing', 'GET', '/v1/health/service/web?passing=maybe', undefined, 400, 'Invalid value for ?passing'],
      ['another datacenter', 'GET', '/v1/catalog/services?dc=dc2', undefined, 500, 'No path to datacenter'],
      ['unknown path', 'GET', '/v1/kv/anything', undefined, 404, '404 page not found\n'],
    ];
    for (const [what, method, path, body, status, text] of bad) {
      const r = await consul(m2, method as 'GET' | 'PUT', path, body);
      expect([what, r.status, r.text], what).toEqual([what, status, text]);
    }
    const wrongMethod = await consul(m2, 'GET', '/v1/agent/service/register');
    expect([wrongMethod.status, wrongMethod.text, wrongMethod.headers.get('allow')]).toEqual([405, 'method GET not allowed', 'PUT']);
    const wrongRead = await consul(m2, 'DELETE', '/v1/catalog/services');
    expect([wrongRead.status, wrongRead.text, wrongRead.headers.get('allow')]).toEqual([405, 'method DELETE not allowed', 'GET']);
    // Nothing was registered by the refused requests, and the member still serves.
    expect(Object.keys((await consulJson<Record<string, string[]>>(m2, '/v1/catalog/services')).body)).toEqual(['web']);
    expect((await fetch(`${m2}/health`)).status).toBe(200);
  });

  it('holds a blocking query until the service changes, and answers at once for an older index', async () => {
    const before = await consulJson<HealthEntry[]>(m3, '/v1/health/service/web');
    const started = Date.now();
    const blocked = consulJson<HealthEntry[]>(m3, `/v1/health/service/web?index=${before.index}&wait=30s`);
    await new Promise((r) => setTimeout(r, 700));
    await put(m1, '/v1/agent/check/fail/service:web-1?note=blocked%20change');
    let changed = await blocked;
    const took = Date.now() - started;
    expect(changed.index).toBeGreaterThan(before.index);
    // Any change to the service ends the wait (another instance's check settling, say); a client
    // asks again from the index it got, as Consul's do, until it sees the change it waits for.
    for (let i = 0; i < 5 && changed.body.find((e) => e.Service.ID === 'web-1')!.Checks[0]!.Output !== 'blocked change'; i++) {
      changed = await consulJson<HealthEntry[]>(m3, `/v1/health/service/web?index=${changed.index}&wait=5s`);
    }
    expect(changed.body.find((e) => e.Service.ID === 'web-1')!.Checks[0]).toMatchObject({ Status: 'critical', Output: 'blocked change' });
    expect(took).toBeGreaterThanOrEqual(600);
    expect(took).toBeLessThan(15_000);

    const t0 = Date.now();
    const stale = await consulJson<HealthEntry[]>(m3, `/v1/health/service/web?index=${changed.index - 1}&wait=30s`);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(stale.index).toBe(changed.index);
  });

  it('lets a blocking query time out at its wait (plus at most a sixteenth) with the same index', async () => {
    const now = await consulJson<Record<string, string[]>>(m2, '/v1/catalog/services');
    const t0 = Date.now();
    const same = await consulJson<Record<string, string[]>>(m2, `/v1/catalog/services?index=${now.index}&wait=1500ms`);
    const took = Date.now() - t0;
    expect(same.index).toBe(now.index);
    expect(took).toBeGreaterThanOrEqual(1450);
    expect(took).toBeLessThan(1500 + 1500 / 16 + 2000);
  });

  it("moves the catalog's index for instances only: a check changing state moves the service's health index, not the catalog's", async () => {
    const catalog = await consulJson<Record<string, string[]>>(m2, '/v1/catalog/services');
    const health = await consulJson<HealthEntry[]>(m2, '/v1/health/service/web');
    const status = health.body.find((e) => e.Service.ID === 'web-1')!.Checks[0]!.Status;
    await put(m1, `/v1/agent/check/${status === 'passing' ? 'fail' : 'pass'}/service:web-1?note=flip`);
    const moved = await consulJson<HealthEntry[]>(m2, `/v1/health/service/web?index=${health.index}&wait=10s`);
    expect(moved.index).toBeGreaterThan(health.index);
    // Consul's services table did not change, so neither did the catalog's index: a watcher of the
    // catalog (Prometheus's, Traefik's) is not woken by a check.
    expect((await consulJson<Record<string, string[]>>(m2, '/v1/catalog/services')).index).toBe(catalog.index);
    // Back as it was, for the tests after this one.
    const verb = { passing: 'pass', warning: 'warn', critical: 'fail' }[status];
    await put(m1, `/v1/agent/check/${verb}/service:web-1`);
  });

  it("answers every instance with ?passing once the healthy share falls below the service's protect threshold", async () => {
    await put(m1, '/v1/agent/service/register', { Name: 'pt', ID: 'pt-1', Address: '10.0.1.1', Port: 1, Check: { TTL: '1m', Status: 'passing' } });
    await put(m1, '/v1/agent/service/register', { Name: 'pt', ID: 'pt-2', Address: '10.0.1.2', Port: 1, Check: { TTL: '1m' } });
    await put(m1, '/v1/agent/service/register', { Name: 'pt', ID: 'pt-3', Address: '10.0.1.3', Port: 1, Check: { TTL: '1m' } });
    const ids = (b: HealthEntry[]): string[] => b.map((e) => e.Service.ID);
    expect(ids((await until<HealthEntry[]>(m2, '/v1/health/service/pt?passing', (b) => b.length === 1)).body)).toEqual(['pt-1']);
    // One in three passes: below a threshold of 0.5, every instance is answered.
    await etcdPut(m1, '/lodestone/service-settings/pt', JSON.stringify({ protectThreshold: 0.5 }));
    expect(ids((await until<HealthEntry[]>(m2, '/v1/health/service/pt?passing', (b) => b.length === 3)).body)).toEqual(['pt-1', 'pt-2', 'pt-3']);
    // Two in three pass: above it, only they are.
    await put(m2, '/v1/agent/check/pass/service:pt-2');
    expect(ids((await until<HealthEntry[]>(m2, '/v1/health/service/pt?passing', (b) => b.length === 2)).body)).toEqual(['pt-1', 'pt-2']);
  });

  it('moves an ID registered again under another name, deregisters by ID, and lists the agent', async () => {
    await put(m1, '/v1/agent/service/register', { Name: 'api', ID: 'pt-3', Address: '10.0.1.3', Port: 2 });
    const services = await until<Record<string, string[]>>(m2, '/v1/catalog/services', (b) => 'api' in b);
    expect(Object.keys(services.body)).toEqual(['api', 'pt', 'web']);
    expect((await consulJson<CatalogEntry[]>(m2, '/v1/catalog/service/pt')).body.map((e) => e.ServiceID)).toEqual(['pt-1', 'pt-2']);
    const agent = await consulJson<Record<string, { Service: string; Port: number }>>(m2, '/v1/agent/services');
    expect(agent.body['pt-3']).toMatchObject({ Service: 'api', Port: 2 });

    for (const id of ['pt-1', 'pt-2', 'pt-3']) await put(m3, `/v1/agent/service/deregister/${id}`);
    // Through the member that deregistered them, at once.
    const after = await consulJson<Record<string, string[]>>(m3, '/v1/catalog/services');
    expect(Object.keys(after.body)).toEqual(['web']);
    expect((await consulJson<HealthEntry[]>(m3, '/v1/health/service/pt')).body).toEqual([]);
    const self = await consulJson<{ Config: { Datacenter: string; NodeName: string } }>(m3, '/v1/agent/self');
    expect(self.body.Config).toMatchObject({ Datacenter: 'dc1', NodeName: cluster.members[2]!.name });
  });

  it("answers Prometheus's consul_sd requests as its Consul client sends them", async () => {
    // Prometheus 2.x: the datacenter from the agent, the catalog, then each service's health, every
    // read with ?stale and ?dc, blocking with its Go client's "120000ms" waits.
    const self = await consulJson<{ Config: { Datacenter: string } }>(m3, '/v1/agent/self');
    const dc = self.body.Config.Datacenter;
    const services = await consulJson<Record<string, string[]>>(m3, `/v1/catalog/services?dc=${dc}&stale=&wait=120000ms`);
    expect(services.body['web']).toBeDefined();
    for (const header of ['x-consul-index', 'x-consul-lastcontact']) expect(services.headers.get(header)).toMatch(/^\d+$/);
    const health = await consulJson<HealthEntry[]>(m3, `/v1/health/service/web?dc=${dc}&stale=&wait=120000ms`);
    const web1 = health.body.find((e) => e.Service.ID === 'web-1')!;
    // What its labels are made of: __address__ from Service.Address (or Node.Address) and Service.Port.
    expect([web1.Service.Address, web1.Service.Port, web1.Node.Address, web1.Node.Node]).toEqual(['10.0.0.5', 8080, '10.0.0.5', '10.0.0.5']);
    // A blocking read waits out its wait when nothing changes, and answers the same index.
    // (Not web: the members run its HTTP and TTL checks, and a result they record is a change.)
    await put(m1, '/v1/agent/service/register', { name: 'quiet', id: 'quiet-1', address: '10.0.0.9', port: 9090 });
    const quiet = await until<HealthEntry[]>(m3, `/v1/health/service/quiet?dc=${dc}&stale=`, (b) => b.length === 1);
    const t0 = Date.now();
    const again = await consulJson<HealthEntry[]>(m3, `/v1/health/service/quiet?dc=${dc}&index=${quiet.index}&stale=&wait=1000ms`);
    // It answers early only for a later index (under load the members' own writes can land meanwhile).
    if (again.index === quiet.index) expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    else expect(again.index).toBeGreaterThan(quiet.index);
    await put(m1, '/v1/agent/service/deregister/quiet-1', undefined);
  });

  it('lists checks by state across services, and names the Raft leader and peers', async () => {
    const critical = await consulJson<{ CheckID: string; ServiceID: string }[]>(m2, '/v1/health/state/critical');
    expect(critical.body.map((c) => c.CheckID).sort()).toEqual(['service:web-1', 'service:web-2:1', 'web-2-tcp']);
    const any = await consulJson<{ CheckID: string }[]>(m2, '/v1/health/state/any');
    expect(any.body).toHaveLength(4);
    expect((await consulJson<{ CheckID: string }[]>(m2, '/v1/health/state/passing')).body.map((c) => c.CheckID)).toEqual(['service:web-2:3']);
    const bad = await consul(m2, 'GET', '/v1/health/state/sleepy');
    expect([bad.status, bad.text]).toEqual([400, 'Invalid state']);

    const peerAddresses = cluster.members.map((m) => m.peerUrl.replace(/^https?:\/\//, '')).sort();
    const peers = await consulJson<string[]>(m1, '/v1/status/peers');
    expect([...peers.body].sort()).toEqual(peerAddresses);
    const leaders = await Promise.all([m1, m2, m3].map(async (m) => (await consulJson<string>(m, '/v1/status/leader')).body));
    expect(peerAddresses).toContain(leaders[0]);
    expect(new Set(leaders).size).toBe(1);

    // X-Consul-LastContact: 0 on the leader, and a follower heard from it lately (heartbeats are 100 ms apart).
    const contacts = await Promise.all(
      [m1, m2, m3].map(async (m) => {
        const r = await consulJson<unknown>(m, '/v1/catalog/services');
        expect(r.headers.get('x-consul-knownleader')).toBe('true');
        return Number(r.headers.get('x-consul-lastcontact'));
      }),
    );
    const leaderIndex = cluster.members.findIndex((m) => m.peerUrl.endsWith(`//${leaders[0]}`));
    expect(contacts[leaderIndex]).toBe(0);
    for (const c of contacts) expect(c).toBeLessThan(5000);
    expect(contacts.filter((c, i) => i !== leaderIndex && Number.isInteger(c))).toHaveLength(2);
  });
});
