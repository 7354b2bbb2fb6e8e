// The member's HTTP endpoints on a plain node:http server: the paths it serves, etcd's bodies,
// status codes and headers, and the health check's order of reasons.
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { checkHealth, type HealthSource } from '../../cluster/health-check.js';
import { memberHttpHandler, type MemberEndpointsSource } from '../../http/member-endpoints.js';
import type { CallSignal } from '../../rpc/call-options.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Serves the handler, with "elsewhere" for the paths it leaves; returns the base URL. */
async function serve(source: MemberEndpointsSource): Promise<string> {
  const handler = memberHttpHandler(source);
  server = createServer((req, res) => {
    if (!handler(req, res)) res.end('elsewhere');
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

function source(health: { healthy: boolean; reason?: string }, seen: boolean[] = []): MemberEndpointsSource {
  return {
    exposition: () => Promise.resolve({ contentType: 'text/plain; version=0.0.4; charset=utf-8', text: 'up 1\n' }),
    health: (serializable) => {
      seen.push(serializable);
      return Promise.resolve(health);
    },
    versions: () => ({ etcdserver: '3.5.0', etcdcluster: '3.5.0' }),
  };
}

describe('memberHttpHandler', () => {
  it('answers /health as etcd 3.4 when healthy, and passes ?serializable=true on', async () => {
    const seen: boolean[] = [];
    const base = await serve(source({ healthy: true }, seen));
    const r = await fetch(`${base}/health`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await r.text()).toBe('{"health":"true"}');
    await fetch(`${base}/health?serializable=true`);
    await fetch(`${base}/health?serializable=false`);
    expect(seen).toEqual([false, true, false]);
  });

  it('answers 503 with the reason when unhealthy, as http.Error writes it', async () => {
    const base = await serve(source({ healthy: false, reason: 'RAFT NO LEADER' }));
    const r = await fetch(`${base}/health`);
    expect(r.status).toBe(503);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await r.text()).toBe('{"health":"false","reason":"RAFT NO LEADER"}\n');
  });

  it('serves /metrics with the exposition’s content type, and /version as JSON', async () => {
    const base = await serve(source({ healthy: true }));
    const m = await fetch(`${base}/metrics`);
    expect(m.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await m.text()).toBe('up 1\n');
    const v = await fetch(`${base}/version`);
    expect(v.headers.get('content-type')).toBe('application/json');
    expect(await v.text()).toBe('{"etcdserver":"3.5.0","etcdcluster":"3.5.0"}');
  });

  it('refuses all but GET on /health and /version, and leaves other paths to the caller', async () => {
    const base = await serve(source({ healthy: true }));
    for (const path of ['/health', '/version']) {
      const r = await fetch(`${base}${path}`, { method: 'POST' });
      expect(r.status).toBe(405);
      expect(r.headers.get('allow')).toBe('GET');
      expect(await r.text()).toBe('Method Not Allowed\n');
    }
    for (const path of ['/', '/metrics/', '/healthz', '/v3/kv/range']) expect(await (await fetch(`${base}${path}`)).text()).toBe('elsewhere');
  });
});

describe('checkHealth', () => {
  const healthy: HealthSource = { alarms: () => [], leader: () => 1, linearizableRead: () => Promise.resolve() };
  /** A read that never goes through: only its signal ends it. */
  const stuck = (signal: CallSignal): Promise<void> =>
    new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));

  it('is healthy with a leader and a read that goes through', async () => {
    expect(await checkHealth(healthy, false)).toEqual({ healthy: true });
  });

  it('puts an alarm first, then the leader, then the read', async () => {
    const alarm = { memberId: 7, alarm: 'NOSPACE' as const };
    expect(await checkHealth({ ...healthy, alarms: () => [alarm], leader: () => 0 }, true)).toEqual({ healthy: false, reason: 'ALARM NOSPACE' });
    expect(await checkHealth({ ...healthy, leader: () => 0, linearizableRead: stuck }, false)).toEqual({ healthy: false, reason: 'RAFT NO LEADER' });
  });

  it('gives the read one second, and skips it when serializable (the leader is still needed)', async () => {
    const started = Date.now();
    expect(await checkHealth({ ...healthy, linearizableRead: stuck }, false)).toEqual({ healthy: false, reason: 'RANGE ERROR:etcdserver: request timed out' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(await checkHealth({ ...healthy, linearizableRead: stuck }, true)).toEqual({ healthy: true });
    expect(await checkHealth({ ...healthy, leader: () => 0 }, true)).toEqual({ healthy: false, reason: 'RAFT NO LEADER' });
  });
});
