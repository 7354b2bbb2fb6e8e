// The registry core on a real member (an in-memory node): what the writer's transactions leave in
// the documented keys, and what each member's view makes of them — including values written by the
// client's register() and by plain etcd clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNode, register, type LodestoneNode } from '../../index.js';
import { healthKey, instanceKey, RegistryLayoutError, settingsKey, type HealthRecord } from '../../registry/layout.js';
import { validateInstance } from '../../registry/records.js';
import type { RegistryView } from '../../registry/registry-view.js';
import type { RegistryWriter } from '../../registry/registry-writer.js';

const httpCheck = { id: 'service:web-1', kind: 'http', http: 'http://127.0.0.1:1/health', intervalMs: 1000, timeoutMs: 500 };
const ttlCheck = { id: 'web-1-ttl', kind: 'ttl', ttlMs: 5000, initialStatus: 'warning' };

describe('the registry: writer and view on a member', () => {
  let node: LodestoneNode;
  let view: RegistryView;
  let writer: RegistryWriter;

  beforeAll(async () => {
    node = await openNode({ inMemory: true });
    // The writes here are the test's own: the member's check runner (tested in checks/) would
    // probe the checks registered below and record its results among them.
    await node.member.checks.close();
    view = node.member.registry.view;
    writer = node.member.registry.writer;
    await view.start();
  });
  afterAll(async () => {
    await node.close();
  });

  const caughtUp = async (): Promise<void> => {
    const target = node.member.currentRevision();
    for (let i = 0; i < 100 && view.revision < target; i++) await new Promise((r) => setTimeout(r, 10));
    expect(view.revision).toBeGreaterThanOrEqual(target);
  };

  it('registers a persistent instance whose checks start in their initial states', async () => {
    const record = validateInstance({ address: '10.0.0.1', port: 8080, tags: ['v1'], meta: { zone: 'a' }, weights: { passing: 10, warning: 1 }, checks: [httpCheck, ttlCheck] });
    const { revision } = await writer.register('web', 'web-1', record);
    await caughtUp();
    const inst = view.get('web', 'web-1')!;
    expect(inst).toMatchObject({ service: 'web', id: 'web-1', lease: 0n, record: { address: '10.0.0.1', port: 8080, tags: ['v1'], meta: { zone: 'a' }, weights: { passing: 10, warning: 1 } } });
    expect(inst.checks.map((c) => [c.id, c.status])).toEqual([
      ['service:web-1', 'critical'],
      ['web-1-ttl', 'warning'],
    ]);
    expect(inst.status).toBe('critical');
    expect(view.serviceNames()).toContain('web');
    expect(view.serviceIndex('web')).toBe(revision);
    // The keys are the documented ones, readable by any client.
    expect(JSON.parse((await node.get(instanceKey('web', 'web-1')))!.valueString)).toMatchObject({ address: '10.0.0.1', port: 8080 });
    expect(JSON.parse((await node.get(healthKey('web', 'web-1', 'web-1-ttl')))!.valueString)).toMatchObject({ status: 'warning' });
  });

  it('writes a check state only when it changes', async () => {
    expect(await writer.setHealth('web', 'web-1', 'service:web-1', 'passing', 'HTTP GET: 200 OK')).toBe('written');
    expect(await writer.setHealth('web', 'web-1', 'web-1-ttl', 'passing', '')).toBe('written');
    const before = node.member.currentRevision();
    expect(await writer.setHealth('web', 'web-1', 'service:web-1', 'passing', 'HTTP GET: 200 OK')).toBe('unchanged');
    expect(node.member.currentRevision()).toBe(before);
    await caughtUp();
    const inst = view.get('web', 'web-1')!;
    expect(inst.status).toBe('passing');
    expect(inst.checks[0]!.health).toMatchObject({ status: 'passing', output: 'HTTP GET: 200 OK' });
    expect(view.findCheck('web-1-ttl')?.instance.id).toBe('web-1');
  });

  it('registering again keeps the states of the checks it still has and drops the others', async () => {
    await writer.register('web', 'web-1', validateInstance({ address: '10.0.0.1', port: 8081, checks: [ttlCheck] }));
    await caughtUp();
    const inst = view.get('web', 'web-1')!;
    expect(inst.record.port).toBe(8081);
    expect(inst.checks.map((c) => [c.id, c.status])).toEqual([['web-1-ttl', 'passing']]);
    expect(await node.get(healthKey('web', 'web-1', 'service:web-1'))).toBeUndefined();
  });

  it('a blocking wait ends with the service\'s next change, or at its timeout', async () => {
    const index = view.serviceIndex('web');
    const started = Date.now();
    await view.waitFor(() => view.serviceIndex('web'), index, 100);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    const waiting = view.waitFor(() => view.serviceIndex('web'), index, 10_000);
    await writer.setHealth('web', 'web-1', 'web-1-ttl', 'critical', 'TTL expired');
    await waiting;
    expect(view.serviceIndex('web')).toBeGreaterThan(index);
    expect(view.get('web', 'web-1')!.status).toBe('critical');
  });

  it('reads instances the client\'s register() wrote, on their leases', async () => {
    const reg = await register(node, 'legacy', 'l-1', { ttl: 30, address: '10.0.0.9', port: 9000 });
    await caughtUp();
    const inst = view.get('legacy', 'l-1')!;
    expect(inst).toMatchObject({ record: { address: '10.0.0.9', port: 9000, tags: [], checks: [] }, status: 'passing' });
    expect(inst.lease).toBe(reg.lease.id);
    await reg.close();
    await caughtUp();
    expect(view.get('legacy', 'l-1')).toBeUndefined();
    expect(view.serviceNames()).not.toContain('legacy');
  });

  it('an ephemeral instance\'s checks go with its lease', async () => {
    const lease = await node.grant(30);
    await writer.register('eph', 'e-1', validateInstance({ address: '10.0.0.5', port: 1, checks: [ttlCheck] }), { lease: lease.id });
    await writer.setHealth('eph', 'e-1', 'web-1-ttl', 'passing', '');
    expect((await node.get(healthKey('eph', 'e-1', 'web-1-ttl')))!.lease).toBe(lease.id);
    await lease.revoke();
    await caughtUp();
    expect(view.get('eph', 'e-1')).toBeUndefined();
    expect(await node.get(healthKey('eph', 'e-1', 'web-1-ttl'))).toBeUndefined();
  });

  it('a check result for an instance deregistered or registered anew is dropped', async () => {
    await writer.register('gone', 'g-1', validateInstance({ address: '10.0.0.6', port: 2, checks: [ttlCheck] }));
    const first = (await node.get(instanceKey('gone', 'g-1')))!;
    const ref = { createRevision: first.createRevision, lease: 0n };
    expect(await writer.deregister('gone', 'g-1')).toBe(true);
    expect(await writer.deregister('gone', 'g-1')).toBe(false);
    expect(await writer.setHealth('gone', 'g-1', 'web-1-ttl', 'passing', '')).toBe('no-instance');
    await writer.register('gone', 'g-1', validateInstance({ address: '10.0.0.6', port: 2, checks: [ttlCheck] }));
    expect(await writer.setHealth('gone', 'g-1', 'web-1-ttl', 'passing', '', ref)).toBe('no-instance');
    expect(JSON.parse((await node.get(healthKey('gone', 'g-1', 'web-1-ttl')))!.valueString)).toMatchObject({ status: 'warning' });
  });

  it('writes over the state a view showed without reading it, and decides again from a read once it moved', async () => {
    await writer.register('seen', 's-1', validateInstance({ address: '10.0.0.7', port: 3, checks: [ttlCheck] }));
    await caughtUp();
    const shown = (): { modRevision: number; record: HealthRecord | undefined } => {
      const c = view.get('seen', 's-1')!.checks[0]!;
      return { modRevision: c.modRevision, record: c.health };
    };
    const ref = { createRevision: view.get('seen', 's-1')!.createRevision, lease: 0n };
    // The view's state is the stored one: written at once.
    expect(await writer.setHealth('seen', 's-1', 'web-1-ttl', 'passing', '', { ...ref, state: shown() })).toBe('written');
    await caughtUp();
    const stale = shown();
    expect(stale.record?.status).toBe('passing');
    // Another write lands after the view was read: the guarded write fails and a read decides.
    expect(await writer.setHealth('seen', 's-1', 'web-1-ttl', 'critical', 'TTL expired')).toBe('written');
    expect(await writer.setHealth('seen', 's-1', 'web-1-ttl', 'passing', '', { ...ref, state: stale })).toBe('written');
    expect(JSON.parse((await node.get(healthKey('seen', 's-1', 'web-1-ttl')))!.valueString)).toMatchObject({ status: 'passing', output: '' });
    // A view showing the very state asked for reads first, and writes nothing when it is so.
    await caughtUp();
    const before = node.member.currentRevision();
    expect(await writer.setHealth('seen', 's-1', 'web-1-ttl', 'passing', '', { ...ref, state: shown() })).toBe('unchanged');
    expect(node.member.currentRevision()).toBe(before);
    // A different state asked for over a view that is behind: the guard fails, a read decides.
    const behind = shown();
    expect(await writer.setHealth('seen', 's-1', 'web-1-ttl', 'critical', 'TTL expired')).toBe('written');
    expect(await writer.setHealth('seen', 's-1', 'web-1-ttl', 'warning', 'slow', { ...ref, state: behind })).toBe('written');
    expect(JSON.parse((await node.get(healthKey('seen', 's-1', 'web-1-ttl')))!.valueString)).toMatchObject({ status: 'warning', output: 'slow' });
  });

  it('follows keys written by any etcd client, settings included', async () => {
    await node.put(instanceKey('plain', 'p-1'), JSON.stringify({ address: '10.1.1.1', port: 53, tags: ['dns'] }));
    await node.put(settingsKey('plain'), JSON.stringify({ protectThreshold: 0.5 }));
    await node.put(healthKey('plain', 'p-1', 'external'), JSON.stringify({ status: 'warning', output: 'disk 91%' }));
    await node.put(instanceKey('plain', 'p-2'), 'not json');
    await caughtUp();
    expect(view.settings('plain').protectThreshold).toBe(0.5);
    const p1 = view.get('plain', 'p-1')!;
    expect(p1.status).toBe('warning');
    expect(p1.checks).toMatchObject([{ id: 'external', definition: undefined, status: 'warning' }]);
    expect(view.get('plain', 'p-2')).toMatchObject({ record: { address: '', port: 0 }, status: 'passing' });
  });

  it('refuses a record that does not fit, naming the field', () => {
    expect(() => validateInstance({ port: 70000 })).toThrow(RegistryLayoutError);
    expect(() => validateInstance({ port: 70000 })).toThrow('instance.port');
    expect(() => validateInstance({ checks: [{ id: 'x', kind: 'http' }] })).toThrow('instance.checks[0].http must name what to check');
    expect(() => validateInstance({ checks: [{ id: 'x', kind: 'ttl', ttlMs: 1000 }, { id: 'x', kind: 'ttl', ttlMs: 1000 }] })).toThrow('used twice');
    expect(() => validateInstance({ weights: { passing: -1 } })).toThrow('instance.weights');
  });
});

describe('reports of a check by its id', () => {
  let node: LodestoneNode;
  beforeAll(async () => {
    node = await openNode({ inMemory: true });
    await node.member.registry.start();
  });
  afterAll(async () => {
    await node.close();
  });

  it('records a report on the instance that registered the check, and answers no-check for an unknown id', async () => {
    const { registry } = node.member;
    await registry.writer.register('api', 'api-1', validateInstance({ address: '10.0.0.2', port: 80, checks: [{ id: 'api-1-ttl', kind: 'ttl', ttlMs: 10_000 }] }));
    // At once, before this member's view may have seen the registration.
    expect(await registry.report('api-1-ttl', 'passing', 'all good')).toBe('written');
    expect(await registry.report('api-1-ttl', 'passing', 'all good')).toBe('unchanged');
    expect(JSON.parse((await node.get(healthKey('api', 'api-1', 'api-1-ttl')))!.valueString)).toMatchObject({ status: 'passing', output: 'all good' });
    const started = Date.now();
    expect(await registry.report('nobody-has-this', 'passing', '')).toBe('no-check');
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
