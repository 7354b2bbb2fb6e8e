// The same Kazoo program (kazoo/suite.py) against real ZooKeeper 3.8 and against a 3-member
// Lodestone cluster's ZooKeeper interface: what the program sees must be the same, line for line —
// CRUD with versions, ephemerals on session close and expiry, sequential names, watches, multi,
// Kazoo's recipes, the founding article's get_service, and ACLs with a super digest.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPythonModule } from '../support/binaries.js';
import { REPO_ROOT, TestCluster } from '../support/cluster.js';
import { freePorts } from '../support/free-ports.js';
import { runPythonScript } from '../support/python-script.js';
import { realZooKeeperTestsRun, startRealZooKeeper, type RealZooKeeper } from './support/real-zookeeper.js';

const SUITE = join(REPO_ROOT, 'test', 'zookeeper', 'kazoo', 'suite.py');
const kazoo = checkPythonModule('kazoo', 'python3-kazoo', 'the Kazoo suite');

const SCENARIOS = ['crud', 'ephemerals', 'expiry', 'sequential', 'child_watch', 'data_watch', 'multi', 'recipes', 'get_service', 'super_digest'];

/** The super digest both servers are given: suite.py's super_digest scenario logs in with its password. */
const SUPER_DIGEST = `super:${createHash('sha1').update('super:super-secret').digest('base64')}`;

describe.runIf(kazoo.run && realZooKeeperTestsRun())('Kazoo against ZooKeeper 3.8 and against Lodestone', () => {
  let real: RealZooKeeper;
  let cluster: TestCluster;
  let zkPorts: number[];

  beforeAll(async () => {
    kazoo.assertPresent();
    zkPorts = await freePorts(3);
    [real, cluster] = await Promise.all([
      startRealZooKeeper({ superDigest: SUPER_DIGEST }),
      TestCluster.start({
        implementation: 'lodestone',
        size: 3,
        logLevel: 'warn',
        readyTimeoutMs: 60_000,
        memberEnv: ({ index }) => ({ LODESTONE_LISTEN_ZOOKEEPER_URLS: `127.0.0.1:${zkPorts[index]!}`, LODESTONE_ZOOKEEPER_SUPER_DIGEST: SUPER_DIGEST }),
      }),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([real?.stop(), cluster?.destroy()]);
  });

  for (const scenario of SCENARIOS) {
    it(`${scenario}: the same lines from both`, async () => {
      const lodestoneHosts = zkPorts.map((p) => `127.0.0.1:${p}`).join(',');
      const [fromZooKeeper, fromLodestone] = await Promise.all([
        runPythonScript(SUITE, [`127.0.0.1:${real.port}`, scenario]),
        runPythonScript(SUITE, [lodestoneHosts, scenario]),
      ]);
      expect(fromZooKeeper.length).toBeGreaterThan(1);
      expect(fromLodestone).toEqual(fromZooKeeper);
    }, 120_000);
  }
});
