// Python's etcd3 client (Debian's python3-etcd3 0.12, run by /usr/bin/python3) against etcd 3.4 and
// Lodestone (one member, and a follower of three) with auth on, users and roles set up with
// etcdctl: it logs in, puts and gets inside its role, is refused outside it, and a wrong password or
// an unknown user fails the login — the same exception, with the same code and message, from each
// (python-etcd3-auth.py prints them). Over TLS the client works as it is; over plaintext it cannot
// send its token as it means to (gRPC will not send call credentials on an insecure channel: the
// client fails every call itself, against etcd too), so there the script shows that failure and goes
// on with the token as plain metadata, which the client sends as well.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { credentials } from '@grpc/grpc-js';
import { afterAll, describe, expect } from 'vitest';
import { itAnswersAsEtcd, useClustersBesideEtcd, type ComparedCluster } from '../support/beside-etcd.js';
import { checkBinaries, checkPythonModule } from '../support/binaries.js';
import { runPythonScript } from '../support/python-script.js';
import { TestPki } from '../support/test-certs.js';
import { etcdctl } from './etcdctl-runner.js';

const what = 'the Python etcd3 client auth comparison';
const binaries = checkBinaries(['etcd', 'etcdctl', 'openssl'], what);
const python = checkPythonModule('etcd3', 'python3-etcd3', what);
const needs = {
  assertPresent(): void {
    binaries.assertPresent();
    python.assertPresent();
  },
};

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'python-etcd3-auth.py');

/** Runs the script against `endpoint` ("host:port"): the lines it printed. */
function runScript(endpoint: string, ca?: string): Promise<string[]> {
  const at = endpoint.lastIndexOf(':');
  return runPythonScript(SCRIPT, [endpoint.slice(0, at), endpoint.slice(at + 1), ...(ca ? ['--ca', ca] : [])]);
}

/** alice may read and write app/ and read shared; root and two keys outside her role; auth on. */
async function setUp(c: ComparedCluster, tls: readonly string[]): Promise<void> {
  for (const args of [
    ['user', 'add', 'root:rootpw'],
    ['user', 'add', 'alice:alicepw'],
    ['role', 'add', 'app'],
    ['role', 'grant-permission', 'app', 'readwrite', 'app/', '--prefix'],
    ['role', 'grant-permission', 'app', 'read', 'shared'],
    ['user', 'grant-role', 'alice', 'app'],
    ['put', 'shared', 's'],
    ['put', 'secret', 'x'],
    ['auth', 'enable'],
  ]) {
    const r = await etcdctl(c.endpoints, [...tls, ...args]);
    if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')}: ${r.stderr}`);
  }
}

/** What the script must print against any of them (etcd included): the comparison is not of two failures. */
function expectAuthWorked(lines: readonly string[]): void {
  expect(lines).toContain("get app/a: ok '1'");
  expect(lines).toContain('get secret: _InactiveRpcError PERMISSION_DENIED: etcdserver: permission denied');
  expect(lines).toContain('log in with a wrong password: _InactiveRpcError INVALID_ARGUMENT: etcdserver: authentication failed, invalid user ID or password');
  expect(lines).toContain("get secret as root: ok 'x'");
}

describe.runIf(binaries.run && python.run)('Python etcd3 with auth over TLS, beside etcd', () => {
  let pki: TestPki | undefined;
  let ca = '';
  const clusters = useClustersBesideEtcd(needs, async () => {
    pki = await TestPki.create('lodestone-python-auth-');
    const authority = await pki.ca('ca');
    const member = await pki.issue(authority, 'member');
    ca = authority.cert;
    return {
      httpsClients: true,
      probeCredentials: credentials.createSsl(readFileSync(ca)),
      extraArgs: ['--cert-file', member.cert, '--key-file', member.key],
    };
  });

  afterAll(async () => {
    await pki?.destroy();
  });

  itAnswersAsEtcd(clusters, 'logs in, is served inside its role and refused outside it, and a bad login fails', async (c) => {
    await setUp(c, ['--cacert', ca]);
    const lines = await runScript(c.endpoint, ca);
    expectAuthWorked(lines);
    return lines;
  });
});

describe.runIf(binaries.run && python.run)('Python etcd3 with auth over plaintext, beside etcd', () => {
  const clusters = useClustersBesideEtcd(needs);

  itAnswersAsEtcd(clusters, 'cannot send its token as call credentials; with it as metadata, is served as over TLS', async (c) => {
    await setUp(c, []);
    const lines = await runScript(c.endpoint);
    expect(lines[0]).toBe(
      'put app/a, token as call credentials on a plaintext channel: _InactiveRpcError UNAUTHENTICATED: ' +
        'Established channel does not have a sufficient security level to transfer call credential.',
    );
    expectAuthWorked(lines);
    return lines;
  });
});
