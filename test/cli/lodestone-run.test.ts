// The `lodestone` command run as a user runs it (node + tsx on cli/main.ts, as `npm run lodestone`
// does): a member started with etcd's flags that etcdctl writes to and reads from, and a local
// cluster of three.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etcdctl } from '../compat/etcdctl-runner.js';
import { checkBinaries } from '../support/binaries.js';
import { REPO_ROOT } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { freePortRange, freePorts, LOOPBACK } from '../support/free-ports.js';
import { ServerProcess } from '../support/server-process.js';

const MAIN = join(REPO_ROOT, 'cli', 'main.ts');
const NODE_ARGS = ['--import', 'tsx', MAIN];
const binaries = checkBinaries(['etcdctl'], 'the lodestone command tests');

/** The environment without the caller's LODESTONE_* settings, which the member would read. */
function cleanEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('LODESTONE_')) env[k] = v;
  return { ...env, ...extra };
}

describe.runIf(binaries.run)('lodestone member and lodestone cluster', () => {
  let dir: string;
  const processes: ServerProcess[] = [];
  beforeAll(async () => {
    binaries.assertPresent();
    dir = await mkdtemp(join(tmpdir(), 'lodestone-command-'));
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop(10_000)));
    await rm(dir, { recursive: true, force: true });
  });

  it("lodestone member: etcd's flags (command line, Go booleans, LODESTONE_* variables) start a member etcdctl can use", async () => {
    const [client, peer] = await freePorts(2);
    const clientUrl = `http://${LOOPBACK}:${client!}`;
    const peerUrl = `http://${LOOPBACK}:${peer!}`;
    const member = new ServerProcess({
      name: 'member',
      command: process.execPath,
      args: [
        ...NODE_ARGS, 'member',
        '--name', 'solo',
        '--listen-client-urls', clientUrl, '--advertise-client-urls', clientUrl,
        '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl,
        '--initial-cluster', `solo=${peerUrl}`,
        '--client-cert-auth=false',
      ],
      cwd: REPO_ROOT,
      env: cleanEnv({ LODESTONE_DATA_DIR: join(dir, 'solo.etcd'), LODESTONE_LOG_LEVEL: 'info' }),
    });
    processes.push(member);
    member.start();
    await member.waitForLine(/member started/, { timeoutMs: 30_000, past: true });
    const endpoint = `${LOOPBACK}:${client!}`;
    await eventually('a put through etcdctl', async () => ((await etcdctl([endpoint], ['put', 'greeting', 'hello'])).code === 0 ? true : undefined), 20_000, 200);
    expect(await etcdctl([endpoint], ['get', 'greeting'])).toMatchObject({ code: 0, stdout: 'greeting\nhello\n' });
    const list = await etcdctl([endpoint], ['member', 'list']);
    expect(list.stdout).toContain(`solo, ${peerUrl}, ${clientUrl}`);
    // The data dir came from LODESTONE_DATA_DIR; SIGTERM stops the member cleanly.
    expect(existsSync(join(dir, 'solo.etcd', 'member'))).toBe(true);
    await member.stop(10_000);
    expect(member.exitStatus).toEqual({ code: 0, signal: null });
  });

  it('lodestone cluster: three members, each a lodestone member, that etcdctl reaches; SIGINT stops them all', async () => {
    const base = await freePortRange(12);
    const cluster = new ServerProcess({
      name: 'cluster',
      command: process.execPath,
      args: [...NODE_ARGS, 'cluster', '--base-port', String(base), '--data-dir', join(dir, 'cluster'), '--log-level', 'warn'],
      cwd: REPO_ROOT,
      env: cleanEnv(),
    });
    processes.push(cluster);
    cluster.start();
    const endpoints = [0, 2, 4].map((d) => `${LOOPBACK}:${base + d}`);
    const line = await cluster.waitForLine(/^try: /, { timeoutMs: 30_000, past: true });
    expect(line).toBe(`try: ETCDCTL_API=3 etcdctl --endpoints ${endpoints.join(',')} endpoint status -w table`);
    const status = await eventually(
      'three members with a leader',
      async () => {
        const r = await etcdctl(endpoints, ['endpoint', 'status']);
        return r.code === 0 && r.stdout.trim().split('\n').length === 3 && r.stdout.includes('true') ? r : undefined;
      },
      40_000,
      300,
    );
    expect(status.stdout.split('\n').filter((l) => l.includes(', true, ')).length).toBe(1);
    expect(await etcdctl([endpoints[0]!], ['put', 'k', 'through infra1'])).toMatchObject({ code: 0 });
    for (const e of endpoints) expect(await etcdctl([e], ['get', 'k'])).toMatchObject({ code: 0, stdout: 'k\nthrough infra1\n' });
    const names = (await etcdctl([endpoints[1]!], ['member', 'list'])).stdout;
    for (const n of ['infra1', 'infra2', 'infra3']) expect(names).toContain(`, ${n}, `);

    const exit = await cluster.kill('SIGINT');
    expect(exit).toEqual({ code: 0, signal: null });
    for (const n of ['infra1', 'infra2', 'infra3']) expect(cluster.output().join('\n')).toMatch(new RegExp(`^${n} +\\| exited \\(0\\)$`, 'm'));
  });
});
