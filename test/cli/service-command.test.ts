// `lodestone service …` run as a user runs it against three real members: an instance registered
// with an HTTP check against a real HTTP server turns passing, then critical when the server stops;
// list and get in both formats; registration from a file; watch prints registrations and
// deregistrations as they happen. (deps and bad input: service-deps-errors.test.ts.)
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Client } from '../../index.js';
import { TestCluster } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { freePorts, LOOPBACK } from '../support/free-ports.js';
import { runService, startService, type Run } from './service-runner.js';

interface InstanceOut {
  id: string;
  address: string;
  port: number;
  tags: string[];
  meta: Record<string, string>;
  weights: { passing: number; warning: number };
  status: string;
  lease: string;
  checks: { id: string; kind: string; status: string; output: string }[];
}

describe('lodestone service', () => {
  let cluster: TestCluster;
  let client: Client;
  let endpoints: string;
  let dir: string;
  let server: Server;
  let httpPort: number;
  const children: ChildProcessWithoutNullStreams[] = [];

  const service = (...args: string[]): Promise<Run> => runService([...args, '--endpoints', endpoints]);
  const getJson = async (name: string): Promise<InstanceOut[]> => {
    const r = await service('get', name, '-w', 'json');
    if (r.code !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as InstanceOut[];
  };

  beforeAll(async () => {
    cluster = await TestCluster.start({ implementation: 'lodestone', size: 3, readyTimeoutMs: 60_000 });
    endpoints = cluster.members.map((m) => m.endpoint).join(',');
    client = await connect({ endpoints: cluster.members.map((m) => m.endpoint) });
    dir = await mkdtemp(join(tmpdir(), 'lodestone-service-'));
    [httpPort] = await freePorts(1);
    server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(httpPort, LOOPBACK, resolve));
  }, 120_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    server?.close();
    await client?.close();
    await cluster?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('registers an instance with an HTTP check: get shows it passing, then critical once its server stops; list counts it', async () => {
    const reg = await service(
      'register', 'web', 'web-1', '--address', LOOPBACK, '--port', String(httpPort), '--tag', 'v1', '--tag', 'canary', '--meta', 'zone=a',
      '--weight-passing', '10', '--weight-warning', '2',
      '--check-http', `http://${LOOPBACK}:${httpPort}/`, '--interval', '500ms', '--timeout', '1s',
    );
    expect(reg.stderr).toBe('');
    expect(reg.code).toBe(0);
    expect(reg.stdout).toMatch(/^registered web\/web-1 \(persistent: it stays until deregistered\) at revision \d+\n$/);

    const passing = await eventually('web-1 passing', async () => {
      const [i] = await getJson('web');
      return i?.status === 'passing' ? i : undefined;
    }, 30_000, 300);
    expect(passing).toMatchObject({
      id: 'web-1', address: LOOPBACK, port: httpPort, tags: ['v1', 'canary'], meta: { zone: 'a' }, weights: { passing: 10, warning: 2 },
      // Registered from a command that exits: no lease.
      lease: 'persistent',
      checks: [{ id: 'service:web:web-1', kind: 'http', status: 'passing', output: `HTTP GET http://${LOOPBACK}:${httpPort}/: 200 OK` }],
    });
    expect((await client.get('/lodestone/services/web/web-1'))?.lease).toBe(0n);

    const table = await service('get', 'web');
    expect(table.code).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(/^ID +ADDRESS +TAGS +WEIGHTS +LEASE +STATUS$/);
    expect(lines[1]).toMatch(new RegExp(`^web-1 +${LOOPBACK}:${httpPort} +v1,canary +10/2 +persistent +passing$`));
    expect(lines).toContainEqual(expect.stringMatching(/^INSTANCE +CHECK +KIND +TARGET +STATUS +OUTPUT$/));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^web-1 +service:web:web-1 +http +GET http://${LOOPBACK}:${httpPort}/ +passing +HTTP GET .*: 200 OK$`)));

    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    const critical = await eventually('web-1 critical', async () => {
      const [i] = await getJson('web');
      return i?.status === 'critical' ? i : undefined;
    }, 30_000, 300);
    expect(critical.checks[0]!.output).toBe(`HTTP GET http://${LOOPBACK}:${httpPort}/: ECONNREFUSED`);

    const list = await service('list', '-w', 'json');
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as unknown[]).find((s) => (s as { service: string }).service === 'web')).toEqual({ service: 'web', instances: 1, passing: 0, warning: 0, critical: 1 });
    const listTable = await service('list');
    expect(listTable.stdout.split('\n')[0]).toMatch(/^SERVICE +INSTANCES +PASSING +WARNING +CRITICAL$/);
    expect(listTable.stdout).toMatch(/^web +1 +0 +0 +1$/m);
  }, 120_000);

  it('registers from a JSON file with several checks, and deregisters', async () => {
    const file = join(dir, 'db-1.json');
    await writeFile(file, JSON.stringify({
      address: '10.0.0.5', port: 5432, tags: ['primary'],
      checks: [
        { id: 'db-1-ttl', kind: 'ttl', ttlMs: 30_000, initialStatus: 'passing' },
        { id: 'db-1-tcp', kind: 'tcp', tcp: `${LOOPBACK}:1`, intervalMs: 60_000, initialStatus: 'warning' },
      ],
    }));
    const reg = await service('register', 'db', 'db-1', '--file', file, '-w', 'json');
    expect(reg.code).toBe(0);
    expect(JSON.parse(reg.stdout)).toMatchObject({ service: 'db', id: 'db-1', persistent: true, record: { address: '10.0.0.5', port: 5432 } });
    const [db] = await getJson('db');
    expect(db!.checks.map((c) => c.id).sort()).toEqual(['db-1-tcp', 'db-1-ttl']);

    const dereg = await service('deregister', 'db', 'db-1');
    expect(dereg).toMatchObject({ code: 0, stdout: 'deregistered db/db-1\n' });
    expect((await client.range({ prefix: '/lodestone/health/db/' })).kvs).toEqual([]);
    expect(await service('get', 'db')).toMatchObject({ code: 1, stderr: 'Error: service "db" has no instances\n' });
  }, 60_000);

  it('watch prints the instances there, then each registration and deregistration as it happens, until SIGINT', async () => {
    const watchJson = startService(['watch', 'api', '-w', 'json', '--endpoints', endpoints]);
    const watchTable = startService(['watch', 'api', '--endpoints', endpoints]);
    children.push(watchJson, watchTable);
    const output = (c: ChildProcessWithoutNullStreams): { out: string[]; err: string[] } => {
      const o = { out: [] as string[], err: [] as string[] };
      c.stdout.on('data', (b: Buffer) => o.out.push(...b.toString().split('\n').filter((l) => l.length > 0)));
      c.stderr.on('data', (b: Buffer) => o.err.push(b.toString()));
      return o;
    };
    const json = output(watchJson);
    const table = output(watchTable);
    await eventually('both watches in place', async () => (json.err.join('').includes('watching api') && table.err.join('').includes('watching api') ? true : undefined), 30_000, 100);
    expect(json.out).toEqual([]);

    expect((await service('register', 'api', 'api-1', '--address', '10.0.0.9', '--port', '80')).code).toBe(0);
    expect((await service('register', 'other', 'o-1', '--address', '10.0.0.10', '--port', '80')).code).toBe(0);
    expect((await service('deregister', 'api', 'api-1')).code).toBe(0);
    await eventually('two events', async () => (json.out.length >= 2 && table.out.length >= 2 ? true : undefined), 20_000, 100);

    const events = json.out.map((l) => JSON.parse(l) as { event: string; service: string; id: string; address: string; port: number; status: string; revision: number });
    expect(events).toEqual([
      expect.objectContaining({ event: 'registered', service: 'api', id: 'api-1', address: '10.0.0.9', port: 80, status: 'passing' }),
      expect.objectContaining({ event: 'deregistered', service: 'api', id: 'api-1' }),
    ]);
    expect(events[1]!.revision).toBeGreaterThan(events[0]!.revision);
    expect(table.out[0]).toMatch(/^\S+Z {2}rev \d+ {2}registered {4}api\/api-1 {2}10\.0\.0\.9:80 {2}passing$/);
    expect(table.out[1]).toMatch(/^\S+Z {2}rev \d+ {2}deregistered {2}api\/api-1$/);

    const exits = [watchJson, watchTable].map((c) => new Promise<number | null>((resolve) => c.once('close', resolve)));
    watchJson.kill('SIGINT');
    watchTable.kill('SIGINT');
    expect(await Promise.all(exits)).toEqual([0, 0]);

    // A watch started now shows what is there first.
    const later = await new Promise<string>((resolve) => {
      const c = startService(['watch', 'other', '-w', 'json', '--endpoints', endpoints]);
      children.push(c);
      let out = '';
      c.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('\n')) c.kill('SIGINT');
      });
      c.once('close', () => resolve(out));
    });
    expect(JSON.parse(later.split('\n')[0]!)).toMatchObject({ event: 'present', service: 'other', id: 'o-1' });
  }, 90_000);
});
