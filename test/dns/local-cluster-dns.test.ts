// `lodestone cluster` (what `npm run cluster` runs) serves the registry over DNS on every member:
// an instance registered with etcdctl through one member is answered by dig on each, as the
// README's DNS section shows (here on --base-port ports rather than 8600, 28600, 38600). Each member
// also serves ZooKeeper's protocol, where the same instance is a znode.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etcdctl } from '../compat/etcdctl-runner.js';
import { checkBinaries } from '../support/binaries.js';
import { REPO_ROOT } from '../support/cluster.js';
import { dig } from '../support/dig.js';
import { eventually } from '../support/eventually.js';
import { freePortRange, LOOPBACK } from '../support/free-ports.js';
import { ServerProcess } from '../support/server-process.js';
import { ZkTestClient } from '../../bench/tool/zookeeper-client.js';

const binaries = checkBinaries(['etcdctl', 'dig'], 'the local cluster DNS test');

describe.runIf(binaries.run)('the local cluster answers DNS on every member', () => {
  let dir: string;
  let cluster: ServerProcess | undefined;
  beforeAll(async () => {
    binaries.assertPresent();
    dir = await mkdtemp(join(tmpdir(), 'lodestone-cluster-dns-'));
  });
  afterAll(async () => {
    await cluster?.stop(10_000);
    await rm(dir, { recursive: true, force: true });
  });

  it('answers an instance registered with etcdctl, on each member, once it is applied there', async () => {
    const base = await freePortRange(12);
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('LODESTONE_')) env[k] = v;
    cluster = new ServerProcess({
      name: 'cluster',
      command: process.execPath,
      args: ['--import', 'tsx', join(REPO_ROOT, 'cli', 'main.ts'), 'cluster', '--base-port', String(base), '--data-dir', join(dir, 'cluster'), '--log-level', 'warn'],
      cwd: REPO_ROOT,
      env,
    });
    cluster.start();
    const dnsPorts = [6, 7, 8].map((d) => base + d);
    const line = await cluster.waitForLine(/^DNS /, { timeoutMs: 30_000, past: true });
    expect(line).toBe(`DNS (the service registry) at ${dnsPorts.map((p) => `${LOOPBACK}:${p}`).join(', ')}; try: dig @${LOOPBACK} -p ${dnsPorts[0]} <service>.service.lodestone SRV`);
    const endpoint = `${LOOPBACK}:${base}`;
    await eventually(
      'a registration through etcdctl',
      async () => ((await etcdctl([endpoint], ['put', '/lodestone/services/web/web-1', '{"address":"127.0.0.1","port":8080}'])).code === 0 ? true : undefined),
      40_000,
      300,
    );
    for (const port of dnsPorts) {
      const r = await eventually('the SRV record', async () => {
        const answer = await dig(port, 'web.service.lodestone', 'SRV');
        return answer.answer.length === 1 ? answer : undefined;
      }, 20_000, 200);
      expect(r.answer[0]!.data).toBe('1 1 8080 7f000001.addr.lodestone.');
      expect(r.additional.map((a) => a.data)).toEqual(['127.0.0.1']);
    }
    const zkPorts = [9, 10, 11].map((d) => base + d);
    const zkLine = await cluster.waitForLine(/^ZooKeeper/, { timeoutMs: 10_000, past: true });
    expect(zkLine).toContain(`ZooKeeper's protocol at ${zkPorts.map((p) => `${LOOPBACK}:${p}`).join(',')}`);
    for (const port of zkPorts) {
      const zk = await ZkTestClient.connect(LOOPBACK, port);
      try {
        const node = await eventually('the instance as a znode', async () => {
          const r = await zk.raw('getData', { path: '/services/web/web-1', watch: false });
          return r.response?.type === 'getData' ? r.response.response : undefined;
        }, 20_000, 200);
        expect(JSON.parse(node.data!.toString('utf8'))).toMatchObject({ address: '127.0.0.1', port: 8080, registeredBy: 'lodestone' });
      } finally {
        await zk.close();
      }
    }
  });
});
