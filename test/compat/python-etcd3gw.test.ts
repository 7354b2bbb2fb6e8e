// Python's etcd3gw (Debian's python3-etcd3gw, run by /usr/bin/python3), the client of etcd's JSON
// gateway, against etcd 3.4 and Lodestone (one member, and a follower of three) on their client URLs:
// put, get, get_prefix, create, replace, delete, leases, watch, watch_prefix and locks print the same
// (python-etcd3gw.py masks the ids the server chose).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import { itAnswersAsEtcd, useClustersBesideEtcd, type ComparedCluster } from '../support/beside-etcd.js';
import { checkBinaries, checkPythonModule, systemPython, systemPythonEnv } from '../support/binaries.js';

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
  const args = [SCRIPT, c.endpoint.slice(0, at), c.endpoint.slice(at + 1)];
  return new Promise((resolve, reject) => {
    const child = spawn(systemPython(), args, { env: systemPythonEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    // The client's own timeouts are 10 s a call; this only guards against a hung process.
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out.trimEnd().split('\n'));
      else reject(new Error(`${systemPython()} ${args.join(' ')} exited ${String(code ?? signal)}:\n${out}\n[stderr]\n${err}`));
    });
  });
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
