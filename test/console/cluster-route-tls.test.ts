// /ui/api/cluster on members serving https with client certificates required: the member asks the
// others over their https client URLs with its own CA and certificate, so each still answers for
// itself.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentials } from '@grpc/grpc-js';
import { TestCluster } from '../support/cluster.js';
import { findBinary } from '../support/binaries.js';
import { TestPki, type CaFiles, type CertFiles } from '../support/test-certs.js';

interface Overview {
  readonly members: readonly { readonly name: string; readonly clientUrls: readonly string[]; readonly reachable: boolean; readonly error?: string; readonly health?: { healthy: boolean } }[];
}

describe.skipIf(findBinary('openssl') === undefined)('/ui/api/cluster over https with client certificates', () => {
  let pki: TestPki;
  let ca: CaFiles;
  let client: CertFiles;
  let cluster: TestCluster;

  /** GET over https with the CA and the client certificate, as a browser holding them would. */
  const get = (url: string): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      // No SNI for an IP address (RFC 6066); the certificate's IP SAN is still checked.
      const req = request(url, { ca: readFileSync(ca.cert), cert: readFileSync(client.cert), key: readFileSync(client.key), servername: '' }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (s: string) => (body += s));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });

  beforeAll(async () => {
    pki = await TestPki.create();
    ca = await pki.ca('ca');
    const member = await pki.issue(ca, 'member');
    client = await pki.issue(ca, 'client', { usages: ['clientAuth'] });
    cluster = await TestCluster.start({
      implementation: 'lodestone',
      size: 3,
      https: { client: true },
      probeCredentials: credentials.createSsl(readFileSync(ca.cert), readFileSync(client.key), readFileSync(client.cert)),
      extraArgs: ['--cert-file', member.cert, '--key-file', member.key, '--trusted-ca-file', ca.cert, '--client-cert-auth'],
      readyTimeoutMs: 45_000,
    });
  }, 60_000);

  afterAll(async () => {
    await cluster?.destroy();
    await pki?.destroy();
  });

  it("reaches every member's https client URL with the member's own certificate", async () => {
    const base = cluster.members[1]!.clientUrl;
    expect(base.startsWith('https://')).toBe(true);
    let overview: Overview | undefined;
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
      const r = await get(`${base}/ui/api/cluster`);
      expect(r.status, r.body).toBe(200);
      overview = JSON.parse(r.body) as Overview;
      if (overview.members.every((m) => m.reachable && m.health?.healthy)) break;
    }
    expect(overview!.members.map((m) => [m.name, m.reachable, m.health?.healthy, m.clientUrls[0]!.startsWith('https://')])).toEqual([
      ['infra1', true, true, true],
      ['infra2', true, true, true],
      ['infra3', true, true, true],
    ]);
  });
});
