// A 3-member cluster with mutual TLS on clients and peers, as real processes (certificates made with
// openssl): it elects a leader, takes writes over https from etcdctl and from grpc-js, and goes on
// after its leader is killed with SIGKILL. Its peer port refuses — at the TLS layer — a plaintext
// peer, one without a certificate, one with a certificate from another CA and one whose CN is not
// --peer-cert-allowed-cn: their raft messages never reach raft (its term stays put) and they cannot
// ask for the member list a joining member needs. A rotated server certificate file is served to
// the next connection, without a restart.
import { copyFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { credentials, Metadata, type ChannelCredentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtcdClient } from '../../rpc/etcd-api.js';
import { fetchMembership } from '../../rpc/peer-membership.js';
import { encodeMessage } from '../../rpc/peer-message-codec.js';
import { identityMetadata, peerClientConstructor } from '../../rpc/peer-service.js';
import { etcdctl } from '../compat/etcdctl-runner.js';
import { checkBinaries } from '../support/binaries.js';
import { TestCluster } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { probeMember } from '../support/probe.js';
import { TestPki, type CaFiles, type CertFiles } from '../support/test-certs.js';

const binaries = checkBinaries(['etcdctl', 'openssl'], 'the TLS cluster tests');

describe.runIf(binaries.run)('a 3-member cluster with mutual TLS on clients and peers', () => {
  let pki: TestPki;
  let ca: CaFiles;
  let member: CertFiles;
  let client: CertFiles;
  let cluster: TestCluster;
  let clientCreds: ChannelCredentials;
  const certs: Record<string, CertFiles> = {};

  const ctl = (endpoints: readonly string[], args: readonly string[]) =>
    etcdctl(endpoints, ['--cacert', ca.cert, '--cert', client.cert, '--key', client.key, '--command-timeout=5s', ...args]);

  beforeAll(async () => {
    binaries.assertPresent();
    pki = await TestPki.create();
    ca = await pki.ca('ca');
    const other = await pki.ca('other-ca');
    member = await pki.issue(ca, 'member');
    client = await pki.issue(ca, 'client', { usages: ['clientAuth'] });
    certs.intruder = await pki.issue(ca, 'intruder');
    certs.foreign = await pki.issue(other, 'foreign', { cn: 'member' });
    clientCreds = credentials.createSsl(readFileSync(ca.cert), readFileSync(client.key), readFileSync(client.cert));
    // Each member its own copy of the server certificate, so that one can be rotated alone.
    const flags = (i: number): Record<string, string> => ({ LODESTONE_CERT_FILE: pki.path(`server-${i}.pem`), LODESTONE_KEY_FILE: pki.path(`server-${i}-key.pem`) });
    for (let i = 0; i < 3; i++) {
      await copyFile(member.cert, pki.path(`server-${i}.pem`));
      await copyFile(member.key, pki.path(`server-${i}-key.pem`));
    }
    cluster = await TestCluster.start({
      implementation: 'lodestone',
      size: 3,
      logLevel: 'warn',
      https: { client: true, peer: true },
      probeCredentials: clientCreds,
      memberEnv: ({ index }) => flags(index),
      extraArgs: [
        '--trusted-ca-file', ca.cert, '--client-cert-auth',
        '--peer-cert-file', member.cert, '--peer-key-file', member.key, '--peer-trusted-ca-file', ca.cert,
        '--peer-client-cert-auth', '--peer-cert-allowed-cn', 'member',
      ],
    });
  }, 90_000);

  afterAll(async () => {
    await cluster?.destroy();
    await pki?.destroy();
  });

  const https = (): string[] => cluster.members.map((m) => m.clientUrl);

  it('takes writes over https from etcdctl and from grpc-js, and refuses plaintext and a client certificate from another CA', async () => {
    expect(await ctl(https(), ['put', 'greeting', 'hello'])).toMatchObject({ code: 0, stdout: 'OK\n' });
    expect((await ctl([https()[2]!], ['get', 'greeting'])).stdout).toBe('greeting\nhello\n');
    const kv = createEtcdClient('KV', cluster.members[1]!.endpoint, { credentials: clientCreds });
    const value = await new Promise<string>((resolve, reject) =>
      kv.Range({ key: Buffer.from('greeting') }, new Metadata(), { deadline: Date.now() + 5000 }, (e, r) => (e || !r ? reject(e) : resolve(r.kvs[0]!.value.toString()))),
    );
    kv.close();
    expect(value).toBe('hello');
    // A follower forwards a keep-alive to the leader's https client URL, presenting its own certificate.
    const { leaderIndex } = await cluster.waitReady();
    const follower = cluster.members.find((m) => m.index !== leaderIndex)!;
    const granted = await ctl([follower.clientUrl], ['lease', 'grant', '60']);
    const id = /lease ([0-9a-f]+) granted/.exec(granted.stdout)?.[1];
    expect(id, granted.stdout + granted.stderr).toBeDefined();
    const kept = await ctl([follower.clientUrl], ['lease', 'keep-alive', '--once', id!]);
    expect(kept.stdout).toMatch(new RegExp(`lease ${id} keepalived with TTL\\(\\d+\\)`));
    const plain = await etcdctl([cluster.members[0]!.endpoint], ['--dial-timeout=1s', '--command-timeout=2s', 'get', 'greeting']);
    expect(plain.code).not.toBe(0);
    const foreign = await etcdctl(https(), ['--cacert', ca.cert, '--cert', certs.foreign!.cert, '--key', certs.foreign!.key, '--dial-timeout=1s', '--command-timeout=2s', 'get', 'greeting']);
    expect(foreign.code).not.toBe(0);
    expect(foreign.stdout).toBe('');
  }, 30_000);

  it('refuses peers without a certificate from the peer CA, or with another CN, before raft sees their messages', async () => {
    const { leaderId, probes } = await cluster.waitReady();
    const target = cluster.members[0]!;
    const targetId = Number(probes.get(0)!.memberId);
    const termBefore = probes.get(0)!.raftTerm;
    const caPem = readFileSync(ca.cert);
    const withCert = (c: CertFiles): ChannelCredentials => credentials.createSsl(caPem, readFileSync(c.key), readFileSync(c.cert));
    const attempts: [string, ChannelCredentials][] = [
      ['plaintext', credentials.createInsecure()],
      ['no certificate', credentials.createSsl(caPem)],
      ['another CA', withCert(certs.foreign!)],
      ['another CN', withCert(certs.intruder!)],
    ];
    for (const [what, creds] of attempts) {
      // A heartbeat from the leader's id with a far higher term: stepped into raft, it would move the term.
      const Client = peerClientConstructor();
      const peer = new Client(`127.0.0.1:${target.peerPort}`, creds, { 'grpc.use_local_subchannel_pool': 1 });
      const outcome = await new Promise<string>((resolve) => {
        const call = peer.Stream(identityMetadata({ clusterId: probes.get(0)!.clusterId, sender: Number(leaderId), recipient: targetId }), { deadline: Date.now() + 3000 }, (e) =>
          resolve(e ? `refused (${e.details})` : 'accepted'),
        );
        call.on('error', () => undefined);
        call.write({ messages: [encodeMessage({ type: 'heartbeat', from: Number(leaderId), to: targetId, term: 1_000_000, commit: 0, context: '' })] });
        call.end();
      });
      peer.close();
      expect(outcome, what).toMatch(/^refused/);
      await expect(fetchMembership(target.peerUrl, 2000, () => creds), what).rejects.toThrow();
    }
    expect((await probeMember(target.endpoint, 1500, clientCreds)).raftTerm).toBe(termBefore);
    // The member's own certificate is let in: the refusals above were about the certificates.
    const info = await fetchMembership(target.peerUrl, 2000, () => withCert(member));
    expect(info.members).toHaveLength(3);
  }, 30_000);

  it('serves a rotated server certificate file to the next connection', async () => {
    const m = cluster.members[1]!;
    const cnOf = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const s = tlsConnect({ host: '127.0.0.1', port: m.clientPort, ca: readFileSync(ca.cert), cert: readFileSync(client.cert), key: readFileSync(client.key), ALPNProtocols: ['h2'], servername: 'localhost' }, () => {
          resolve(String(s.getPeerCertificate().subject.CN));
          s.destroy();
        });
        s.on('error', reject);
      });
    expect(await cnOf()).toBe('member');
    const rotated = await pki.issue(ca, 'member-rotated');
    await copyFile(rotated.key, pki.path('server-1-key.pem'));
    await copyFile(rotated.cert, pki.path('server-1.pem'));
    expect(await cnOf()).toBe('member-rotated');
    expect((await ctl([m.clientUrl], ['get', 'greeting'])).stdout).toBe('greeting\nhello\n');
  }, 30_000);

  it('elects a new leader when the leader is killed with SIGKILL, and goes on taking writes', async () => {
    const { leaderIndex, leaderId } = await cluster.waitReady();
    await cluster.kill(leaderIndex);
    const survivors = cluster.members.filter((m) => m.index !== leaderIndex);
    await eventually('a new leader among the survivors', async () => {
      const probes = await Promise.all(survivors.map((m) => probeMember(m.endpoint, 1500, clientCreds).catch(() => undefined)));
      const leaders = new Set(probes.map((p) => p?.leaderId));
      const only = [...leaders][0];
      return leaders.size === 1 && only !== undefined && only !== '0' && only !== leaderId ? only : undefined;
    });
    const urls = survivors.map((m) => m.clientUrl);
    expect(await ctl(urls, ['put', 'after-kill', 'still here'])).toMatchObject({ code: 0, stdout: 'OK\n' });
    expect((await ctl(urls, ['get', '--prefix', ''])).stdout).toBe('after-kill\nstill here\ngreeting\nhello\n');
  }, 40_000);
});
