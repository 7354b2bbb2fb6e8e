// A ZooKeeper session lives in the cluster, not in one member: Kazoo connected to a member that is
// then killed with SIGKILL reconnects to another one within its session timeout, with the same
// session and its ephemeral znode still there.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPythonModule, systemPython, systemPythonEnv } from '../support/binaries.js';
import { REPO_ROOT, TestCluster } from '../support/cluster.js';
import { freePorts } from '../support/free-ports.js';

const SCRIPT = join(REPO_ROOT, 'test', 'zookeeper', 'kazoo', 'session_moves.py');
const kazoo = checkPythonModule('kazoo', 'python3-kazoo', 'the ZooKeeper session move test');

describe.runIf(kazoo.run)('a ZooKeeper session when its member is killed', () => {
  let cluster: TestCluster;
  let zkPorts: number[];

  beforeAll(async () => {
    kazoo.assertPresent();
    zkPorts = await freePorts(3);
    cluster = await TestCluster.start({
      implementation: 'lodestone',
      size: 3,
      logLevel: 'warn',
      readyTimeoutMs: 60_000,
      memberEnv: ({ index }) => ({ LODESTONE_LISTEN_ZOOKEEPER_URLS: `127.0.0.1:${zkPorts[index]!}` }),
    });
  }, 90_000);

  afterAll(async () => {
    await cluster?.destroy();
  });

  it('moves to another member with its ephemeral znode', async () => {
    const child = spawn(systemPython(), [SCRIPT, zkPorts.map((p) => `127.0.0.1:${p}`).join(',')], { env: systemPythonEnv(), stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout });
    const next = (): Promise<string> => new Promise((resolve) => lines.once('line', resolve));
    const first = JSON.parse(await next()) as { port: number; path: string };
    const index = zkPorts.indexOf(first.port);
    expect(index).toBeGreaterThanOrEqual(0);
    await cluster.kill(index);
    child.stdin.write('go\n');
    const after = JSON.parse(await next()) as { reconnected: boolean; sameSession: boolean; ephemeralKept: boolean; data: string; port: number };
    expect(after).toMatchObject({ reconnected: true, sameSession: true, ephemeralKept: true, data: 'here' });
    expect(after.port).not.toBe(first.port);
    await new Promise((resolve) => child.once('close', resolve));
  }, 90_000);
});
