// Client certificates as users, beside etcd 3.4: with --client-cert-auth and auth on, a request
// without a token is the user its verified client certificate's CN names (etcd's AuthInfoFromTLS).
// etcdctl with --cacert/--cert/--key and no --user, against etcd and Lodestone (one member and a
// follower of three) started with the same certificates and flags: root's certificate manages
// auth, alice's reads and writes what her role allows and is refused elsewhere, a certificate whose
// CN names no user, one without a CN and one with two CNs (the last counts) get what etcd gives
// them, a token still wins over the certificate, and a call marked as coming through etcd's gRPC
// gateway is not taken for its certificate.
import { readFileSync } from 'node:fs';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { afterAll, describe, expect } from 'vitest';
import { createEtcdClient } from '../../rpc/etcd-api.js';
import { itAnswersAsEtcd, useClustersBesideEtcd, type ComparedCluster } from '../support/beside-etcd.js';
import { checkBinaries } from '../support/binaries.js';
import { TestPki, type CaFiles, type CertFiles } from '../support/test-certs.js';
import { errorLine, etcdctl } from './etcdctl-runner.js';

const binaries = checkBinaries(['etcd', 'etcdctl', 'openssl'], 'the client certificate CN comparison');

/** The client certificates, by the name a script uses, and the subject each has. */
const CLIENTS: Readonly<Record<string, string>> = {
  root: '/CN=root',
  alice: '/CN=alice',
  nobody: '/CN=nobody',
  'no-cn': '/O=lodestone-test',
  // Go keeps the last CN of a subject: this one is root.
  'alice-then-root': '/CN=alice/CN=root',
};

describe.runIf(binaries.run)('client certificates as users (--client-cert-auth), beside etcd', () => {
  let pki: TestPki | undefined;
  let ca: CaFiles;
  const certs = new Map<string, CertFiles>();

  const clusters = useClustersBesideEtcd(binaries, async () => {
    pki = await TestPki.create('lodestone-cert-cn-');
    ca = await pki.ca('ca');
    const member = await pki.issue(ca, 'member');
    for (const [name, subject] of Object.entries(CLIENTS)) certs.set(name, await pki.issue(ca, name, { subject, usages: ['clientAuth'] }));
    const root = certs.get('root')!;
    return {
      httpsClients: true,
      probeCredentials: credentials.createSsl(readFileSync(ca.cert), readFileSync(root.key), readFileSync(root.cert)),
      extraArgs: ['--cert-file', member.cert, '--key-file', member.key, '--trusted-ca-file', ca.cert, '--client-cert-auth'],
    };
  });

  afterAll(async () => {
    await pki?.destroy();
  });

  /** A raw Range of `key` with `who`'s certificate and this metadata: the value, or the error's details. */
  async function rawRange(c: ComparedCluster, who: string, key: string, md: Metadata): Promise<string> {
    const cert = certs.get(who)!;
    const kv = createEtcdClient('KV', c.endpoint, {
      credentials: credentials.createSsl(readFileSync(ca.cert), readFileSync(cert.key), readFileSync(cert.cert)),
    });
    try {
      return await new Promise<string>((resolve) => {
        kv.Range({ key: Buffer.from(key) }, md, { deadline: Date.now() + 5000 }, (err: ServiceError | null, res) => {
          resolve(err ? `error: ${err.details}` : `ok ${res!.kvs.map((k) => Buffer.from(k.value).toString()).join(',')}`);
        });
      });
    } finally {
      kv.close();
    }
  }

  itAnswersAsEtcd(clusters, 'the certificate names the user when there is no token', async (c) => {
    const out: string[] = [];
    /** etcdctl with `who`'s certificate and no --user (unless `flags` has one): what it printed. */
    const as = async (who: string, args: readonly string[], flags: readonly string[] = [], stdin?: string): Promise<string> => {
      const cert = certs.get(who)!;
      const r = await etcdctl(
        [c.endpoint],
        ['--cacert', ca.cert, '--cert', cert.cert, '--key', cert.key, '--dial-timeout=2s', '--command-timeout=3s', ...flags, ...args],
        stdin,
      );
      const printed = [r.stdout.trimEnd(), r.code === 0 ? '' : errorLine(r)].filter((l) => l !== '').join('\n');
      out.push(`[${who}${flags.length > 0 ? ` ${flags.join(' ')}` : ''}] $ ${args.join(' ')} → ${String(r.code)}`, printed);
      return printed;
    };

    // Before auth is on, any certificate may set it up.
    for (const args of [
      ['user', 'add', 'root:rootpw'],
      ['user', 'add', 'alice:alicepw'],
      ['role', 'add', 'app'],
      ['role', 'grant-permission', 'app', 'readwrite', 'app/', '--prefix'],
      ['role', 'grant-permission', 'app', 'read', 'shared'],
      ['user', 'grant-role', 'alice', 'app'],
      ['put', 'app/one', '1'],
      ['put', 'shared', 's'],
      ['put', 'secret', 'x'],
      ['auth', 'enable'],
    ]) await as('root', args);

    // root's certificate is root.
    expect(await as('root', ['user', 'list'])).toBe('alice\nroot');
    await as('root', ['role', 'list']);
    await as('root', ['get', 'secret']);
    await as('root', ['user', 'get', 'alice']);

    // alice's is alice: her role's keys, her own user and role, nothing else.
    expect(await as('alice', ['get', 'app/one'])).toBe('app/one\n1');
    await as('alice', ['put', 'app/two', '2']);
    await as('alice', ['get', '--prefix', 'app/', '--keys-only']);
    await as('alice', ['get', 'shared']);
    expect(await as('alice', ['put', 'shared', 'y'])).toBe('Error: etcdserver: permission denied');
    await as('alice', ['get', 'secret']);
    await as('alice', ['del', 'secret']);
    await as('alice', ['get', '', '--from-key', '--keys-only']);
    await as('alice', ['user', 'list']);
    await as('alice', ['user', 'get', 'alice']);
    await as('alice', ['role', 'get', 'app']);
    await as('alice', ['user', 'passwd', 'alice', '--interactive=false'], [], 'newpw\n');
    // A watch on a key she may not read is cancelled, and etcdctl exits.
    await as('alice', ['watch', 'secret']);

    // A CN that names no user: refused the keys as etcd refuses an unknown user, and auth as one.
    await as('nobody', ['get', 'app/one']);
    await as('nobody', ['put', 'app/one', 'z']);
    expect(await as('nobody', ['user', 'list'])).toBe('Error: etcdserver: user name not found');
    // No CN at all: the user '' — no keys, and no name for auth.
    await as('no-cn', ['get', 'app/one']);
    await as('no-cn', ['user', 'list']);
    // Two CNs: the last is the user (root).
    await as('alice-then-root', ['user', 'list']);

    // A token wins over the certificate, both ways, and a wrong password fails the login.
    await as('alice', ['user', 'list'], ['--user', 'root:rootpw']);
    await as('root', ['user', 'list'], ['--user', 'alice:alicepw']);
    await as('root', ['get', 'app/one'], ['--user', 'alice:wrong']);

    // etcd's gateway dials with the server's certificate: a call it marks is not taken for its CN.
    out.push(`raw Range secret as root: ${await rawRange(c, 'root', 'secret', new Metadata())}`);
    const gateway = new Metadata();
    gateway.set('grpcgateway-accept', 'application/json');
    out.push(`raw Range secret as root, marked as from the gateway: ${await rawRange(c, 'root', 'secret', gateway)}`);
    return out;
  }, 120_000);
});
