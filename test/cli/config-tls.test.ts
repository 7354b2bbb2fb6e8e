// `lodestone config` and client.configCenter against a member serving https with client
// certificates required: the config center's HTTP API is reached with the same CA and client
// certificate as the gRPC calls (--cacert, --cert, --key), and refused without them.
import { readFileSync } from 'node:fs';
import { credentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../index.js';
import { findBinary } from '../support/binaries.js';
import { TestCluster } from '../support/cluster.js';
import { TestPki, type CaFiles, type CertFiles } from '../support/test-certs.js';
import { runConfig } from './config-runner.js';

/** Standard error without Node's warning about the IP address grpc-js sets as the TLS server name. */
const withoutIpServerNameWarning = (stderr: string): string =>
  stderr.replace(/^\(node:\d+\) \[DEP0123\] DeprecationWarning: .*\n(\(Use `node --trace-deprecation.*\n)?/m, '');

describe.skipIf(findBinary('openssl') === undefined)('lodestone config over https with client certificates', () => {
  let pki: TestPki;
  let ca: CaFiles;
  let client: CertFiles;
  let cluster: TestCluster;
  let url: string;

  beforeAll(async () => {
    pki = await TestPki.create();
    ca = await pki.ca('ca');
    const member = await pki.issue(ca, 'member');
    client = await pki.issue(ca, 'client', { usages: ['clientAuth'] });
    cluster = await TestCluster.start({
      implementation: 'lodestone',
      size: 1,
      https: { client: true },
      probeCredentials: credentials.createSsl(readFileSync(ca.cert), readFileSync(client.key), readFileSync(client.cert)),
      extraArgs: ['--cert-file', member.cert, '--key-file', member.key, '--trusted-ca-file', ca.cert, '--client-cert-auth'],
      readyTimeoutMs: 60_000,
    });
    url = cluster.members[0]!.clientUrl;
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
    await pki?.destroy();
  });

  it('sets, publishes and reads with the CA and client certificate; the typed client does too', async () => {
    expect(url.startsWith('https://')).toBe(true);
    const tls = ['--endpoints', url, '--cacert', ca.cert, '--cert', client.cert, '--key', client.key];
    const set = await runConfig(['set', 'secure', 'token_ttl', '15m', ...tls]);
    expect([set.code, withoutIpServerNameWarning(set.stderr), set.stdout]).toEqual([0, '', 'published release 1 of secure/default/default: token_ttl = 15m\n']);
    const get = await runConfig(['get', 'secure', 'token_ttl', ...tls]);
    expect([get.code, get.stdout]).toEqual([0, '15m\n']);

    const typed = await connect({ endpoints: [url], tls: { ca: readFileSync(ca.cert), cert: readFileSync(client.cert), key: readFileSync(client.key) } });
    try {
      expect((await typed.configCenter.items('secure')).items).toEqual({ token_ttl: { value: '15m', format: 'text' } });
    } finally {
      await typed.close();
    }
  });

  it('is refused without the client certificate', async () => {
    const r = await runConfig(['get', 'secure', '--endpoints', url, '--cacert', ca.cert, '--dial-timeout', '2s']);
    expect(r.code).toBe(1);
    expect(withoutIpServerNameWarning(r.stderr)).toMatch(/^Error: no member of 127\.0\.0\.1:\d+ is reachable with a leader \(LODESTONE_UNAVAILABLE\)\n$/);
  });
});
