// `lodestone template` keeping a real HAProxy (Debian's haproxy) in step with the registry: the
// backend lists the healthy registered instances of a service, each candidate is checked with
// `haproxy -c` before it replaces the file, and the reload starts a new haproxy that takes over
// from the old one (-sf). Traffic through HAProxy's frontend reaches the healthy registered
// instances only — not a running but unregistered server, and not an instance once its check fails.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, get, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, register, type Client, type EphemeralRegistration } from '../../index.js';
import { checkBinaries, findBinary } from '../support/binaries.js';
import { TestCluster } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { freePorts, LOOPBACK } from '../support/free-ports.js';
import { appliedRecords, publish, readOr, startTemplate, type TemplateProcess } from './template-support.js';

const binaries = checkBinaries(['haproxy'], 'the HAProxy template test');

const TEMPLATE = `# Rendered by lodestone template from the registry's healthy "web" instances.
global
    maxconn 256

defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s

frontend www
    bind 127.0.0.1:{{ config.frontend_port }}
    default_backend web

backend web
    balance roundrobin
{%- for s in services.web %}
    server {{ s.id }} {{ s.address }}:{{ s.port }} weight {{ s.weights.passing }}
{%- endfor %}
`;

/** One GET through HAProxy, on a connection of its own: which server answered (or the status). */
function through(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host: LOOPBACK, port, path: '/', agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () => resolve(res.statusCode === 200 ? body : `status ${res.statusCode}`));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('no answer')));
  });
}

async function whoAnswers(port: number, requests: number): Promise<string[]> {
  const seen = new Set<string>();
  for (let i = 0; i < requests; i++) seen.add(await through(port));
  return [...seen].sort();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.runIf(binaries.run)('lodestone template: an HAProxy backend kept in step with the registry', () => {
  let cluster: TestCluster;
  let client: Client;
  let dir: string;
  let frontendPort: number;
  let backendPorts: number[];
  const servers: Server[] = [];
  const registrations = new Map<string, EphemeralRegistration>();
  const haproxyPids = new Set<number>();
  let template: TemplateProcess | undefined;

  beforeAll(async () => {
    binaries.assertPresent();
    cluster = await TestCluster.start({ implementation: 'lodestone', size: 3, readyTimeoutMs: 60_000 });
    client = await connect({ endpoints: cluster.members.map((m) => m.endpoint) });
    dir = await mkdtemp(join(tmpdir(), 'lodestone-haproxy-'));
    [frontendPort, ...backendPorts] = await freePorts(4);
    for (const [i, port] of backendPorts.entries()) {
      const server = createServer((_req, res) => res.end(`s${i + 1}`));
      await new Promise<void>((resolve) => server.listen(port, LOOPBACK, resolve));
      servers.push(server);
    }
  }, 120_000);

  afterAll(async () => {
    template?.child.kill('SIGTERM');
    await template?.exited;
    // Only the haproxy processes this test started: those its pid file named.
    const pidFile = dir ? await readOr(join(dir, 'haproxy.pid')) : '';
    for (const pid of pidFile.split(/\s+/).filter((p) => p.length > 0)) haproxyPids.add(Number(pid));
    for (const pid of haproxyPids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    for (const r of registrations.values()) await r.close().catch(() => undefined);
    for (const s of servers) s.close();
    await client?.close();
    await cluster?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('routes to the healthy registered instances only, and stops routing to one once its check fails', async () => {
    const haproxy = findBinary('haproxy')!;
    const source = join(dir, 'haproxy.cfg.liquid');
    const dest = join(dir, 'haproxy.cfg');
    const pidFile = join(dir, 'haproxy.pid');
    const reloads = join(dir, 'reloads');
    await writeFile(source, TEMPLATE);
    await publish(client, 'lb', { frontend_port: String(frontendPort) });
    // s1 and s2 registered (passing until told otherwise); s3 runs but is not registered.
    for (const [i, port] of backendPorts.slice(0, 2).entries()) {
      const id = `s${i + 1}`;
      registrations.set(id, await register(client, 'web', id, { address: LOOPBACK, port, checks: [{ ttlMs: 600_000, initialStatus: 'passing' }] }));
    }

    const reload =
      `${haproxy} -D -f {{dest}} -p ${pidFile} $([ -s ${pidFile} ] && echo -sf $(cat ${pidFile})); ` +
      `s=$?; echo reload >> ${reloads}; exit $s`;
    template = startTemplate([
      '--endpoints', cluster.members.map((m) => m.endpoint).join(','), '--cache-dir', join(dir, 'cache'),
      '--source', source, '--dest', dest, '--config', 'lb', '--instance', 'lb-1',
      '--check-command', `${haproxy} -c -q -f {{candidate}}`,
      '--command', reload,
    ]);
    const firstPid = await eventually('haproxy started', async () => {
      const pid = Number((await readOr(pidFile)).trim());
      return pid > 0 ? pid : undefined;
    });
    haproxyPids.add(firstPid);
    const cfg = await readFile(dest, 'utf8');
    expect(cfg).toContain(`bind 127.0.0.1:${frontendPort}`);
    expect(cfg).toContain(`server s1 127.0.0.1:${backendPorts[0]} weight 1\n    server s2 127.0.0.1:${backendPorts[1]} weight 1\n`);
    expect(await whoAnswers(frontendPort, 20)).toEqual(['s1', 's2']);

    // s2's check fails: the template renders it out, haproxy -c passes it, the reload takes over.
    const s2 = registrations.get('s2')!;
    await s2.report(s2.record.checks[0]!.id, 'critical', 'failing on purpose');
    const secondPid = await eventually('haproxy reloaded', async () => {
      const pid = Number((await readOr(pidFile)).trim());
      return pid > 0 && pid !== firstPid ? pid : undefined;
    });
    haproxyPids.add(secondPid);
    await eventually('the old haproxy gone', async () => (alive(firstPid) ? undefined : true));
    expect(await readFile(dest, 'utf8')).not.toContain('server s2');
    expect(await whoAnswers(frontendPort, 20)).toEqual(['s1']);
    expect((await readOr(reloads)).trim().split('\n')).toEqual(['reload', 'reload']);

    // A release haproxy -c refuses (a port that is not one): the running file and haproxy stay.
    const bad = await publish(client, 'lb', { frontend_port: 'not-a-port' });
    const rejected = await eventually('the bad release recorded rejected', async () => {
      const [r] = await appliedRecords(client, 'lb');
      return r?.release === bad ? r : undefined;
    });
    expect(rejected).toMatchObject({ instance: 'lb-1', state: 'rejected', via: 'template' });
    expect(rejected.reason).toMatch(/check command failed/);
    expect(await readFile(dest, 'utf8')).toContain(`bind 127.0.0.1:${frontendPort}`);
    expect(Number((await readOr(pidFile)).trim())).toBe(secondPid);
    expect(await whoAnswers(frontendPort, 10)).toEqual(['s1']);
    expect((await readOr(reloads)).trim().split('\n')).toEqual(['reload', 'reload']);
  }, 120_000);
});
