// Python's consul client (Debian's python3-consul, run by /usr/bin/python3) against Lodestone's
// Consul API on a real 3-member cluster: a TTL check registered through one member, passed through
// another, and health (?passing, with blocking queries), the catalog and the agent read through
// the third, then the instances deregistered. Debian has no Consul server to run beside it.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPythonModule } from '../support/binaries.js';
import { TestCluster } from '../support/cluster.js';
import { runPythonScript } from '../support/python-script.js';

const python = checkPythonModule('consul', 'python3-consul', 'the python-consul client test');
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'python-consul.py');

describe.runIf(python.run)('python-consul against a 3-member Lodestone', () => {
  let cluster: TestCluster | undefined;

  beforeAll(async () => {
    python.assertPresent();
    cluster = await TestCluster.start({ implementation: 'lodestone', size: 3, readyTimeoutMs: 60_000 });
  }, 90_000);

  afterAll(async () => {
    await cluster?.destroy();
  });

  it('registers, passes a TTL check, reads health, catalog and agent, and deregisters', { timeout: 90_000 }, async () => {
    const lines = await runPythonScript(SCRIPT, cluster!.members.map((m) => m.endpoint));
    expect(lines).toEqual([
      'register: True',
      'register another: True',
      "health all: ['web-1', 'web-2'] ['critical']",
      "health passing before: ['web-2']",
      'ttl_pass: True',
      "health passing after: ['web-1', 'web-2'] passing ready",
      'node: 10.1.0.7 10.1.0.7 10.1.0.7 8080',
      "catalog services: {'web': ['v1']}",
      "catalog service v1: [('web-1', '10.1.0.7', 8080, ['v1'])]",
      'datacenter: dc1',
      'ttl_fail: True',
      'deregister: True True',
      'catalog after: {}',
      'ttl_pass after: False',
    ]);
  });
});
