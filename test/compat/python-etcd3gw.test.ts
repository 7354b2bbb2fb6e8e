// Python's etcd3gw (Debian's python3-etcd3gw, run by /usr/bin/python3), the client of etcd's JSON
// gateway, against etcd 3.4 and Lodestone (one member, and a follower of three) on their client URLs:
// put, get, get_prefix, create, replace, delete, leases, watch, watch_prefix and locks print the same
// (python-etcd3gw.py masks the ids the server chose).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import { itAnswersAsEtcd, useClustersBesideEtcd, type ComparedCluster } from '../support/beside-etcd.js';
import { checkBinaries, checkPythonModule } from '../support/binaries.js';
import { runPythonScript } from '../support/python-script.js';

const what = 'the Python etcd3gw client comparison';
const binaries = checkBinaries(['etcd'], what);
const python = checkPythonModule('etcd3gw', 'python3-etcd3gw', what);
const needs = {
  assertPresent(): void {
    binaries.assertPresent();
    python.assertPresent();
  },
};

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'python-etcd3gw.py');

function runScript(c: ComparedCluster): Promise<string[]> {
  const at = c.endpoint.lastIndexOf(':');
  return runPythonScript(SCRIPT, [c.endpoint.slice(0, at), c.endpoint.slice(at + 1)]);
}

describe.runIf(binaries.run && python.run)('Python etcd3gw beside etcd', () => {
  const clusters = useClustersBesideEtcd(needs);

  itAnswersAsEtcd(clusters, 'put, get, get_prefix, create, replace, delete, leases, watches and locks', async (c) => {
    const lines = await runScript(c);
    // Against etcd too: a comparison of two failures would prove nothing.
    expect(lines).toContain("get a: [b'one']");
    expect(lines).toContain('lock acquire: True');
    return lines;
  });
});
