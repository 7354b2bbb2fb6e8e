// etcdctl over https with --cacert/--cert/--key, against real etcd 3.4 and against Lodestone (three
// members) started with the same TLS flags — mutual TLS on clients and peers: the same commands get
// the same answers, and the same refusals (no TLS, no client certificate, a client certificate from
// another CA). Certificates are made with openssl.
import { readFileSync } from 'node:fs';
import { credentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBinaries } from '../support/binaries.js';
import { TestCluster, type Implementation } from '../support/cluster.js';
import { TestPki, type CaFiles, type CertFiles } from '../support/test-certs.js';
import { errorLine, etcdctl } from './etcdctl-runner.js';

const binaries = checkBinaries(['etcd', 'etcdctl', 'openssl'], 'the etcdctl TLS comparison');

describe.runIf(binaries.run)('etcdctl over mutual TLS, against etcd and Lodestone started with the same flags', () => {
  let pki: TestPki;
  let ca: CaFiles;
  let client: CertFiles;
  let foreign: CertFiles;
  const clusters = new Map<Implementation, TestCluster>();

  beforeAll(async () => {
    binaries.assertPresent();
    pki = await TestPki.create();
    ca = await pki.ca('ca');
    const member = await pki.issue(ca, 'member');
    client = await pki.issue(ca, 'client', { usages: ['clientAuth'] });
    foreign = await pki.issue(await pki.ca('other-ca'), 'foreign', { cn: 'client', usages: ['clientAuth'] });
    const flags = [
      '--cert-file', member.cert, '--key-file', member.key, '--trusted-ca-file', ca.cert, '--client-cert-auth',
      '--peer-cert-file', member.cert, '--peer-key-file', member.key, '--peer-trusted-ca-file', ca.cert, '--peer-client-cert-auth',
    ];
    const probeCredentials = credentials.createSsl(readFileSync(ca.cert), readFileSync(client.key), readFileSync(client.cert));
    const started = await Promise.allSettled(
      (['etcd', 'lodestone'] as const).map(async (implementation) => {
        const cluster = await TestCluster.start({
          implementation,
          size: implementation === 'etcd' ? 1 : 3,
          logLevel: 'warn',
          https: { client: true, peer: true },
          probeCredentials,
          extraArgs: flags,
          readyTimeoutMs: 60_000,
        });
        clusters.set(implementation, cluster);
      }),
    );
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...clusters.values()].map((c) => c.destroy()));
    await pki?.destroy();
  });

  /** What etcdctl prints for each step, against one cluster (a follower, on Lodestone's three). */
  async function script(implementation: Implementation): Promise<string[]> {
    const cluster = clusters.get(implementation)!;
    const { leaderIndex } = await cluster.waitReady();
    const url = (cluster.members.find((m) => m.index !== leaderIndex) ?? cluster.members[0]!).clientUrl;
    const tls = ['--cacert', ca.cert, '--cert', client.cert, '--key', client.key];
    const out: string[] = [];
    const step = async (args: readonly string[], flags: readonly string[] = tls, endpoint = url): Promise<void> => {
      const r = await etcdctl([endpoint], [...flags, '--dial-timeout=2s', '--command-timeout=3s', ...args]);
      out.push(`$ ${args.join(' ')} → ${String(r.code)}`, r.stdout.trimEnd(), r.code === 0 ? '' : errorLine(r));
    };
    await step(['put', 'tls/a', '1']);
    await step(['put', 'tls/b', '2']);
    await step(['get', 'tls/a']);
    await step(['get', '--prefix', 'tls/', '--keys-only']);
    await step(['del', '--prefix', 'tls/']);
    await step(['get', '--prefix', 'tls/', '--count-only', '-w', 'fields']);
    // Refused: plaintext to the https port, TLS without a client certificate, one from another CA.
    await step(['get', 'tls/a'], [], url.replace('https://', ''));
    await step(['get', 'tls/a'], ['--cacert', ca.cert]);
    await step(['get', 'tls/a'], ['--cacert', ca.cert, '--cert', foreign.cert, '--key', foreign.key]);
    // The header fields differ between clusters; what matters is that they are there.
    return out.map((line) => line.replace(/"(ClusterID|MemberID|Revision|RaftTerm)" : \d+/g, '"$1" : N'));
  }

  it('gives the same answers and the same refusals', async () => {
    const [theirs, ours] = await Promise.all([script('etcd'), script('lodestone')]);
    expect(ours).toEqual(theirs);
    expect(theirs.join('\n')).toContain('tls/a\n1');
    expect(theirs.filter((l) => /^\$ get tls\/a → 1$/.test(l))).toHaveLength(3);
  }, 60_000);
});
